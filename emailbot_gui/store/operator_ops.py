"""Write side for the operator's decisions and for delivering what they approved.

Each decision is one transaction: a guarded state change (`UPDATE ... WHERE state IN (allowed)`, so two
operators sharing a queue cannot both act on one email), the audit entry, and — for a reply or an
escalation — the outbox row whose unique idempotency key makes a second delivery impossible.

A CRM case ("create a case / ticket in <target>") is an action *beside* the email's life, not a step of
it: approving one writes an outbox row (kind "crm_case", key `crm:<target>:<email id>`) and an audit entry
but leaves the email's state alone, and so does its delivery or failure. It is allowed while the email is
reviewable and after it was decided (approved, sent, escalated, done), never when rejected, failed or in
the pipeline. One case per target and email: asking again only re-queues a failed one (same key).

An operator's decision can be undone while nothing has left the console (`undo_decision`): a reply or an
escalation is held until its `not_before` (the undo window), and the dispatcher claims it (`claim_delivery`,
which sets `started_at`) before it sends; an undo cancels only an unclaimed row, in one guarded update, so of
"undo" and "send" exactly one happens. A close, a reject or a correction (override) can be undone within the
same window; an undone correction puts the classification and proposal back as they were and drops its
training example.

The claim is also exclusive between consoles sharing one queue: it names the console and holds for a lease;
another console may take the row over only once the lease has run out (the first one died mid-delivery), and
the same console (after a restart) at once. Delivered or failed, the row is released."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emailbot_gui.core.lifecycle import REVIEWABLE, UNDOABLE, EmailState, check_transition
from emailbot_gui.core.types import Address, Classification, Enrichment, Proposal, SourceResult
from emailbot_gui.store import codec
from emailbot_gui.store.decisions import DECISION_ACTIONS, UNDO, standing
from emailbot_gui.store.models import (
    AuditEventRow,
    EmailContentRow,
    EmailRow,
    OutboxRow,
    TrainingExampleRow,
    UtcDateTime,
)
from emailbot_gui.store.queue_reads import _outbox_item
from emailbot_gui.store.views import OutboxItem

CRM_CASE_KIND = "crm_case"
CRM_CASE_STATES = frozenset(REVIEWABLE | {EmailState.APPROVED, EmailState.SENT, EmailState.ESCALATED,
                                          EmailState.DONE})
HELD_KINDS = ("reply", "escalation")  # outbox kinds an undo window holds
CLAIM_LEASE = 600.0  # seconds a console's claim on a delivery keeps others off it: longer than any delivery takes


@dataclass(frozen=True, slots=True)
class Undone:
    """What `undo_decision` took back."""

    state: EmailState  # where the email is back
    action: str  # the decision taken back ("approve_reply", "override", ...)
    details: Mapping[str, Any]  # that decision's audit details
    forgotten: tuple[str, str, str, str] | None = None  # an undone correction's training example, now deleted


class ConflictError(Exception):
    """The email is no longer in a state that allows this (someone or something acted on it first)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _audit(email_id: int, action: str, before: str, after: str, actor: str, **details: Any) -> AuditEventRow:
    return AuditEventRow(at=_now(), actor=actor, action=action, email_id=email_id, before=before, after=after,
                         details=details)


class OperatorOpsMixin:
    session: async_sessionmaker[AsyncSession]
    write: Callable[[], AbstractAsyncContextManager[AsyncSession]]  # EmailStore.write

    @staticmethod
    async def _move(s: AsyncSession, email_id: int, allowed: Sequence[EmailState], target: EmailState,
                    reason: str = "", **values: Any) -> EmailState:
        row = await s.get(EmailRow, email_id)
        if row is None:
            raise ConflictError(f"email {email_id} does not exist")
        current = EmailState(row.state)
        if current not in allowed:
            raise ConflictError(f"this email is {current.label.lower()} now; it can no longer be "
                                f"moved to {target.label.lower()}")
        check_transition(current, target)
        result = await s.execute(update(EmailRow).where(EmailRow.id == email_id, EmailRow.state == current.value)
                                 .values(state=target.value, state_reason=reason, updated_at=_now(), **values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError("another operator acted on this email at the same moment")
        return current

    @staticmethod
    async def _queue(s: AsyncSession, email_id: int, kind: str, payload: dict[str, Any],
                     hold_until: datetime | None) -> OutboxRow:
        """The outbox row for an approved reply or escalation. An approval that was undone left a cancelled row
        under the same key; nothing was ever delivered under it, so the new approval takes it over."""
        key = f"{kind}:{email_id}"
        row = await s.scalar(select(OutboxRow).where(OutboxRow.idempotency_key == key))
        if row is not None and row.status == "cancelled":
            row.status, row.payload, row.created_at, row.not_before = "pending", payload, _now(), hold_until
            row.error, row.attempts, row.started_at, row.claimed_by, row.claimed_until = "", 0, None, "", None
            return row
        row = OutboxRow(email_id=email_id, kind=kind, idempotency_key=key, status="pending", created_at=_now(),
                        payload=payload, not_before=hold_until)
        s.add(row)
        return row

    async def approve_reply(self, email_id: int, actor: str, *, to: str, subject: str, body: str,
                            in_reply_to: str, edited: bool, hold_until: datetime | None = None) -> int:
        """`hold_until`: not delivered before then (the operator's undo window)."""
        async with self.write() as s:
            before = await self._move(s, email_id, tuple(REVIEWABLE), EmailState.APPROVED)
            outbox = await self._queue(s, email_id, "reply", {"to": to, "subject": subject, "body": body,
                                                               "in_reply_to": in_reply_to}, hold_until)
            s.add(_audit(email_id, "approve_edited_reply" if edited else "approve_reply", before.value,
                         EmailState.APPROVED.value, actor, edited=edited, reply_chars=len(body)))
            await s.flush()
            return outbox.id

    async def approve_escalation(self, email_id: int, actor: str, *, people: list[list[str]], topic: str,
                                 message: str, hold_until: datetime | None = None) -> int:
        async with self.write() as s:
            before = await self._move(s, email_id, tuple(REVIEWABLE), EmailState.APPROVED)
            outbox = await self._queue(s, email_id, "escalation",
                                       {"people": people, "topic": topic, "message": message}, hold_until)
            s.add(_audit(email_id, "escalate", before.value, EmailState.APPROVED.value, actor,
                         people=[p[0] for p in people], topic=topic))
            await s.flush()
            return outbox.id

    async def approve_crm_action(self, email_id: int, actor: str, *, target: str, payload: dict[str, Any]) -> int:
        """Queue "create a case in `target`" for this email; the email's state does not change."""
        key = f"crm:{target}:{email_id}"
        async with self.write() as s:
            row = await s.get(EmailRow, email_id)
            if row is None:
                raise ConflictError(f"email {email_id} does not exist")
            state = EmailState(row.state)
            if state not in CRM_CASE_STATES:
                raise ConflictError(f"this email is {state.label.lower()}; a case cannot be created for it")
            existing = await s.scalar(select(OutboxRow).where(OutboxRow.idempotency_key == key))
            if existing is not None and existing.status != "failed":
                done = "was already created" if existing.status == "delivered" else "is already being created"
                raise ConflictError(f"a case in {target} {done} for this email")
            if existing is not None:  # a failed attempt: try again under the same key (and marker)
                existing.status = "pending"
                existing.error = ""
                existing.payload = {**payload, "progress": existing.payload.get("progress", {})}
                outbox = existing
            else:
                outbox = OutboxRow(email_id=email_id, kind=CRM_CASE_KIND, idempotency_key=key, status="pending",
                                   created_at=_now(), payload=dict(payload))
                s.add(outbox)
            s.add(_audit(email_id, "crm_case_requested", state.value, state.value, actor, target=target,
                         subject=payload.get("subject", ""), retry=existing is not None))
            await s.flush()
            return outbox.id

    async def record_settings_change(self, actor: str, action: str, **details: Any) -> None:
        """An audit entry for a change of the console's own configuration (no email): who, what, before/after.
        Callers pass names and non-secret values only."""
        async with self.write() as s:
            s.add(AuditEventRow(at=_now(), actor=actor, action=action, email_id=None, before="", after="",
                                details=details))

    async def close_without_reply(self, email_id: int, actor: str, note: str) -> None:
        async with self.write() as s:
            before = await self._move(s, email_id, tuple(REVIEWABLE), EmailState.APPROVED)
            s.add(_audit(email_id, "close", before.value, EmailState.APPROVED.value, actor, note=note))
            await self._move(s, email_id, (EmailState.APPROVED,), EmailState.DONE, note)
            s.add(_audit(email_id, "done", EmailState.APPROVED.value, EmailState.DONE.value, actor))

    async def reject(self, email_id: int, actor: str, reason: str) -> None:
        async with self.write() as s:
            before = await self._move(s, email_id, tuple(REVIEWABLE), EmailState.REJECTED, reason)
            s.add(_audit(email_id, "reject", before.value, EmailState.REJECTED.value, actor, reason=reason))

    async def undo_decision(self, email_id: int, actor: str, window: float) -> Undone:
        """Take back the last decision on this email that still stands, while nothing has left the console: an
        approved reply or escalation whose delivery has not started (its outbox row is cancelled), or a close, a
        reject or a correction made less than `window` seconds ago. The email goes back to the reviewable state
        it was decided in; the undo is audited. Raises ConflictError, saying why, when it is too late."""
        async with self.write() as s:
            row = await s.get(EmailRow, email_id)
            if row is None:
                raise ConflictError(f"email {email_id} does not exist")
            current = EmailState(row.state)
            decision = await self._last_standing_decision(s, email_id)
            if current not in UNDOABLE or decision is None or decision.before not in REVIEWABLE:
                raise ConflictError(f"this email is {current.label.lower()}; there is no decision left to undo")
            back = EmailState(decision.before)
            details: dict[str, Any] = {"undone": decision.action}
            if decision.action == "override":
                self._check_window(decision, window)
                if "previous" not in decision.details:
                    raise ConflictError("this correction was made by an older version, which kept no copy of what "
                                        "it replaced; correct it again instead")
                restored, forgotten = await self._restore_before_override(s, email_id, decision.details)
                await self._move(s, email_id, (current,), back, **restored)
                s.add(_audit(email_id, UNDO, current.value, back.value, actor, **details))
                return Undone(back, decision.action, dict(decision.details), forgotten)
            if current is EmailState.APPROVED:
                held = await s.scalar(select(OutboxRow.id).where(
                    OutboxRow.email_id == email_id, OutboxRow.kind.in_(HELD_KINDS), OutboxRow.status == "pending"))
                cancelled = await s.execute(
                    update(OutboxRow).where(OutboxRow.id == held, OutboxRow.status == "pending",
                                            OutboxRow.started_at.is_(None))
                    .values(status="cancelled", not_before=None)) if held is not None else None
                if cancelled is None or cancelled.rowcount != 1:  # type: ignore[attr-defined]
                    raise ConflictError("it is being delivered already; it can no longer be undone")
                details["outbox_id"] = held
            else:
                self._check_window(decision, window)
            await self._move(s, email_id, (current,), back)
            s.add(_audit(email_id, UNDO, current.value, back.value, actor, **details))
            return Undone(back, decision.action, dict(decision.details))

    @staticmethod
    async def _last_standing_decision(s: AsyncSession, email_id: int) -> AuditEventRow | None:
        """The email's newest decision that was not undone."""
        rows = await s.scalars(select(AuditEventRow).where(
            AuditEventRow.email_id == email_id, AuditEventRow.action.in_((*DECISION_ACTIONS, UNDO)))
            .order_by(AuditEventRow.id))
        decisions = standing(rows, lambda row: row.action)
        return decisions[-1] if decisions else None

    @staticmethod
    def _check_window(decision: AuditEventRow, window: float) -> None:
        if (_now() - decision.at).total_seconds() > window:
            done = {"close": "closed", "reject": "rejected", "override": "corrected"}.get(decision.action, "decided")
            raise ConflictError(f"it was {done} more than {window:g} seconds ago; it can no longer be undone")

    @staticmethod
    async def _restore_before_override(s: AsyncSession, email_id: int, details: Mapping[str, Any]
                                       ) -> tuple[dict[str, Any], tuple[str, str, str, str] | None]:
        """Put back the classification and proposal an override replaced, and drop its training example;
        returns the email row's columns as they were, and the example dropped."""
        previous = details.get("previous") or {}
        content = await s.get(EmailContentRow, email_id)
        if content is not None:
            content.classification = previous.get("classification")
            content.proposal = previous.get("proposal")
        example = await s.get(TrainingExampleRow, details.get("training_example_id", -1))
        forgotten = None
        if example is not None:
            forgotten = (example.subject, example.body, example.category, example.urgency)
            await s.delete(example)
        old = codec.classification_from_json(previous.get("classification"))
        if old is None:
            return {"category": "", "urgency": None, "confidence": None}, forgotten
        return {"category": old.category, "urgency": int(old.urgency), "confidence": old.confidence}, forgotten

    async def claim_delivery(self, outbox_id: int, claimer: str = "", lease: float = CLAIM_LEASE) -> bool:
        """Mark a pending action as being delivered by `claimer` for `lease` seconds, in its own transaction,
        before the transport starts: from then on it cannot be undone, and no other console delivers it while
        the lease lasts. False if it is no longer pending (undone since it was read) or another console holds
        it."""
        now = _now()
        async with self.write() as s:
            result = await s.execute(
                update(OutboxRow).where(OutboxRow.id == outbox_id, OutboxRow.status == "pending",
                                        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= now,
                                            OutboxRow.claimed_by == claimer))
                .values(started_at=func.coalesce(OutboxRow.started_at, literal(now, UtcDateTime())), claimed_by=claimer,
                        claimed_until=now + timedelta(seconds=lease)))
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def override(self, email_id: int, actor: str, classification: Classification, proposal: Proposal,
                       note: str, training_text: tuple[str, str]) -> None:
        async with self.write() as s:
            content = await s.get(EmailContentRow, email_id)
            old = codec.classification_from_json(content.classification if content else None)
            before = await self._move(s, email_id, tuple(REVIEWABLE), EmailState.OVERRIDDEN, note,
                                      category=classification.category, urgency=int(classification.urgency),
                                      confidence=classification.confidence)
            # What an undo puts back: the classification and proposal as they were, and the example to forget.
            previous = {"classification": content.classification if content else None,
                        "proposal": content.proposal if content else None}
            if content is not None:
                content.classification = codec.classification_to_json(classification)
                content.proposal = codec.proposal_to_json(proposal)
            example = TrainingExampleRow(email_id=email_id, subject=training_text[0], body=training_text[1],
                                         category=classification.category, urgency=classification.urgency.name,
                                         created_at=_now(), actor=actor)
            s.add(example)
            await s.flush()
            s.add(_audit(email_id, "override", before.value, EmailState.OVERRIDDEN.value, actor,
                         category=[old.category if old else "", classification.category],
                         urgency=[old.urgency.name if old else "", classification.urgency.name], note=note,
                         training_example_id=example.id, previous=previous))

    async def mark_delivered(self, outbox_id: int, external_id: str, link: str, actor: str = "system") -> None:
        async with self.write() as s:
            item = await s.get(OutboxRow, outbox_id)
            if item is None or item.status == "delivered":
                return
            item.status = "delivered"
            item.claimed_until = None
            item.delivered_at = _now()
            item.external_id = external_id
            item.link = link
            item.attempts += 1
            if item.kind == CRM_CASE_KIND:
                email = await s.get(EmailRow, item.email_id)
                state = email.state if email is not None else ""
                s.add(_audit(item.email_id, "crm_case_created", state, state, actor, outbox_id=outbox_id,
                             target=item.payload.get("target", ""), external_id=external_id, link=link))
                return
            target = EmailState.SENT if item.kind == "reply" else EmailState.ESCALATED
            before = await self._move(s, item.email_id, (EmailState.APPROVED,), target)
            s.add(_audit(item.email_id, "sent" if item.kind == "reply" else "escalated", before.value,
                         target.value, actor, outbox_id=outbox_id, external_id=external_id, link=link))

    async def save_outbox_progress(self, outbox_id: int, update: Mapping[str, Any]) -> None:
        """Durably record how far a delivery got (e.g. a draft's id) before the transport goes on."""
        async with self.write() as s:
            item = await s.get(OutboxRow, outbox_id)
            if item is None:
                return
            payload = dict(item.payload)
            payload["progress"] = {**payload.get("progress", {}), **update}
            item.payload = payload

    async def mark_delivery_failed(self, outbox_id: int, error: str, *, final: bool, counted: bool = True) -> None:
        """Record why a delivery did not happen; `counted`: it spent one of the item's attempts."""
        async with self.write() as s:
            item = await s.get(OutboxRow, outbox_id)
            if item is None or item.status == "delivered":
                return
            item.attempts += 1 if counted else 0
            item.error = error
            item.claimed_until = None  # released: the next attempt may come from any console
            if not final:
                return
            item.status = "failed"
            if item.kind == CRM_CASE_KIND:
                email = await s.get(EmailRow, item.email_id)
                state = email.state if email is not None else ""
                s.add(_audit(item.email_id, "crm_case_failed", state, state, "system", outbox_id=outbox_id,
                             target=item.payload.get("target", ""), error=error, attempts=item.attempts))
                return
            before = await self._move(s, item.email_id, (EmailState.APPROVED,), EmailState.FAILED, error)
            s.add(_audit(item.email_id, "delivery_failed", before.value, EmailState.FAILED.value, "system",
                         outbox_id=outbox_id, error=error, attempts=item.attempts))

    async def retry_failed(self, email_id: int, actor: str) -> EmailState:
        """Send a failed email back to where it failed: a failed delivery is retried from its outbox row
        (same idempotency key), a failed pipeline stage starts again from new."""
        async with self.write() as s:
            item = await s.scalar(select(OutboxRow).where(OutboxRow.email_id == email_id,
                                                          OutboxRow.status == "failed",
                                                          OutboxRow.kind != CRM_CASE_KIND))
            target = EmailState.APPROVED if item is not None else EmailState.NEW
            await self._move(s, email_id, (EmailState.FAILED,), target, retries=0)
            if item is not None:
                item.status = "pending"
                item.error = ""
            s.add(_audit(email_id, "retry", EmailState.FAILED.value, target.value, actor))
            return target

    async def outbox_for_email(self, email_id: int, kind: str | None = None) -> list[OutboxItem]:
        """The email's outbox rows (e.g. its CRM cases, for links in the CRM panel), oldest first."""
        stmt = select(OutboxRow).where(OutboxRow.email_id == email_id).order_by(OutboxRow.id)
        if kind is not None:
            stmt = stmt.where(OutboxRow.kind == kind)
        async with self.session() as s:
            return [_outbox_item(r) for r in await s.scalars(stmt)]

    async def latest_enrichment_for_sender(self, sender: Address, scan: int = 20) -> Enrichment | None:
        """Per source, the newest stored answer with a record among the sender's last `scan` enriched
        emails: what the enrichment gateway shows as "stale" when a source fails now."""
        address = sender.address.strip().lower()
        if not address:
            return None
        stmt = (select(EmailContentRow.enrichment).join(EmailRow, EmailRow.id == EmailContentRow.email_id)
                .where(func.lower(EmailRow.sender_address) == address, EmailContentRow.enrichment.is_not(None))
                .order_by(EmailRow.id.desc()).limit(scan))
        async with self.session() as s:
            stored = [codec.enrichment_from_json(v) for v in await s.scalars(stmt)]
        newest: dict[str, SourceResult] = {}
        for enrichment in stored:
            for r in enrichment.results if enrichment is not None else ():
                if r.record and r.status in (SourceResult.FOUND, "stale") and r.source not in newest:
                    newest[r.source] = r
        return Enrichment(tuple(newest.values())) if newest else None
