"""The TriageConsole: the one object the UI talks to. It reads from the store, and changes things only
through operations (approve, close, reject, override, escalate, create a CRM case) that write the store,
the audit trail and the outbox, then publish EmailsChanged on the event hub."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from emailbot_gui.classify.learning import LearningClassifier
from emailbot_gui.classify.local import TrainingExample
from emailbot_gui.core.categories import DEFAULT_CATEGORIES, Category
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Classification, EscalationProposal, Proposal, Urgency
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, Person
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.pipeline.proposer import Proposer
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.events import EmailsChanged, EventHub, LoopStatus
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.operator_ops import CRM_CASE_KIND, ConflictError
from emailbot_gui.store.views import AuditEntry, EmailDetail, OutboxItem, QueueQuery, QueueRow

log = logging.getLogger(__name__)
T = TypeVar("T")


DESCRIPTION_BODY_LIMIT = 20_000


class OperationError(Exception):
    """An operation the operator asked for could not be done; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class CrmTarget:
    """A system a case / ticket can be created in: its key ("salesforce") and what the operator reads."""

    key: str
    label: str


class TriageConsole:
    def __init__(self, store: EmailStore, loop: TriageLoop, dispatcher: OutboxDispatcher, proposer: Proposer,
                 policy: EscalationPolicy, learner: LearningClassifier, events: EventHub, *, actor: str,
                 people: Sequence[Person] = (), categories: tuple[Category, ...] = DEFAULT_CATEGORIES,
                 demo: bool = False) -> None:
        self.store = store
        self.loop = loop
        self.dispatcher = dispatcher
        self.proposer = proposer
        self.policy = policy
        self.learner = learner
        self.events = events
        self.actor = actor
        self.people = list(people)
        self.categories = categories
        self.demo = demo
        self._background: set[asyncio.Task[object]] = set()

    @property
    def loop_status(self) -> LoopStatus:
        return self.loop.status

    # ---- reads ------------------------------------------------------------------------------------

    async def queue_count(self, query: QueueQuery) -> int:
        return await self.store.queue_count(query)

    async def queue_page(self, query: QueueQuery, offset: int, limit: int) -> list[QueueRow]:
        return await self.store.queue_page(query, offset, limit)

    async def detail(self, email_id: int) -> EmailDetail:
        detail = await self.store.detail(email_id)
        if detail is None:
            raise OperationError(f"Email {email_id} is no longer in the queue.")
        return detail

    async def counts(self) -> dict[EmailState, int]:
        return await self.store.counts()

    async def audit(self, email_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
        return await self.store.audit(email_id, limit)

    async def outbox(self, limit: int = 500) -> list[OutboxItem]:
        return await self.store.outbox(limit)

    async def directory(self) -> list[Address]:
        return [p.address for p in self.people]

    def crm_targets(self) -> list[CrmTarget]:
        """Where "Create case…" can create a case, in the configured order; empty: no CRM action."""
        return [CrmTarget(key, str(getattr(sink, "label", key))) for key, sink in self.dispatcher.crm_sinks.items()]

    async def crm_cases(self, email_id: int) -> list[OutboxItem]:
        """The cases requested / created for this email (with their ids and links once created)."""
        return await self.store.outbox_for_email(email_id, CRM_CASE_KIND)

    async def crm_health(self) -> dict[str, dict[str, Any]]:
        """Each CRM target's health (e.g. Salesforce's daily API usage), for a health view."""
        out: dict[str, dict[str, Any]] = {}
        for key, sink in self.dispatcher.crm_sinks.items():
            health = getattr(sink, "health", None)
            if health is not None:
                try:
                    out[key] = await health()
                except Exception as exc:  # a health probe reports, it never raises into the UI
                    out[key] = {"source": key, "ok": False, "error": str(exc)}
        return out

    # ---- operations -------------------------------------------------------------------------------

    async def approve(self, email_id: int, reply_text: str | None = None) -> None:
        """Approve the proposed reply (or the operator's edited text) and queue it for sending."""
        detail = await self.detail(email_id)
        proposed = detail.proposal.reply_text if detail.proposal else ""
        body = proposed if reply_text is None else reply_text
        if not body.strip():
            raise OperationError("There is no reply text to send. Write a reply, or close the email "
                                 "without a reply.")
        email = detail.email
        target = email.reply_to[0] if email.reply_to else email.sender
        if not target.address:
            raise OperationError("This email has no sender address to reply to.")
        subject = email.subject if email.subject.lower().startswith("re:") else f"Re: {email.subject}"
        edited = reply_text is not None and reply_text.strip() != proposed.strip()
        await self._guarded(self.store.approve_reply(email_id, self.actor, to=target.address, subject=subject,
                                                     body=body, in_reply_to=email.message_id, edited=edited))
        self.events.publish(EmailsChanged((email_id,), "approved", self.actor))
        self._deliver_soon()

    async def close(self, email_id: int, note: str = "") -> None:
        """Approve closing the email without a reply (noise, out-of-office)."""
        await self._guarded(self.store.close_without_reply(email_id, self.actor, note))
        self.events.publish(EmailsChanged((email_id,), "closed", self.actor))

    async def reject(self, email_id: int, reason: str = "") -> None:
        await self._guarded(self.store.reject(email_id, self.actor, reason))
        self.events.publish(EmailsChanged((email_id,), "rejected", self.actor))

    async def override(self, email_id: int, category: str | None = None, urgency: Urgency | None = None,
                       note: str = "") -> Proposal:
        """Correct the classification; the proposal is redrafted and returned; the correction trains
        the local classifier."""
        detail = await self.detail(email_id)
        old = detail.classification
        if category is not None and category not in {c.key for c in self.categories}:
            raise OperationError(f"Unknown category {category!r}.")
        new_category = category or (old.category if old else "")
        new_urgency = urgency or (old.urgency if old else Urgency.MEDIUM)
        if not new_category:
            raise OperationError("Choose a category.")
        classification = Classification(
            category=new_category, urgency=new_urgency, confidence=1.0,
            rationale=f"Set by {self.actor}" + (f": {note}" if note else "."), model="operator",
            language=old.language if old else "", flags=old.flags if old else ())
        proposal = self.proposer.propose(detail.email, classification, detail.enrichment)
        await self._guarded(self.store.override(email_id, self.actor, classification, proposal, note,
                                                (detail.email.subject, detail.email.body_text)))
        self.learner.learn(TrainingExample(subject=detail.email.subject, body=detail.email.body_text,
                                           category=new_category, urgency=new_urgency.name))
        self.events.publish(EmailsChanged((email_id,), "overridden", self.actor))
        return proposal

    async def suggest_escalation(self, email_id: int) -> EscalationProposal:
        detail = await self.detail(email_id)
        if detail.proposal and detail.proposal.escalation:
            return detail.proposal.escalation
        if detail.classification is None:
            raise OperationError("This email has not been classified yet.")
        suggestion = self.policy.suggest(detail.email, detail.classification, detail.enrichment)
        if not suggestion.people and self.people:
            suggestion = replace(suggestion, people=(self.people[0].address,))
        return suggestion

    async def escalate(self, email_id: int, people: Sequence[Address], topic: str, message: str) -> None:
        if not people:
            raise OperationError("Choose at least one person to escalate to.")
        if not topic.strip() or not message.strip():
            raise OperationError("An escalation needs a topic and a message.")
        await self._guarded(self.store.approve_escalation(
            email_id, self.actor, people=[[p.address, p.name] for p in people], topic=topic.strip(),
            message=message.strip()))
        self.events.publish(EmailsChanged((email_id,), "escalation_approved", self.actor))
        self._deliver_soon()

    async def create_case(self, email_id: int, target: str) -> None:
        """Approve creating a case / ticket for this email in `target`; it is created in the background
        (once: a retry after a crash finds the first one). The email's state does not change."""
        sink = self.dispatcher.crm_sinks.get(target)
        if sink is None:
            raise OperationError(f"No CRM called {target!r} is configured.")
        detail = await self.detail(email_id)
        email = detail.email
        if not email.sender.address:
            raise OperationError("This email has no sender address to attach a case to.")
        urgency = detail.classification.urgency if detail.classification else Urgency.MEDIUM
        lines = [f"From: {email.sender}", f"Received: {email.received_at.isoformat()}",
                 f"Subject: {email.subject}"]
        if detail.classification is not None:
            lines.append(f"Category: {detail.classification.category} · urgency {urgency.label}")
        description = "\n".join(lines) + "\n\n" + email.body_text[:DESCRIPTION_BODY_LIMIT]
        payload = {"target": target, "sender": email.sender.address, "subject": email.subject or "(no subject)",
                   "description": description, "urgency": urgency.name, "message_id": email.message_id}
        await self._guarded(self.store.approve_crm_action(email_id, self.actor, target=target, payload=payload))
        self.events.publish(EmailsChanged((email_id,), "crm_case_approved", self.actor))
        self._deliver_soon()

    async def retry(self, email_id: int) -> None:
        target = await self._guarded(self.store.retry_failed(email_id, self.actor))
        self.events.publish(EmailsChanged((email_id,), "retry", self.actor))
        if target == EmailState.APPROVED:
            self._deliver_soon()
        else:
            self.poll_now()

    def poll_now(self) -> None:
        self.loop.poll_now()

    async def deliver_pending(self) -> int:
        return await self.dispatcher.deliver_pending()

    async def wait_idle(self) -> None:
        """Wait for background deliveries started by operations (tests, and a clean quit)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    # ---- helpers ----------------------------------------------------------------------------------

    async def _guarded(self, operation: Awaitable[T]) -> T:
        try:
            return await operation
        except ConflictError as exc:
            raise OperationError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from exc

    def _deliver_soon(self) -> None:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(self.dispatcher.deliver_pending())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
