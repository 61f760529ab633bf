"""The TriageConsole: the one object the UI talks to. It reads from the store, and changes things only
through operations (approve, close, reject, override, escalate, create a CRM case, undo) that write the store,
the audit trail and the outbox, then publish EmailsChanged on the event hub.

An operator's reply or escalation is held for `Settings.undo_seconds` before it is delivered, and `undo`
takes a decision back until then; auto-approvals are not held (no operator is there to undo them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from emailbot_gui.classify.learning import LearningClassifier
from emailbot_gui.classify.local import TrainingExample
from emailbot_gui.classify.usage import DayUsage, EmailUsage, UsageMeter
from emailbot_gui.config.secrets import EnvSecretStore, SecretStore
from emailbot_gui.config.settings import Settings, save_settings
from emailbot_gui.core.categories import DEFAULT_CATEGORIES, Category
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Classification, Email, EscalationProposal, Proposal, Urgency
from emailbot_gui.pipeline.auto_approval import (
    AUTO_ACTOR,
    CLOSE,
    AgreementMemo,
    AutoApprovalPolicy,
    AutoApprovalSettings,
)
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, Person
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.pipeline.proposer import Proposer
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.attachments import (
    AttachmentError,
    AttachmentSource,
    SavedAttachment,
    safe_filename,
    save_attachment,
)
from emailbot_gui.services.events import EmailsChanged, Event, EventHub, Health, LoopStatus, Notice
from emailbot_gui.services.people_search import Directory, search_people
from emailbot_gui.store.decision_stats import CategoryAgreement, agreement_by_category
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.operator_ops import CRM_CASE_KIND, ConflictError
from emailbot_gui.store.views import AuditEntry, EmailDetail, OutboxItem, QueueQuery, QueueRow

if TYPE_CHECKING:
    from emailbot_gui.services.health import HealthMonitor
    from emailbot_gui.services.live_integrations import LiveIntegrations

log = logging.getLogger(__name__)
T = TypeVar("T")


DESCRIPTION_BODY_LIMIT = 20_000


class OperationError(Exception):
    """An operation the operator asked for could not be done; the message says why, in words."""


class DirectoryUnavailable(OperationError):
    """The directory could not be searched; `people` are the configured people that match."""

    def __init__(self, message: str, people: list[Address]) -> None:
        super().__init__(message)
        self.people = people


@dataclass(frozen=True, slots=True)
class CrmTarget:
    """A system a case / ticket can be created in: its key ("salesforce") and what the operator reads."""

    key: str
    label: str


class TriageConsole:
    def __init__(self, store: EmailStore, loop: TriageLoop, dispatcher: OutboxDispatcher, proposer: Proposer,
                 policy: EscalationPolicy, learner: LearningClassifier, events: EventHub, *, actor: str,
                 categories: tuple[Category, ...] = DEFAULT_CATEGORIES,
                 demo: bool = False, settings: Settings | None = None, secrets: SecretStore | None = None,
                 health: HealthMonitor | None = None, integrations: LiveIntegrations | None = None,
                 auto_approval: AutoApprovalPolicy | None = None, meter: UsageMeter | None = None,
                 settings_file: Path | None = None, directory: Directory | None = None,
                 attachments: AttachmentSource | None = None) -> None:
        self.store = store
        self.loop = loop
        self.dispatcher = dispatcher
        self.proposer = proposer
        self.policy = policy
        self.learner = learner
        self.events = events
        self.actor = actor
        self.categories = categories
        self.demo = demo
        self._settings = settings or loop.settings
        self._secrets: SecretStore = secrets if secrets is not None else EnvSecretStore()
        self._health = health
        self._integrations = integrations
        self._auto = auto_approval
        self._meter = meter
        self._settings_file = settings_file
        self._directory = directory  # the organization's directory (Microsoft 365), for type-ahead
        self._attachments = attachments  # where attachments are fetched from (the mail source)
        self._background: set[asyncio.Task[object]] = set()
        self._applying = asyncio.Lock()
        if auto_approval is not None:
            events.subscribe(self._on_event)

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

    async def search_people(self, text: str) -> list[Address]:
        """People to escalate to whose name or address matches `text`: the configured ones first, then the
        organization's directory when Microsoft 365 is connected. Raises DirectoryUnavailable (carrying the
        configured matches) when the directory cannot answer."""
        found = await search_people([p.address for p in self.people], self._directory, text)
        if found.problem:
            raise DirectoryUnavailable(found.problem, found.people)
        return found.people

    @staticmethod
    def attachment_file_name(email: Email, index: int) -> str:
        """A safe file name to suggest for the email's `index`-th attachment (its own name is untrusted)."""
        attachment = email.attachments[index]
        return safe_filename(attachment.filename, attachment.content_type, index)

    async def save_attachment(self, email_id: int, index: int, path: Path) -> SavedAttachment:
        """Fetch the email's `index`-th attachment from the mail source and write it to `path` (whole or
        not at all). The file is only written, never opened."""
        email = (await self.detail(email_id)).email
        try:
            saved = await save_attachment(self._attachments, email, index, path)
        except AttachmentError as exc:
            raise OperationError(str(exc)) from exc
        log.info("attachment %d of email %d saved (%d bytes)", index, email_id, saved.size)
        return saved

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

    # ---- settings, secrets, health, usage ------------------------------------------------------------

    @property
    def people(self) -> list[Person]:
        """The escalation people, as the policy has them now (the settings change them while the app runs)."""
        return self.policy.people

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def secrets(self) -> SecretStore:
        """Where the UI writes secrets (the OS keyring behind the environment overlay); never the settings."""
        return self._secrets

    async def apply_settings(self, new: Settings, *, secrets_changed: bool = True) -> bool:
        """Validate, save, and switch the running integrations to `new` without a restart; returns whether a
        restart is needed for part of it (the mail source, the queue database). `secrets_changed`: whether a
        secret was saved with it (only then do unchanged connector settings get rebuilt). Raises SettingsError."""
        async with self._applying:  # one change at a time: each rebuilds from the settings before it
            return await self._apply_settings(new.validate(), secrets_changed)

    async def _apply_settings(self, new: Settings, secrets_changed: bool) -> bool:
        old = self._settings
        if self._settings_file is not None:
            await asyncio.to_thread(save_settings, self._settings_file, new)
        restart = await self._integrations.apply(new, secrets_changed=secrets_changed) \
            if self._integrations is not None else False
        self._settings = new
        self.actor = new.operator_name or self.actor
        self.proposer.operator = self.actor
        changed = [name for name in Settings.__dataclass_fields__ if getattr(old, name) != getattr(new, name)]
        if changed:
            details: dict[str, Any] = {"changed": changed, "restart_needed": restart}
            if old.auto_approval != new.auto_approval:
                details["auto_approval"] = {"before": old.auto_approval, "after": new.auto_approval}
            await self.store.record_settings_change(self.actor, "settings_changed", **details)
        return restart

    def health(self) -> list[Health]:
        return self._health.snapshot() if self._health is not None else []

    async def recheck_health(self) -> list[Health]:
        return await self._health.check_now() if self._health is not None else []

    def usage(self) -> DayUsage | None:
        """Today's AI tokens and cost; None when OpenAI is off."""
        if self._meter is None or self._integrations is None or self._integrations.openai is None:
            return None
        return self._meter.today()

    def usage_for(self, message_id: str) -> EmailUsage | None:
        return self._meter.for_email(message_id) if self._meter is not None else None

    @property
    def auto_approval(self) -> AutoApprovalSettings:
        return self._auto.settings if self._auto is not None else AutoApprovalSettings()

    async def set_auto_approval(self, settings: AutoApprovalSettings) -> None:
        """Change the auto-approval rules (saved, and audited with before and after)."""
        await self.apply_settings(replace(self._settings, auto_approval=settings.to_json()), secrets_changed=False)

    async def agreement_rates(self) -> dict[str, CategoryAgreement]:
        """Per category, how often the operator approved the proposal unchanged (auto-approvals left out)."""
        no_reply = frozenset(c.key for c in self.categories if not c.needs_reply)
        return await agreement_by_category(self.store, no_reply_categories=no_reply, exclude_actors=(AUTO_ACTOR,))

    # ---- auto-approval ------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, EmailsChanged) and event.reason == "proposed" and self._auto is not None \
                and self._auto.settings.enabled:
            task: asyncio.Task[object] = asyncio.get_running_loop().create_task(self._auto_approve(event.ids))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _auto_approve(self, ids: Sequence[int]) -> None:
        """Approve, as AUTO_ACTOR and through the same audited operations, what the policy allows."""
        assert self._auto is not None
        batch = AgreementMemo(self._auto)
        for email_id in ids:
            try:
                decision = await self._auto.decide(email_id, batch)
                if not decision.approve:
                    continue
                if decision.action == CLOSE:
                    await self.close(email_id, f"auto-approved: {decision.reason}", actor=AUTO_ACTOR)
                else:
                    await self.approve(email_id, actor=AUTO_ACTOR)
                log.info("email %d auto-approved (%s): %s", email_id, decision.action, decision.reason)
            except OperationError as exc:  # the operator (or a retry) acted first: nothing to do
                log.info("auto-approval of email %d skipped: %s", email_id, exc)
            except Exception as exc:
                log.exception("auto-approval of email %d failed", email_id)
                self.events.publish(Notice("warning", f"Auto-approval of email {email_id} failed: {exc}"))

    # ---- operations -------------------------------------------------------------------------------

    async def approve(self, email_id: int, reply_text: str | None = None, *, actor: str | None = None) -> None:
        """Approve the proposed reply (or the operator's edited text) and queue it for sending."""
        actor = actor or self.actor
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
        hold_until = self._hold_until(actor)
        await self._guarded(self.store.approve_reply(email_id, actor, to=target.address, subject=subject,
                                                     body=body, in_reply_to=email.message_id, edited=edited,
                                                     hold_until=hold_until))
        self.events.publish(EmailsChanged((email_id,), "approved", actor))
        self._deliver_after(hold_until)

    async def close(self, email_id: int, note: str = "", *, actor: str | None = None) -> None:
        """Approve closing the email without a reply (noise, out-of-office)."""
        actor = actor or self.actor
        await self._guarded(self.store.close_without_reply(email_id, actor, note))
        self.events.publish(EmailsChanged((email_id,), "closed", actor))

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
        if self._integrations is not None and not self._integrations.escalations_enabled:
            raise OperationError("Teams escalation is switched off. Switch it on in Settings → Escalation.")
        hold_until = self._hold_until(self.actor)
        await self._guarded(self.store.approve_escalation(
            email_id, self.actor, people=[[p.address, p.name] for p in people], topic=topic.strip(),
            message=message.strip(), hold_until=hold_until))
        self.events.publish(EmailsChanged((email_id,), "escalation_approved", self.actor))
        self._deliver_after(hold_until)

    async def undo(self, email_id: int) -> EmailState:
        """Take back the last decision on this email (approve, escalate, close, reject, or a correction) while
        nothing has left the console; returns the state it is back in. An undone correction is forgotten by
        the local model too. Raises OperationError saying why when it is too late."""
        undone = await self._guarded(self.store.undo_decision(email_id, self.actor, self._settings.undo_seconds))
        if undone.forgotten is not None:
            self.learner.forget(TrainingExample(*undone.forgotten))
        self.events.publish(EmailsChanged((email_id,), "undone", self.actor))
        return undone.state

    async def deliver_held(self) -> int:
        """Deliver at once what the undo window still holds (the app is quitting: nobody can undo it now)."""
        return await self.dispatcher.deliver_held()

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

    def _hold_until(self, actor: str) -> datetime | None:
        seconds = self._settings.undo_seconds
        if actor == AUTO_ACTOR or seconds <= 0:
            return None
        return datetime.now(UTC) + timedelta(seconds=seconds)

    def _deliver_after(self, hold_until: datetime | None) -> None:
        if hold_until is None:
            self._deliver_soon()
        else:
            self.dispatcher.wake_at(hold_until)

    def _deliver_soon(self) -> None:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(self.dispatcher.deliver_pending())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
