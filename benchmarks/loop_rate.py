"""The end-to-end loop rate, headless: fetch from the in-memory mailbox -> parse -> classify with the local
model -> enrich from the demo customer database -> draft the proposal -> persist, through the app's own
runtime (`TriageLoop`, `EmailStore` on a new SQLite database), until every email awaits review."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.flood import demo_runtime, flood, reviewable, warm_up


@dataclass(frozen=True, slots=True)
class LoopFigures:
    emails: int
    seconds: float
    ingest_seconds: float  # of which fetching, parsing and storing (the rest: classify, enrich, propose)
    cpu_seconds: float  # the process's CPU time over the same span (all threads)

    @property
    def rate(self) -> float:
        return self.emails / self.seconds


async def measure_loop(raws: Sequence[bytes], data_dir: Path) -> LoopFigures:
    runtime = await demo_runtime(data_dir)
    try:
        await warm_up(runtime)
        flood(runtime, raws)
        cpu, started = time.process_time(), time.perf_counter()
        report = await runtime.loop.poll()
        ingested = time.perf_counter()
        stats = await runtime.loop.process_pending()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        done = await reviewable(runtime)
        if report.fetched != len(raws) or done != len(raws) or stats.failed:
            raise RuntimeError(f"the loop lost emails: fetched {report.fetched}, {done} awaiting review, "
                               f"{stats.failed} failed, of {len(raws)}")
        return LoopFigures(len(raws), seconds, ingested - started, cpu)
    finally:
        await runtime.close()


def loop_rate(raws: Sequence[bytes], data_dir: Path) -> LoopFigures:
    return asyncio.run(measure_loop(raws, data_dir))
