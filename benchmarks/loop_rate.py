"""The end-to-end loop rate, headless: fetch from the in-memory mailbox -> parse -> classify with the local
model -> enrich from the demo customer database -> draft the proposal -> persist, through the app's own
runtime (`TriageLoop`, `EmailStore` on a new SQLite database), until every email awaits review. Then, timed
on its own, what the app's loop does next: the search index catching up with the flood."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.flood import demo_runtime, flood, reviewable, warm_up
from emailbot_gui.services.events import EmailsChanged


@dataclass(frozen=True, slots=True)
class LoopFigures:
    emails: int
    seconds: float
    first_review_seconds: float  # until the first email awaited review (the loop works while it still fetches)
    cpu_seconds: float  # the process's CPU time over the same span (all threads)
    index_seconds: float = 0.0  # then, until the search index had caught up with the flood (see store/search_index)

    @property
    def rate(self) -> float:
        return self.emails / self.seconds


async def measure_loop(raws: Sequence[bytes], data_dir: Path) -> LoopFigures:
    runtime = await demo_runtime(data_dir)
    try:
        await warm_up(runtime)
        flood(runtime, raws)
        first_review: list[float] = []

        def note_first_review(event: object) -> None:
            if not first_review and isinstance(event, EmailsChanged) and event.reason == "proposed":
                first_review.append(time.perf_counter())

        runtime.events.subscribe(note_first_review)
        cpu, started = time.process_time(), time.perf_counter()
        report, stats = await runtime.loop.cycle()  # as the app's loop runs: fetching overlaps the rest
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        indexing = time.perf_counter()
        await runtime.loop.catch_up_search_index()  # what the app's loop does next, before its next poll
        index_seconds = time.perf_counter() - indexing
        if await runtime.store.search_index_lag():
            raise RuntimeError("the search index did not catch up with the flood")
        done = await reviewable(runtime)
        if report.fetched != len(raws) or done != len(raws) or stats.failed:
            raise RuntimeError(f"the loop lost emails: fetched {report.fetched}, {done} awaiting review, "
                               f"{stats.failed} failed, of {len(raws)}")
        return LoopFigures(len(raws), seconds, first_review[0] - started if first_review else seconds, cpu,
                           index_seconds)
    finally:
        await runtime.close()


def loop_rate(raws: Sequence[bytes], data_dir: Path) -> LoopFigures:
    return asyncio.run(measure_loop(raws, data_dir))
