"""The EnrichmentGateway asks every enabled context source about a sender at once, each with its own
timeout, so one slow or failing source never delays or breaks the others. Results are cached per sender
for a short time (a thread of ten mails costs one lookup).

When a source fails but an older answer with a record exists (from an earlier lookup in this run, or —
through `history` — one stored with an earlier email from the same sender), the result is "stale": the
old record, its old `fetched_at`, and the new error. A stale answer is never cached, so the next lookup
asks the source again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

from emailbot_gui.connectors.base import ContextSource
from emailbot_gui.core.types import Address, Enrichment, SourceResult

log = logging.getLogger(__name__)

STALE = "stale"  # a SourceResult status: the source failed now; the record is an older answer
History = Callable[[Address], Awaitable[Enrichment | None]]
LAST_GOOD_LIMIT = 10_000  # senders whose last good answers are remembered in memory


def sender_key(sender: Address) -> str:
    """The key a sender's lookups are cached and shared under."""
    return sender.address.strip().lower()


class EnrichmentGateway:
    def __init__(self, sources: Sequence[ContextSource], *, timeout: float = 5.0, cache_ttl: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, timeouts: Mapping[str, float] | None = None,
                 history: History | None = None) -> None:
        """`timeouts` overrides `timeout` per source name; `history(sender)` returns the enrichment
        stored with an earlier email from the sender (e.g. `EmailStore.latest_enrichment_for_sender`)."""
        self.sources = list(sources)
        self.timeout = timeout
        self.timeouts = dict(timeouts or {})
        self.cache_ttl = cache_ttl
        self._clock = clock
        self._history = history
        self._cache: dict[str, tuple[float, Enrichment]] = {}
        self._inflight: dict[str, asyncio.Future[Enrichment]] = {}
        self._last_good: OrderedDict[str, dict[str, SourceResult]] = OrderedDict()

    async def enrich(self, sender: Address) -> Enrichment:
        key = sender_key(sender)
        cached = self._cache.get(key)
        if cached is not None and self._clock() - cached[0] < self.cache_ttl:
            return cached[1]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Enrichment] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            results = await asyncio.gather(*(self._ask(source, sender) for source in self.sources))
            results = await self._with_stale(key, sender, list(results))
            enrichment = Enrichment(tuple(results))
            if all(r.status not in (SourceResult.ERROR, STALE) for r in results):
                self._cache[key] = (self._clock(), enrichment)
            future.set_result(enrichment)
            return enrichment
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]

    def set_sources(self, sources: Sequence[ContextSource]) -> None:
        """Use these sources from now on (settings changed); cached answers came from the old ones."""
        self.sources = list(sources)
        self._cache.clear()

    def timeout_for(self, source: ContextSource) -> float:
        return self.timeouts.get(source.name, self.timeout)

    async def _ask(self, source: ContextSource, sender: Address) -> SourceResult:
        started = time.perf_counter()
        timeout = self.timeout_for(source)
        try:
            return await asyncio.wait_for(source.lookup(sender), timeout)
        except TimeoutError:
            error = f"no answer within {timeout:g} s"
        except Exception as exc:  # any fault of one source stays with that source
            log.warning("context source %s failed: %s", source.name, exc)
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return SourceResult(source.name, SourceResult.ERROR, error=error, fetched_at=datetime.now(UTC),
                            elapsed_ms=(time.perf_counter() - started) * 1000)

    async def _with_stale(self, key: str, sender: Address, results: list[SourceResult]) -> list[SourceResult]:
        """Remember good answers; turn errors into stale answers where an older record exists."""
        remembered = self._last_good.setdefault(key, {})
        self._last_good.move_to_end(key)
        for r in results:
            if r.status == SourceResult.FOUND:
                remembered[r.source] = r
            elif r.status == SourceResult.NOT_FOUND:
                remembered.pop(r.source, None)
        while len(self._last_good) > LAST_GOOD_LIMIT:
            self._last_good.popitem(last=False)
        if all(r.status != SourceResult.ERROR for r in results):
            return results
        stored = await self._stored(sender) if any(
            r.status == SourceResult.ERROR and r.source not in remembered for r in results) else None
        out = []
        for r in results:
            old = remembered.get(r.source) or (stored.by_source(r.source) if stored is not None else None)
            if r.status == SourceResult.ERROR and old is not None and old.record and old.status in (
                    SourceResult.FOUND, STALE):
                r = SourceResult(r.source, STALE, record=old.record, error=r.error, fetched_at=old.fetched_at,
                                 elapsed_ms=r.elapsed_ms)
            out.append(r)
        return out

    async def _stored(self, sender: Address) -> Enrichment | None:
        if self._history is None:
            return None
        try:
            return await self._history(sender)
        except Exception as exc:  # the history is a fallback: its failure only means "nothing older"
            log.warning("reading stored customer context failed: %s", exc)
            return None
