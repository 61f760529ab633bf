"""The gateway asks all sources at once; a slow or failing source never delays or breaks the others."""

import asyncio
import time

from emailbot_gui.core.types import Address, SourceResult
from emailbot_gui.pipeline.enrichment import EnrichmentGateway


class RecordSource:
    def __init__(self, name, delay=0.0, fail=None):
        self.name, self.delay, self.fail, self.calls = name, delay, fail, 0

    async def lookup(self, sender):
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise self.fail
        return SourceResult(self.name, SourceResult.FOUND, record={"customer": {"name": sender.address}})


async def test_sources_run_concurrently_and_faults_stay_isolated():
    fast, slow = RecordSource("fast", 0.05), RecordSource("slow", 5.0)
    broken = RecordSource("broken", 0.0, ConnectionRefusedError("connection refused"))
    gateway = EnrichmentGateway([fast, slow, broken], timeout=0.3)
    started = time.perf_counter()
    result = await gateway.enrich(Address("a@b.example"))
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0  # bounded by the timeout, not by the slow source
    assert result.by_source("fast").status == "found"
    assert result.by_source("slow").status == "error" and "0.3 s" in result.by_source("slow").error
    assert result.by_source("broken").status == "error"
    assert "connection refused" in result.by_source("broken").error


async def test_results_are_cached_per_sender_and_errors_are_not():
    clock = [0.0]
    source = RecordSource("crm")
    gateway = EnrichmentGateway([source], cache_ttl=60, clock=lambda: clock[0])
    await gateway.enrich(Address("A@b.example"))
    await gateway.enrich(Address("a@B.example".lower()))
    assert source.calls == 1
    clock[0] = 61
    await gateway.enrich(Address("a@b.example"))
    assert source.calls == 2
    failing = RecordSource("down", fail=RuntimeError("503"))
    gateway = EnrichmentGateway([failing])
    await gateway.enrich(Address("x@y.example"))
    await gateway.enrich(Address("x@y.example"))
    assert failing.calls == 2


async def test_concurrent_lookups_for_one_sender_share_one_call():
    source = RecordSource("crm", 0.05)
    gateway = EnrichmentGateway([source])
    results = await asyncio.gather(*(gateway.enrich(Address("same@x.example")) for _ in range(10)))
    assert source.calls == 1 and len({id(r) for r in results}) == 1
