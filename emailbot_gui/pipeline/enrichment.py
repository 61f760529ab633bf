"""The EnrichmentGateway asks every enabled context source about a sender at once, each with its own
timeout, so one slow or failing source never delays or breaks the others. Results are cached per sender
for a short time (a thread of ten mails costs one lookup)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from emailbot_gui.connectors.base import ContextSource
from emailbot_gui.core.types import Address, Enrichment, SourceResult

log = logging.getLogger(__name__)


class EnrichmentGateway:
    def __init__(self, sources: Sequence[ContextSource], *, timeout: float = 5.0, cache_ttl: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sources = list(sources)
        self.timeout = timeout
        self.cache_ttl = cache_ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, Enrichment]] = {}
        self._inflight: dict[str, asyncio.Future[Enrichment]] = {}

    async def enrich(self, sender: Address) -> Enrichment:
        key = sender.address.strip().lower()
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
            enrichment = Enrichment(tuple(results))
            if all(r.status != SourceResult.ERROR for r in results):
                self._cache[key] = (self._clock(), enrichment)
            future.set_result(enrichment)
            return enrichment
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]

    async def _ask(self, source: ContextSource, sender: Address) -> SourceResult:
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(source.lookup(sender), self.timeout)
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
        except Exception as exc:  # any fault of one source stays with that source
            log.warning("context source %s failed: %s", source.name, exc)
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return SourceResult(source.name, SourceResult.ERROR, error=error, fetched_at=datetime.now(UTC),
                            elapsed_ms=(time.perf_counter() - started) * 1000)
