"""Delivers what the operator approved, from the store's outbox.

Before each delivery it asks the transport whether an action with the same idempotency key was already
delivered: that resolves a crash (or a timeout) between "delivered" and "recorded as delivered" without
ever sending twice.

Replies and escalations go to the one ActionSink; an approved CRM case (kind "crm_case") goes to the
CrmActionSink of its target ("salesforce", "hubspot", "customer_db"), which finds an interrupted attempt's
record by the marker checkpointed before the create request (see connectors/crm_actions.py).

An item held by the operator's undo window (`not_before` in the future) waits: the dispatcher wakes itself at
the earliest such moment, also after a restart. Each item is claimed in the store before its delivery starts,
which is what an undo checks; an item undone after it was read is skipped. The claim names this console
(`claimer`) and lasts `lease` seconds: consoles sharing one queue never deliver the same item at once, and an
item a dead console had claimed is taken over when its lease runs out. A delivery that failed and will be
tried again gets another pass after `retry_delay` seconds; so does one the transport cannot confirm yet
(`CheckAgainLater`: handed over, not visible as sent yet), which costs no attempt."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from emailbot_gui.connectors.base import (
    ActionSink,
    CheckAgainLater,
    DeliveryReceipt,
    OutgoingEscalation,
    OutgoingReply,
)
from emailbot_gui.connectors.crm_actions import CRM_CASE_KIND, CaseRequest, CrmActionSink
from emailbot_gui.core.types import Address, Urgency
from emailbot_gui.services.events import EmailsChanged, EventHub, Notice
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.operator_ops import CLAIM_LEASE
from emailbot_gui.store.views import OutboxItem

log = logging.getLogger(__name__)



class _Outcome(Enum):
    DELIVERED = "delivered"
    FAILED = "failed"  # an attempt spent
    CHECK_AGAIN = "check again"  # handed over earlier, not visible as sent yet: no attempt spent


class OutboxDispatcher:
    def __init__(self, store: EmailStore, sink: ActionSink, events: EventHub, *, max_attempts: int = 3,
                 crm_sinks: Mapping[str, CrmActionSink] | None = None, retry_delay: float = 60.0,
                 claimer: str = "", lease: float = CLAIM_LEASE) -> None:
        """`claimer`: this console, the same across its restarts (so it takes back at once what it had claimed
        when it died); `lease`: longer than any one delivery takes."""
        self.store = store
        self.sink = sink
        self.events = events
        self.crm_sinks = dict(crm_sinks or {})
        self.max_attempts = max(1, max_attempts)
        self.retry_delay = retry_delay
        self.claimer = claimer
        self.lease = lease
        self._lock = asyncio.Lock()  # one delivery pass at a time: the same item is never in flight twice
        self._wake: tuple[datetime, asyncio.TimerHandle] | None = None  # the next pass's moment, and its timer
        self._passes: set[asyncio.Task[int]] = set()

    async def deliver_pending(self) -> int:
        """Deliver every pending item that is due; returns how many were delivered."""
        return await self._pass(held=False)

    async def deliver_held(self) -> int:
        """Deliver at once the items the undo window still holds (the app is quitting); returns how many."""
        return await self._pass(held=True)

    async def _pass(self, *, held: bool) -> int:
        delivered = 0
        async with self._lock:
            now = datetime.now(UTC)
            for item in await self.store.outbox(limit=1000, status="pending"):
                # held until its undo window ends, unless a delivery already started (say, when the app quit)
                holding = item.not_before if item.not_before is not None and item.not_before > now \
                    and item.started_at is None else None
                if (holding is not None) != held:
                    if holding is not None:
                        self.wake_at(holding)
                    continue
                if item.claimed_until is not None and item.claimed_until > now and item.claimed_by != self.claimer:
                    self.wake_at(item.claimed_until)  # another console delivers it; take over if it dies
                    continue
                if not await self.store.claim_delivery(item.id, self.claimer, self.lease):
                    continue  # undone since it was read, or just claimed by another console
                outcome = await self._deliver(item)
                if outcome is _Outcome.DELIVERED:
                    delivered += 1
                elif outcome is _Outcome.CHECK_AGAIN or item.attempts + 1 < self.max_attempts:
                    self.wake_at(datetime.now(UTC) + timedelta(seconds=self.retry_delay))
        return delivered

    def wake_at(self, moment: datetime) -> None:
        """Make sure a delivery pass runs at `moment` (an earlier one already planned covers it)."""
        if self._wake is not None and self._wake[0] <= moment:
            return
        if self._wake is not None:
            self._wake[1].cancel()
        delay = max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.05  # due by then, never just before
        self._wake = moment, asyncio.get_running_loop().call_later(delay, self._woken)

    def _woken(self) -> None:
        self._wake = None
        task = asyncio.get_running_loop().create_task(self.deliver_pending(), name="deliver-due")
        self._passes.add(task)
        task.add_done_callback(self._pass_done)

    def _pass_done(self, task: asyncio.Task[int]) -> None:
        self._passes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a delivery pass failed: %s", task.exception())

    async def close(self) -> None:
        """Stop waking up (what is still held is delivered by the next start); let a running pass finish."""
        if self._wake is not None:
            self._wake[1].cancel()
            self._wake = None
        while self._passes:
            await asyncio.gather(*list(self._passes), return_exceptions=True)

    async def _deliver(self, item: OutboxItem) -> _Outcome:
        try:
            progress = item.payload.get("progress", {})
            if item.kind == CRM_CASE_KIND:
                crm = self._crm_sink(item)
                receipt = await crm.find_created(item.idempotency_key, progress)
                if receipt is None:
                    receipt = await self._create_case(crm, item)
            else:
                receipt = await self.sink.find_delivered(item.idempotency_key, progress)
                if receipt is None:
                    receipt = await self._send(item)
        except CheckAgainLater as exc:
            log.info("delivery of %s not confirmed yet: %s", item.idempotency_key, exc)
            await self.store.mark_delivery_failed(item.id, f"{type(exc).__name__}: {exc}", final=False,
                                                  counted=False)
            self.events.publish(EmailsChanged((item.email_id,), "delivery_failed"))
            return _Outcome.CHECK_AGAIN
        except Exception as exc:
            final = item.attempts + 1 >= self.max_attempts
            what = ("case in " + str(item.payload.get("target", "the CRM")) if item.kind == CRM_CASE_KIND
                    else item.kind)
            log.warning("delivery of %s failed (attempt %d): %s", item.idempotency_key, item.attempts + 1, exc)
            await self.store.mark_delivery_failed(item.id, f"{type(exc).__name__}: {exc}", final=final)
            self.events.publish(EmailsChanged((item.email_id,), "delivery_failed"))
            self.events.publish(Notice("error" if final else "warning",
                                       f"Could not deliver the {what} for email {item.email_id}: {exc}"
                                       + ("" if final else " — will retry")))
            return _Outcome.FAILED
        await self.store.mark_delivered(item.id, receipt.external_id, receipt.link)
        if item.kind == CRM_CASE_KIND:
            self.events.publish(EmailsChanged((item.email_id,), "crm_case_created"))
            label = getattr(self.crm_sinks.get(str(item.payload.get("target"))), "label", item.payload.get("target"))
            self.events.publish(Notice("info", f"Created {receipt.external_id} in {label} for email {item.email_id}."))
        else:
            self.events.publish(EmailsChanged((item.email_id,), "sent" if item.kind == "reply" else "escalated"))
        return _Outcome.DELIVERED

    def _crm_sink(self, item: OutboxItem) -> CrmActionSink:
        target = str(item.payload.get("target", ""))
        sink = self.crm_sinks.get(target)
        if sink is None:
            raise LookupError(f"no CRM target {target!r} is configured")
        return sink

    async def _create_case(self, sink: CrmActionSink, item: OutboxItem) -> DeliveryReceipt:
        async def checkpoint(update: Mapping[str, Any]) -> None:
            await self.store.save_outbox_progress(item.id, update)
            progress.update(update)

        progress: dict[str, Any] = dict(item.payload.get("progress", {}))
        p = item.payload
        return await sink.create_case(CaseRequest(
            idempotency_key=item.idempotency_key, target=str(p.get("target", "")), sender=str(p.get("sender", "")),
            subject=str(p.get("subject", "")), description=str(p.get("description", "")),
            urgency=Urgency.parse(p.get("urgency", "MEDIUM")), email_id=item.email_id, progress=progress,
            checkpoint=checkpoint))

    async def _send(self, item: OutboxItem) -> DeliveryReceipt:
        detail = await self.store.detail(item.email_id)
        if detail is None:
            raise LookupError(f"email {item.email_id} is gone")
        progress = item.payload.get("progress", {})

        async def checkpoint(update: Mapping[str, Any]) -> None:
            await self.store.save_outbox_progress(item.id, update)

        if item.kind == "reply":
            return await self.sink.send_reply(OutgoingReply(item.idempotency_key, detail.email,
                                                            item.payload["body"], progress, checkpoint))
        if item.kind == "escalation":
            people = tuple(Address(p[0], p[1] if len(p) > 1 else "") for p in item.payload["people"])
            return await self.sink.escalate(OutgoingEscalation(item.idempotency_key, detail.email, people,
                                                               item.payload["topic"], item.payload["message"],
                                                               progress, checkpoint))
        raise ValueError(f"unknown outbox item kind {item.kind!r}")
