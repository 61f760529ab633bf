"""The TriageLoop: poll the mail source, then move every email through classify -> enrich -> propose.

Each stage reads its input state from the store and writes its output in one transaction per batch, so
the store is the only state: a restart simply continues with whatever is new, classified or enriched.
Stages run concurrently, connected by small queues of id batches; each has bounded concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from emailbot_gui.classify.base import Classifier
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.base import MailSource, RawMessage
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Email, Enrichment
from emailbot_gui.pipeline.enrichment import EnrichmentGateway
from emailbot_gui.pipeline.proposer import Proposer
from emailbot_gui.services.events import EmailsChanged, EventHub, LoopStatus, Notice
from emailbot_gui.store.email_store import EmailStore, Quarantined

log = logging.getLogger(__name__)
Parser = Callable[[RawMessage, str], Email]
PARSE_IN_THREAD_FROM = 8  # batches at least this big are parsed off the event loop


@dataclass
class PollReport:
    fetched: int = 0
    duplicates: int = 0
    quarantined: int = 0
    polls: int = 0


@dataclass
class CycleStats:
    classified: int = 0
    enriched: int = 0
    proposed: int = 0
    failed: int = 0
    by_stage_error: Counter[str] = field(default_factory=Counter)


class TriageLoop:
    def __init__(self, store: EmailStore, source: MailSource, classifier: Classifier,
                 gateway: EnrichmentGateway, proposer: Proposer, settings: Settings, events: EventHub,
                 parser: Parser, *, poll_interval: float | None = None) -> None:
        self.store = store
        self.source = source
        self.classifier = classifier
        self.gateway = gateway
        self.proposer = proposer
        self.settings = settings
        self.events = events
        self.parser = parser
        self.poll_interval = poll_interval if poll_interval is not None else settings.polling_interval_minutes * 60
        self.status = LoopStatus("stopped")
        self._wake = asyncio.Event()
        self._fetched_total = 0

    # ---- polling -----------------------------------------------------------------------------------

    async def poll(self) -> PollReport:
        """Fetch until the source says it has nothing more right now."""
        report = PollReport()
        self._set_status("polling")
        cursor = await self.store.cursor(self.source.name)
        while True:
            batch = await self.source.fetch(cursor, self.settings.batch_size)
            report.polls += 1
            emails, quarantined = await self._parse(batch.messages)
            quarantined += [Quarantined(provider_id=f"unreadable:{origin}", origin=origin, reason=reason)
                            for origin, reason in batch.unreadable]
            result = await self.store.ingest(self.source.name, emails, quarantined, cursor=batch.cursor)
            cursor = batch.cursor
            report.fetched += len(result.new_ids)
            report.duplicates += result.duplicates
            report.quarantined += len(result.quarantined_ids)
            self._fetched_total += len(result.new_ids)
            if result.new_ids or result.quarantined_ids:
                self.events.publish(EmailsChanged(tuple(result.new_ids + result.quarantined_ids), "fetched"))
            if not batch.more or (not batch.messages and not batch.unreadable):
                break
        now = datetime.now(UTC)
        self._set_status("idle", last_poll=now)
        return report

    async def _parse(self, messages: Sequence[RawMessage]) -> tuple[list[Email], list[Quarantined]]:
        if len(messages) >= PARSE_IN_THREAD_FROM:
            return await asyncio.to_thread(self._parse_all, messages)
        return self._parse_all(messages)

    def _parse_all(self, messages: Sequence[RawMessage]) -> tuple[list[Email], list[Quarantined]]:
        emails: list[Email] = []
        quarantined: list[Quarantined] = []
        for m in messages:
            try:
                emails.append(self.parser(m, self.source.name))
            except Exception as exc:  # MalformedEmail, or a parser bug: either way the mail is kept
                reason = str(exc) or type(exc).__name__
                quarantined.append(Quarantined(m.provider_id, m.origin or m.provider_id, reason, m.raw))
        return emails, quarantined

    # ---- processing -------------------------------------------------------------------------------

    async def process_pending(self) -> CycleStats:
        """Move everything new/classified/enriched to awaiting review (or failed)."""
        stats = CycleStats()
        self._set_status("processing")
        to_enrich: asyncio.Queue[list[int] | None] = asyncio.Queue(maxsize=4)
        to_propose: asyncio.Queue[list[int] | None] = asyncio.Queue(maxsize=4)
        leftover_enrich = await self.store.ids_in_state(EmailState.CLASSIFIED, 1_000_000)
        leftover_propose = await self.store.ids_in_state(EmailState.ENRICHED, 1_000_000)
        size = self.settings.batch_size
        try:
            await asyncio.gather(
                self._classify_stage(to_enrich, stats),
                self._enrich_stage(to_enrich, to_propose, stats, _batches(leftover_enrich, size)),
                self._propose_stage(to_propose, stats, _batches(leftover_propose, size)))
        finally:
            self._set_status("idle")
        return stats

    async def _classify_stage(self, out: asyncio.Queue[list[int] | None], stats: CycleStats) -> None:
        size = self.settings.batch_size
        limit = asyncio.Semaphore(self.settings.classify_concurrency)
        after = 0
        tasks: set[asyncio.Task[None]] = set()

        async def run(ids: list[int]) -> None:
            async with limit:
                done = await self._classify(ids, stats)
                if done:
                    await out.put(done)

        try:
            while True:
                ids = await self.store.ids_in_state(EmailState.NEW, size, after_id=after)
                if not ids:
                    break
                after = ids[-1]
                await limit.acquire()  # bound how far ahead batches are read
                limit.release()
                task = asyncio.create_task(run(ids))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            await out.put(None)

    async def _classify(self, ids: list[int], stats: CycleStats) -> list[int]:
        loaded = await self.store.load_emails(ids)
        try:
            results = await self.classifier.classify([e for _, e in loaded])
            if len(results) != len(loaded):
                raise ValueError(f"classifier returned {len(results)} results for {len(loaded)} emails")
        except Exception as exc:
            log.exception("classification failed for %d emails", len(loaded))
            await self._fail_all([i for i, _ in loaded], EmailState.NEW, f"classification failed: {exc}", stats)
            return []
        items = [(i, c) for (i, _), c in zip(loaded, results, strict=True)]
        await self.store.save_classifications(items)
        stats.classified += len(items)
        self.events.publish(EmailsChanged(tuple(ids), "classified"))
        return [i for i, _ in items]

    async def _enrich_stage(self, inbox: asyncio.Queue[list[int] | None], out: asyncio.Queue[list[int] | None],
                            stats: CycleStats, leftovers: list[list[int]]) -> None:
        limit = asyncio.Semaphore(self.settings.enrich_concurrency)

        async def one(email: Email) -> Enrichment:
            async with limit:
                return await self.gateway.enrich(email.sender)

        try:
            for ids in leftovers:
                await self._enrich(ids, one, out, stats)
            while (ids_or_none := await inbox.get()) is not None:
                await self._enrich(ids_or_none, one, out, stats)
        finally:
            await out.put(None)

    async def _enrich(self, ids: list[int], one: Callable[[Email], Awaitable[Enrichment]],
                      out: asyncio.Queue[list[int] | None],
                      stats: CycleStats) -> None:
        loaded = await self.store.load_emails(ids)
        results = await asyncio.gather(*(one(e) for _, e in loaded), return_exceptions=True)
        items: list[tuple[int, Enrichment]] = []
        for (i, _), r in zip(loaded, results, strict=True):
            if isinstance(r, BaseException):
                await self._fail_all([i], EmailState.CLASSIFIED, f"enrichment failed: {r}", stats)
            else:
                items.append((i, r))
        await self.store.save_enrichments(items)
        stats.enriched += len(items)
        if items:
            self.events.publish(EmailsChanged(tuple(i for i, _ in items), "enriched"))
            await out.put([i for i, _ in items])

    async def _propose_stage(self, inbox: asyncio.Queue[list[int] | None], stats: CycleStats,
                             leftovers: list[list[int]]) -> None:
        for ids in leftovers:
            await self._propose(ids, stats)
        while (ids_or_none := await inbox.get()) is not None:
            await self._propose(ids_or_none, stats)

    async def _propose(self, ids: list[int], stats: CycleStats) -> None:
        loaded = await self.store.load_emails(ids)
        classifications = await self.store.load_classifications(ids)
        enrichments = await self.store.load_enrichments(ids)
        items = []
        for i, email in loaded:
            try:
                items.append((i, self.proposer.propose(email, classifications[i], enrichments.get(i))))
            except Exception as exc:
                log.exception("proposal failed for email %d", i)
                await self._fail_all([i], EmailState.ENRICHED, f"drafting the proposal failed: {exc}", stats)
        await self.store.save_proposals(items)
        stats.proposed += len(items)
        if items:
            self.events.publish(EmailsChanged(tuple(i for i, _ in items), "proposed"))

    async def _fail_all(self, ids: list[int], state: EmailState, reason: str, stats: CycleStats) -> None:
        for i in ids:
            if await self.store.record_stage_failure(i, state, reason, self.settings.max_retries):
                stats.failed += 1
        stats.by_stage_error[state.value] += len(ids)
        self.events.publish(EmailsChanged(tuple(ids), "failed"))
        self.events.publish(Notice("warning", reason))

    # ---- running ----------------------------------------------------------------------------------

    async def run_until_exhausted(self) -> tuple[PollReport, CycleStats]:
        """Headless `--once`: poll until the source has nothing new, process everything, return."""
        total = PollReport()
        while True:
            report = await self.poll()
            total.fetched += report.fetched
            total.duplicates += report.duplicates
            total.quarantined += report.quarantined
            total.polls += report.polls
            if report.fetched == 0 and report.quarantined == 0:
                break
        stats = await self.process_pending()
        self._set_status("stopped")
        return total, stats

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll()
                await self.process_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop survives a dead server; the status says why
                log.exception("poll cycle failed")
                self._set_status("error", message=f"{type(exc).__name__}: {exc}")
            next_poll = datetime.now(UTC) + timedelta(seconds=self.poll_interval)
            self._set_status(self.status.state if self.status.state == "error" else "idle", next_poll=next_poll)
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await w
        self._set_status("stopped")

    def poll_now(self) -> None:
        self._wake.set()

    def _set_status(self, state: str, *, last_poll: datetime | None = None, next_poll: datetime | None = None,
                    message: str = "") -> None:
        self.status = LoopStatus(state=state, last_poll=last_poll or self.status.last_poll,
                                 next_poll=next_poll if state == "idle" or next_poll else None,
                                 message=message or (self.status.message if state == "error" else ""),
                                 fetched_total=self._fetched_total)
        self.events.publish(self.status)


def _batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]

