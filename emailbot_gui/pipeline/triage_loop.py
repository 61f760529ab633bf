"""The TriageLoop: poll the mail source, then move every email through classify -> enrich -> propose.

New emails are taken in batches ("passes"), from the store or, within a cycle, as its poll stored them (not
read back); a pass is classified off the event loop (in a flood, in the worker process), then
enriched, proposed and written back in ONE transaction, each email advancing as far as it got (a failed
lookup leaves it classified, a failed draft enriched, to be retried). The store is the only state: a restart
simply continues with whatever is new, classified or enriched. Classification of the next passes runs
while the previous one is enriched and saved, with bounded concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from emailbot_gui.classify.base import BacklogAware, Classifier
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.base import FetchBatch, MailSource, RawMessage
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Classification, Email, Enrichment
from emailbot_gui.mail.parse import parse_each
from emailbot_gui.pipeline.enrichment import EnrichmentGateway, sender_key
from emailbot_gui.pipeline.proposer import Proposer
from emailbot_gui.services.events import EmailsChanged, EventHub, LoopStatus, Notice
from emailbot_gui.store.email_store import EmailStore, Quarantined
from emailbot_gui.store.triage_batches import StageResults

log = logging.getLogger(__name__)
Parser = Callable[[RawMessage, str], Email]
PARSE_IN_THREAD_FROM = 8  # batches at least this big are parsed off the event loop
# Emails per pass when more are waiting: classifying, looking up and saving 200 at once costs a fraction of
# doing it 20 at a time (fewer calls into the classifier and its executor, fewer transactions, one lookup per
# sender of the pass), about 25% more emails a second than passes of 100.
PASS_SIZE = 200
LOAD_PART = 100  # emails read from the store at a time to make up a pass
PROPOSE_INLINE = 16  # passes up to this size are proposed on the event loop; bigger ones in the executor
FLOOD_FETCH = 200  # the most emails fetched (and stored in one transaction) at once while the source has more
# A cycle's poll hands the emails it stores straight on to be classified, up to this many at a time (the rest
# are read back from the store); while that many wait, it fetches no more: the mail stays on the server.
FRESH_KEPT = 2_000
FRESH_BYTES = 64 * 1024 * 1024  # ... and up to this many bytes of mail (their raw size: an upper bound)
FRESH_WAIT = 5.0  # seconds a poll waits for room before it fetches on (the rest then come from the store)


class ParsePool(Protocol):
    """Somewhere else to parse a big batch (a flood's worker process); None when it cannot now."""

    async def parse(self, parser: Parser, messages: Sequence[RawMessage], source: str) -> list[Email | str] | None: ...


class _Fresh:
    """The emails a cycle's poll stored and handed on, by id (in id order), until they are passed on to be
    classified: bounded in number and size."""

    def __init__(self) -> None:
        self._emails: dict[int, Email] = {}
        self._bytes = 0
        self.taken = asyncio.Event()  # set whenever some were passed on

    def __len__(self) -> int:
        return len(self._emails)

    @property
    def full(self) -> bool:
        return len(self._emails) >= FRESH_KEPT or self._bytes >= FRESH_BYTES

    def add(self, ids: Sequence[int], emails: Sequence[Email]) -> None:
        if not self.full:
            self._emails.update(zip(ids, emails, strict=True))
            self._bytes += sum(e.size for e in emails)

    def get(self, email_id: int) -> Email | None:
        return self._emails.get(email_id)

    def take_upto(self, upto: int) -> None:
        """Those up to id `upto` were passed on (or are no longer new): they go."""
        for i in list(itertools.takewhile(lambda i: i <= upto, self._emails)):
            self._bytes -= self._emails.pop(i).size
        self.taken.set()

    def clear(self) -> None:
        self._emails.clear()
        self._bytes = 0
        self.taken.set()


@dataclass
class PollReport:
    fetched: int = 0
    duplicates: int = 0
    quarantined: int = 0
    polls: int = 0


@dataclass(slots=True)
class _Pass:
    """A batch on its way through one pass: where it started, the emails and what is known about them."""

    start: EmailState
    emails: list[tuple[int, Email]]
    classifications: dict[int, Classification]
    enrichments: dict[int, Enrichment] = field(default_factory=dict)


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
                 parser: Parser, *, poll_interval: float | None = None, parse_pool: ParsePool | None = None) -> None:
        self.store = store
        self.source = source
        self.classifier = classifier
        self.gateway = gateway
        self.proposer = proposer
        self.settings = settings
        self.events = events
        self.parser = parser
        self.parse_pool = parse_pool
        self.poll_interval = poll_interval if poll_interval is not None else settings.polling_interval_minutes * 60
        self.status = LoopStatus("stopped")
        self._wake = asyncio.Event()
        self._fetched_total = 0
        self._polling = self._processing = False
        self._stored = asyncio.Event()  # set when a poll has stored new emails
        self._new_after = 0  # the new emails up to this id were passed on to be classified in this cycle
        self._fetching_more = 0  # fetched so far by a poll whose source said it has more: a flood under way
        self._cycling = False  # a cycle is running: what its poll stores is processed meanwhile
        self._fresh = _Fresh()  # stored by the cycle's poll, not yet passed on to be classified

    # ---- polling -----------------------------------------------------------------------------------

    async def poll(self) -> PollReport:
        """Fetch until the source says it has nothing more right now. While the source has more, the next
        batch is fetched and parsed while this one is stored (parsing holds the GIL, SQLite does not)."""
        report = PollReport()
        self._polling = True
        self._set_status("polling")
        limit = self.settings.batch_size
        upcoming = asyncio.ensure_future(self._fetch(await self.store.cursor(self.source.name), limit))
        try:
            while True:
                batch, emails, quarantined = await upcoming
                report.polls += 1
                last = not batch.more or (not batch.messages and not batch.unreadable)
                if not last:
                    await self._room_for_fresh()
                    limit = min(max(limit, FLOOD_FETCH), limit * 2)  # a backlog: fewer, bigger batches
                    upcoming = asyncio.ensure_future(self._fetch(batch.cursor, limit))
                quarantined += [Quarantined(provider_id=f"unreadable:{origin}", origin=origin, reason=reason)
                                for origin, reason in batch.unreadable]
                result = await self.store.ingest(self.source.name, emails, quarantined, cursor=batch.cursor,
                                                 more_waiting=not last)
                report.fetched += len(result.new_ids)
                report.duplicates += result.duplicates
                report.quarantined += len(result.quarantined_ids)
                self._fetched_total += len(result.new_ids)
                if result.new_ids or result.quarantined_ids:
                    self.events.publish(EmailsChanged(tuple(result.new_ids + result.quarantined_ids), "fetched"))
                if result.new_ids:
                    if self._cycling:
                        self._fresh.add(result.new_ids, result.new_emails)
                    self._stored.set()
                if last:
                    break
                self._fetching_more = report.fetched
        finally:
            self._fetching_more = 0
            self._polling = False
            if not upcoming.done():  # storing failed: what was fetched ahead is fetched again next time
                upcoming.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await upcoming
        self._set_status("processing" if self._processing else "idle", last_poll=datetime.now(UTC))
        return report

    async def _room_for_fresh(self) -> None:
        """While as many emails as are kept wait for the cycle's processing, and they make a full pass for it to
        take (fewer, it would wait for more while the poll lasts), wait until it takes some."""
        while self._cycling and self._fresh.full and len(self._fresh) >= self._pass_size():
            self._fresh.taken.clear()
            try:
                await asyncio.wait_for(self._fresh.taken.wait(), FRESH_WAIT)
            except TimeoutError:
                return  # processing is slow or stuck: fetch on; later emails are read back from the store

    async def _fetch(self, cursor: str | None, limit: int) -> tuple[FetchBatch, list[Email], list[Quarantined]]:
        batch = await self.source.fetch(cursor, limit)
        emails, quarantined = await self._parse(batch.messages)
        return batch, emails, quarantined

    async def _parse(self, messages: Sequence[RawMessage]) -> tuple[list[Email], list[Quarantined]]:
        """Parsed (or quarantined): by a flood's worker process when it runs, else on a thread (or right here,
        a few)."""
        if len(messages) < PARSE_IN_THREAD_FROM:
            return _sorted_out(messages, parse_each(self.parser, messages, self.source.name))
        if self.parse_pool is not None and \
                (parsed := await self.parse_pool.parse(self.parser, messages, self.source.name)) is not None:
            return _sorted_out(messages, parsed)
        return _sorted_out(messages, await asyncio.to_thread(parse_each, self.parser, messages, self.source.name))

    # ---- processing -------------------------------------------------------------------------------

    async def process_pending(self, stats: CycleStats | None = None) -> CycleStats:
        """Move everything new/classified/enriched to awaiting review (or failed); counts into `stats`."""
        self._new_after = 0
        return await self._process(stats if stats is not None else CycleStats(), leftovers=True)

    async def _process(self, stats: CycleStats, *, leftovers: bool) -> CycleStats:
        """The new emails; first, with `leftovers`, those an interrupted or failed pass left classified or
        enriched (retried once a cycle: a draft that fails again must not use up its retries in one)."""
        self._processing = True
        if not self._polling:  # while a poll runs, its status is the one shown
            self._set_status("processing")
        try:
            for state in (EmailState.ENRICHED, EmailState.CLASSIFIED) if leftovers else ():
                for ids in _batches(await self.store.ids_in_state(state, 1_000_000), self._pass_size()):
                    work = await self._resume(ids, state, stats)
                    if work.emails:
                        await self._finish(work, stats)
            await self._triage_new(stats)
        finally:
            self._processing = False
            if not self._polling:
                self._set_status("idle")
        return stats

    def _pass_size(self) -> int:
        return max(self.settings.batch_size, PASS_SIZE)

    async def _triage_new(self, stats: CycleStats) -> None:
        """Classify batches of new emails (up to `classify_concurrency` at once, off the event loop) while
        the batches already classified are enriched, proposed and saved."""
        await self._tell_backlog()
        classified: asyncio.Queue[_Pass | None] = asyncio.Queue(maxsize=2)
        producer = asyncio.ensure_future(self._classify_stage(classified, stats))
        try:
            while (work := await classified.get()) is not None:
                await self._finish(work, stats)
        except BaseException:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer
            raise
        await producer
        await self._tell_backlog()  # drained: a flood worker can go now, not after the next poll interval

    async def _tell_backlog(self) -> None:
        """The emails waiting to be classified: the new ones stored, and while a poll is still fetching a
        backlog, as many again as it has fetched so far (a source that has more after N has likely N more)."""
        if isinstance(self.classifier, BacklogAware) and self.classifier.wants_backlog:
            waiting = await self.store.count_in_states([EmailState.NEW]) + self._fetching_more
            await self.classifier.expect_backlog(waiting)

    async def _classify_stage(self, out: asyncio.Queue[_Pass | None], stats: CycleStats) -> None:
        size = self._pass_size()
        limit = asyncio.Semaphore(self.settings.classify_concurrency)
        after = self._new_after
        tasks: set[asyncio.Task[None]] = set()

        async def run(loaded: list[tuple[int, Email]]) -> None:
            async with limit:
                work = await self._classify(loaded, stats)
                if work is not None:
                    await out.put(work)

        try:
            while True:
                await limit.acquire()  # bound how far ahead batches are read
                limit.release()
                loaded: list[tuple[int, Email]] = []
                while len(loaded) < size:  # in parts: turning rows into emails is work on the event loop
                    part = await self._load_new(min(LOAD_PART, size - len(loaded)), after)
                    if not part:
                        break
                    loaded += part
                    after = part[-1][0]
                if not loaded or (self._polling and len(loaded) < size):  # a poll still storing: full passes
                    break
                self._taken_on(after)  # passed on: not read again this cycle, even if classifying fails
                task = asyncio.create_task(run(loaded))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)
        except BaseException:
            for task in list(tasks):
                task.cancel()
            while not out.empty():  # passes nobody will save now: their emails stay new, for the next cycle
                out.get_nowait()
            out.put_nowait(None)  # never wait for room here: the consumer may be gone
            raise
        await out.put(None)

    async def _load_new(self, limit: int, after: int) -> list[tuple[int, Email]]:
        """The next `limit` new emails after id `after`: those the cycle's poll handed on as they are, the
        others read from the store (an email's content never changes once stored)."""
        fresh = self._fresh
        if not fresh:
            return await self.store.load_in_state(EmailState.NEW, limit, after_id=after)
        ids = await self.store.ids_in_state(EmailState.NEW, limit, after_id=after)
        missing = [i for i in ids if fresh.get(i) is None]
        stored = dict(await self.store.load_emails(missing)) if missing else {}
        return [(i, email) for i in ids if (email := fresh.get(i) or stored.get(i)) is not None]

    def _taken_on(self, upto: int) -> None:
        """The new emails up to id `upto` were passed on: not read again this cycle; no copies kept."""
        self._new_after = upto
        self._fresh.take_upto(upto)

    async def _classify(self, loaded: list[tuple[int, Email]], stats: CycleStats) -> _Pass | None:
        try:
            results = await self.classifier.classify([e for _, e in loaded])
            if len(results) != len(loaded):
                raise ValueError(f"classifier returned {len(results)} results for {len(loaded)} emails")
        except Exception as exc:
            log.exception("classification failed for %d emails", len(loaded))
            await self._fail_all([i for i, _ in loaded], EmailState.NEW, f"classification failed: {exc}", stats)
            return None
        return _Pass(EmailState.NEW, loaded, {i: c for (i, _), c in zip(loaded, results, strict=True)})

    async def _resume(self, ids: list[int], state: EmailState, stats: CycleStats) -> _Pass:
        """A pass over emails a previous pass left classified or enriched, with what it stored for them."""
        loaded = await self.store.load_emails(ids)
        classifications = await self.store.load_classifications(ids)
        enrichments = await self.store.load_enrichments(ids) if state is EmailState.ENRICHED else {}
        missing = [i for i, _ in loaded if i not in classifications]
        if missing:
            await self._fail_all(missing, state, "its stored classification is missing", stats)
        return _Pass(state, [(i, e) for i, e in loaded if i in classifications], classifications, enrichments)

    async def _finish(self, work: _Pass, stats: CycleStats) -> None:
        """Enrich (unless the pass started enriched) and propose; save the batch in one transaction."""
        enrich_errors = await self._enrich(work) if work.start is not EmailState.ENRICHED else {}
        if len(work.emails) > PROPOSE_INLINE:  # rendering the templates of a whole pass: off the event loop
            results, propose_errors = await asyncio.get_running_loop().run_in_executor(
                None, self._propose_all, work, enrich_errors)
        else:
            results, propose_errors = self._propose_all(work, enrich_errors)
        saved = await self.store.save_stage_results(results)
        # The same events, in the same order, as when each step was saved on its own.
        steps = {reason: tuple(r.email_id for r in saved if r.start in before and r.reached not in before)
                 for reason, before in (("classified", {EmailState.NEW}),
                                        ("enriched", {EmailState.NEW, EmailState.CLASSIFIED}),
                                        ("proposed", {EmailState.NEW, EmailState.CLASSIFIED, EmailState.ENRICHED}))}
        stats.classified += len(steps["classified"])
        stats.enriched += len(steps["enriched"])
        stats.proposed += len(steps["proposed"])
        for reason, ids in steps.items():
            if ids:
                self.events.publish(EmailsChanged(ids, reason))
        for errors, state in ((enrich_errors, EmailState.CLASSIFIED), (propose_errors, EmailState.ENRICHED)):
            for i, reason in errors.items():
                await self._fail_all([i], state, reason, stats)

    def _propose_all(self, work: _Pass, enrich_errors: dict[int, str]
                     ) -> tuple[list[StageResults], dict[int, str]]:
        """Each email's results, with its proposal drafted where it could be; and the drafting errors."""
        results: list[StageResults] = []
        propose_errors: dict[int, str] = {}
        for i, email in work.emails:
            classification = work.classifications[i]
            own = classification if work.start is EmailState.NEW else None
            if i in enrich_errors:
                results.append(StageResults(i, work.start, own))
                continue
            enrichment = work.enrichments.get(i)
            try:
                proposal = self.proposer.propose(email, classification, enrichment)
            except Exception as exc:
                log.exception("proposal failed for email %d", i)
                propose_errors[i] = f"drafting the proposal failed: {exc}"
                results.append(StageResults(i, work.start, own, enrichment))
                continue
            results.append(StageResults(i, work.start, own, enrichment, proposal))
        return results, propose_errors

    async def _enrich(self, work: _Pass) -> dict[int, str]:
        """Look up every distinct sender once (at most `enrich_concurrency` at a time); fills
        `work.enrichments` and returns the emails whose lookup failed, with the reason."""
        limit = asyncio.Semaphore(self.settings.enrich_concurrency)
        senders: dict[str, Address] = {}
        for _, email in work.emails:
            senders.setdefault(sender_key(email.sender), email.sender)

        async def one(sender: Address) -> Enrichment:
            async with limit:
                return await self.gateway.enrich(sender)

        found = dict(zip(senders, await asyncio.gather(*(one(a) for a in senders.values()),
                                                        return_exceptions=True), strict=True))
        errors: dict[int, str] = {}
        for i, email in work.emails:
            result = found[sender_key(email.sender)]
            if isinstance(result, BaseException):
                errors[i] = f"enrichment failed: {result}"
            else:
                work.enrichments[i] = result
        return errors

    async def _fail_all(self, ids: list[int], state: EmailState, reason: str, stats: CycleStats) -> None:
        for i in ids:
            if await self.store.record_stage_failure(i, state, reason, self.settings.max_retries):
                stats.failed += 1
        stats.by_stage_error[state.value] += len(ids)
        self.events.publish(EmailsChanged(tuple(ids), "failed"))
        self.events.publish(Notice("warning", reason))

    # ---- running ----------------------------------------------------------------------------------

    async def cycle(self) -> tuple[PollReport, CycleStats]:
        """One poll and the processing of everything new. While the poll is still fetching a backlog, what it
        has stored so far is processed already: a flood's first emails reach review while the rest is being
        fetched, and fetching (mostly SQLite, off the GIL) overlaps classifying and proposing."""
        stats = CycleStats()
        self._new_after = 0  # each new email is read for classifying once a cycle (a failure waits for the next)
        self._cycling = True
        polling = asyncio.ensure_future(self.poll())
        leftovers = True
        try:
            while not polling.done():
                self._stored.clear()
                done_before = stats.proposed + stats.failed
                await self._process(stats, leftovers=leftovers)
                leftovers = False
                if stats.proposed + stats.failed == done_before:  # caught up: wait for the poll to store more
                    stored = asyncio.ensure_future(self._stored.wait())
                    await asyncio.wait({polling, stored}, return_when=asyncio.FIRST_COMPLETED)
                    stored.cancel()
            report = polling.result()
            await self._process(stats, leftovers=leftovers)  # what the poll stored last
        except BaseException:
            if not polling.done():
                polling.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await polling
            raise
        finally:
            self._cycling = False
            self._fresh.clear()
        return report, stats

    async def run_until_exhausted(self) -> tuple[PollReport, CycleStats]:
        """Headless `--once`: poll until the source has nothing new, process everything once, return."""
        total, stats = await self.cycle()
        fetched_more = False
        report = total
        while report.fetched or report.quarantined:
            report = await self.poll()
            total.fetched += report.fetched
            total.duplicates += report.duplicates
            total.quarantined += report.quarantined
            total.polls += report.polls
            fetched_more = fetched_more or report.fetched > 0
        if fetched_more:
            await self.process_pending(stats)
        await self.catch_up_search_index()
        self._set_status("stopped")
        return total, stats

    async def catch_up_search_index(self, stop: asyncio.Event | None = None) -> int:
        """Index what a flood left out of the search index, a transaction at a time, until it is complete, a
        poll is asked for or `stop` is set; returns how many emails were indexed."""
        total = 0
        while not self._wake.is_set() and not (stop is not None and stop.is_set()) and \
                (done := await self.store.index_pending()):
            total += done
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.cycle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop survives a dead server; the status says why
                log.exception("poll cycle failed")
                self._set_status("error", message=f"{type(exc).__name__}: {exc}")
            next_poll = datetime.now(UTC) + timedelta(seconds=self.poll_interval)
            self._set_status(self.status.state if self.status.state == "error" else "idle", next_poll=next_poll)
            self._wake.clear()
            try:
                await self.catch_up_search_index(stop)  # after a flood, now that it is triaged
            except asyncio.CancelledError:
                raise
            except Exception:  # search still finds what is not indexed yet; the next round tries again
                log.exception("catching up the search index failed")
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


def _sorted_out(messages: Sequence[RawMessage], parsed: Sequence[Email | str]
                ) -> tuple[list[Email], list[Quarantined]]:
    """The emails, and the messages that could not be parsed kept with the reason (and their bytes)."""
    emails: list[Email] = []
    quarantined: list[Quarantined] = []
    for m, result in zip(messages, parsed, strict=True):
        if isinstance(result, str):
            quarantined.append(Quarantined(m.provider_id, m.origin or m.provider_id, result, m.raw))
        else:
            emails.append(result)
    return emails, quarantined


def _batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]

