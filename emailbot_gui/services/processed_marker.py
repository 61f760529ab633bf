"""Marks handled mail in the shared mailbox, so colleagues who open it in Outlook, Thunderbird or Gmail see the
console's work: once an email reaches a final state (reply sent, closed, rejected, escalated) it gets a tag
and/or is moved, as that source's settings say (`MarkSettings`; both empty: off):

- Microsoft 365: the Outlook category `m365_processed_category`, the folder `m365_processed_folder`;
- IMAP: the flag or keyword `imap_processed_keyword`, the folder `imap_processed_folder`;
- Gmail: the label `gmail_processed_label`, and `gmail_archive_handled` takes it out of the inbox.

It listens to the event hub and works in the background, in batches (emails finished within `delay`
seconds share one round of calls to the mailbox), so the queue never waits for the mailbox. A batch also waits out the
operator's undo window: an email whose close or reject is undone meanwhile is no longer finished, and is left
alone. A failure is logged, reported to the health monitor as a problem of the mail source, and tried again
with the next batch, up to `max_attempts` times. A message the mailbox no longer has (a colleague moved or
deleted it) is nothing to retry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.base import ARCHIVE, HandledMailbox, HandledMessage
from emailbot_gui.core.lifecycle import FINISHED
from emailbot_gui.services.events import EmailsChanged, Event, EventHub
from emailbot_gui.store.email_store import EmailStore

log = logging.getLogger(__name__)

FINAL_REASONS = frozenset({"sent", "escalated", "closed", "rejected"})
HEALTH_NAME = "mail"


@dataclass(frozen=True, slots=True)
class MarkSettings:
    """What one source's settings ask for handled mail: a tag (category, flag or label) and where it goes."""

    tag: str = ""
    move_to: str = ""

    def __bool__(self) -> bool:
        return bool(self.tag or self.move_to)


MarkSettingsOf = Callable[[Settings], MarkSettings]


def m365_marking(s: Settings) -> MarkSettings:
    return MarkSettings(s.m365_processed_category, s.m365_processed_folder)


def imap_marking(s: Settings) -> MarkSettings:
    return MarkSettings(s.imap_processed_keyword, s.imap_processed_folder)


def gmail_marking(s: Settings) -> MarkSettings:
    return MarkSettings(s.gmail_processed_label, ARCHIVE if s.gmail_archive_handled else "")


class HealthReport(Protocol):
    def report(self, name: str, error: str | None, *, clears: str | None = None) -> None: ...


class ProcessedMarker:
    def __init__(self, store: EmailStore, mailbox: HandledMailbox, events: EventHub, settings: Callable[[], Settings],
                 *, source: str, marking: MarkSettingsOf = m365_marking, health: HealthReport | None = None,
                 delay: float = 2.0, max_attempts: int = 3) -> None:
        self.store = store
        self.mailbox = mailbox
        self.settings = settings
        self.marking = marking  # which of the settings are this source's
        self.source = source  # only this source's emails live in the mailbox
        self.health = health
        self.delay = delay
        self.max_attempts = max(1, max_attempts)
        self.marked = 0  # messages marked so far (diagnostics, tests)
        self._pending: dict[int, int] = {}  # email id -> attempts so far
        self._task: asyncio.Task[None] | None = None
        self._flushing = False
        self._reported: str | None = None  # the failure this marker last showed in Health, until marking works
        self._unsubscribe: Callable[[], None] | None = events.subscribe(self._on_event)

    @property
    def enabled(self) -> bool:
        return bool(self.marking(self.settings()))

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
        wanted = self.marking(self.settings())
        if not batch or not wanted:
            return 0
        ids: dict[str, int] = {}
        messages: list[HandledMessage] = []
        for email_id, who in (await self.store.identities(list(batch))).items():
            if who.state in FINISHED and who.source == self.source and who.provider_id not in ids:
                ids[who.provider_id] = email_id
                messages.append(HandledMessage(who.provider_id, who.message_id))
        if not ids:
            return 0
        try:
            outcome = await self.mailbox.mark_handled(messages, tag=wanted.tag, move_to=wanted.move_to)
            failed, gone = dict(outcome.failed), [pid for pid in outcome.gone if pid not in outcome.failed]
        except Exception as exc:
            failed, gone = {pid: f"{type(exc).__name__}: {exc}" for pid in ids}, []
        if gone:
            log.info("%d handled emails are no longer in the mailbox (moved or deleted there): not marked",
                     len(gone))
        done = len(ids) - len(failed) - len(gone)
        self.marked += done
        if failed:
            self._failed(batch, ids, failed)
            return done
        if done:
            log.info("marked %d handled emails in the mailbox", done)
        if self._reported is not None and self.health is not None:  # it works again: Health shows it now
            self.health.report(HEALTH_NAME, None, clears=self._reported)
            self._reported = None
        return done

    def _failed(self, batch: dict[int, int], ids: dict[str, int], failed: dict[str, str]) -> None:
        reason = next(iter(failed.values()))
        log.warning("could not mark %d of %d handled emails in the mailbox: %s", len(failed), len(ids), reason)
        if self.health is not None:
            self._reported = f"marking handled mail in the mailbox failed: {reason}"
            self.health.report(HEALTH_NAME, self._reported)
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
