"""Marks handled mail in the Microsoft 365 mailbox, so colleagues who open it in Outlook see the console's
work: once an email reaches a final state (reply sent, closed, rejected, escalated) it gets the category
`m365_processed_category` and/or is moved to `m365_processed_folder` (both empty: off).

It listens to the event hub and works in the background, in batches (emails finished within `delay`
seconds share one set of $batch calls), so the queue never waits for the mailbox. A batch also waits out the
operator's undo window: an email whose close or reject is undone meanwhile is no longer finished, and is left
alone. A failure is logged, reported to the health monitor as a problem of the mail source, and tried again
with the next batch, up to `max_attempts` times."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from emailbot_gui.config.settings import Settings
from emailbot_gui.core.lifecycle import FINISHED
from emailbot_gui.services.events import EmailsChanged, Event, EventHub
from emailbot_gui.store.email_store import EmailStore

log = logging.getLogger(__name__)

FINAL_REASONS = frozenset({"sent", "escalated", "closed", "rejected"})
HEALTH_NAME = "mail"


class MarkResult(Protocol):
    changed: int
    failed: dict[str, str]


class Mailbox(Protocol):
    async def mark_handled(self, provider_ids: Sequence[str], *, category: str = "",
                           move_to: str = "") -> MarkResult: ...


class HealthReport(Protocol):
    def report(self, name: str, error: str | None) -> None: ...


class ProcessedMarker:
    def __init__(self, store: EmailStore, mailbox: Mailbox, events: EventHub, settings: Callable[[], Settings], *,
                 source: str, health: HealthReport | None = None, delay: float = 2.0, max_attempts: int = 3) -> None:
        self.store = store
        self.mailbox = mailbox
        self.settings = settings
        self.source = source  # only this source's emails live in the mailbox
        self.health = health
        self.delay = delay
        self.max_attempts = max(1, max_attempts)
        self.marked = 0  # messages marked so far (diagnostics, tests)
        self._pending: dict[int, int] = {}  # email id -> attempts so far
        self._task: asyncio.Task[None] | None = None
        self._flushing = False
        self._unsubscribe: Callable[[], None] | None = events.subscribe(self._on_event)

    @property
    def enabled(self) -> bool:
        s = self.settings()
        return bool(s.m365_processed_category or s.m365_processed_folder)

    def _on_event(self, event: Event) -> None:
        if not isinstance(event, EmailsChanged) or event.reason not in FINAL_REASONS or not self.enabled:
            return
        for email_id in event.ids:
            self._pending.setdefault(email_id, 0)
        self._schedule()

    def _schedule(self) -> None:
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mark-processed")

    async def _run(self) -> None:
        # Let the emails finished meanwhile join this batch; and wait out the undo window, so a mail whose
        # close or reject is undone is never marked (flush marks only what is still finished then).
        await asyncio.sleep(max(self.delay, self.settings().undo_seconds + 1.0))
        self._flushing = True
        try:
            await self.flush()
        except Exception:  # marking is a courtesy to colleagues: it must never take anything down
            log.exception("marking handled mail in the mailbox failed")
        finally:
            self._flushing = False
            self._task = None
        self._schedule()  # what finished meanwhile, and what is to be tried again

    async def flush(self) -> int:
        """Mark what is pending now; returns how many messages were marked."""
        batch, self._pending = self._pending, {}
        s = self.settings()
        category, folder = s.m365_processed_category, s.m365_processed_folder
        if not batch or not (category or folder):
            return 0
        ids = {provider_id: email_id for email_id, (source, provider_id, state)
               in (await self.store.identities(list(batch))).items() if state in FINISHED and source == self.source}
        if not ids:
            return 0
        try:
            outcome = await self.mailbox.mark_handled(list(ids), category=category, move_to=folder)
            failed = dict(outcome.failed)
        except Exception as exc:
            failed = {pid: f"{type(exc).__name__}: {exc}" for pid in ids}
        done = len(ids) - len(failed)
        self.marked += done
        if failed:
            self._failed(batch, ids, failed)
        elif done:
            log.info("marked %d handled emails in the mailbox", done)
        return done

    def _failed(self, batch: dict[int, int], ids: dict[str, int], failed: dict[str, str]) -> None:
        reason = next(iter(failed.values()))
        log.warning("could not mark %d of %d handled emails in the mailbox: %s", len(failed), len(ids), reason)
        if self.health is not None:
            self.health.report(HEALTH_NAME, f"marking handled mail in the mailbox failed: {reason}")
        for pid in failed:
            email_id = ids[pid]
            attempts = batch[email_id] + 1
            if attempts < self.max_attempts:
                self._pending[email_id] = attempts
            else:
                log.error("email %d was not marked in the mailbox after %d attempts: %s", email_id, attempts,
                          failed[pid])

    async def wait_idle(self) -> None:
        """Wait until nothing is pending or being marked, retries included (tests)."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    async def close(self) -> None:
        """Stop listening; mark what is already pending once more, without the delay."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        task = self._task
        if task is not None and not task.done():
            if not self._flushing:
                task.cancel()  # only its delay: marking under way is let finish
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._task is not None and not self._task.done():  # a retry it scheduled
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pending:
            try:
                await self.flush()
            except Exception:
                log.exception("marking handled mail in the mailbox failed")
