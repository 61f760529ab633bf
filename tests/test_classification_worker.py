"""The flood worker process (classify/worker.py): it gives the same flagged classifications as the
thread, receives a retrained model, stops when the backlog is gone, and a worker that dies costs
nothing but speed (the thread takes over, no email is lost)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emailbot_gui.classify.injection import PROMPT_INJECTION, FlaggingClassifier, InjectionDetector
from emailbot_gui.classify.learning import LearningClassifier
from emailbot_gui.classify.local import LocalClassifier, TrainingExample
from emailbot_gui.classify.worker import FloodWorker
from emailbot_gui.connectors.base import RawMessage
from emailbot_gui.core.types import Address, Email
from emailbot_gui.demo.corpus import generate_corpus
from emailbot_gui.mail.parse import parse_each, parse_message
from emailbot_gui.services.runtime import shipped_model_path

sys.path.insert(0, str(Path(__file__).parent / "data"))
from injection_corpus import ATTACKS

Flood = tuple[LearningClassifier, FloodWorker, FlaggingClassifier]
START_TIMEOUT = 60  # a spawned interpreter importing numpy on a busy CI machine


@pytest.fixture(scope="module")
def model() -> LocalClassifier:
    return LocalClassifier.load(shipped_model_path())


def emails() -> list[Email]:
    demo = [parse_message(RawMessage(provider_id=d.filename, raw=d.raw, origin=d.filename), "demo")
            for d in generate_corpus(count=60)]
    attacks = [Email(source="test", provider_id=f"attack-{i}", message_id=f"<a{i}@example.test>", subject=subject,
                     sender=Address("someone@example.test"), received_at=datetime(2026, 1, 1, tzinfo=UTC),
                     body_text=text, body_html=html) for i, (_, subject, text, html, _) in enumerate(ATTACKS[:8])]
    return demo + attacks


@pytest.fixture
async def flood(model: LocalClassifier) -> AsyncIterator[Flood]:
    """A learning classifier whose worker starts for a flood of 50, and the checks that use it."""
    learner = LearningClassifier(model)
    learner.worker = worker = FloodWorker(lambda: learner.model, min_batch=8, flood_backlog=50)
    try:
        yield learner, worker, FlaggingClassifier(learner, worker=worker)
    finally:
        await learner.close()


async def until_ready(worker: FloodWorker, batch: list[Email], checks: FlaggingClassifier) -> list:
    """The worker's results, once it has started and holds the current model."""
    for _ in range(START_TIMEOUT * 10):
        done = await worker.classify(batch, checks.detector)
        if done is not None:
            return done
        await asyncio.sleep(0.1)
    raise AssertionError("the worker did not start")


async def test_the_worker_classifies_and_flags_exactly_as_the_thread_does(flood: Flood) -> None:
    learner, worker, checks = flood
    batch = emails()
    await checks.expect_backlog(49)
    assert not worker.running  # below the flood threshold: no process
    await checks.expect_backlog(500)
    assert worker.running
    worker.ready_wait = 0.0
    assert await worker.classify(batch, checks.detector) is None  # starting, no time to wait: a thread does it
    worker.ready_wait = START_TIMEOUT
    in_worker = await worker.classify(batch, checks.detector)  # a big batch waits for the starting worker
    assert in_worker is not None and worker.classified == len(batch)
    on_thread = await FlaggingClassifier(learner).classify(batch)
    assert in_worker == on_thread
    assert sum(PROMPT_INJECTION in c.flags for c in in_worker) >= 5
    assert await worker.classify(batch[:7], checks.detector) is None  # too small to be worth the trip
    assert await checks.classify(batch) == on_thread  # the decorator takes the worker's answer
    await checks.expect_backlog(10)  # the flood is over: the process goes
    assert not worker.running


async def test_the_worker_parses_as_the_loop_would_and_keeps_why_a_mail_could_not_be(flood: Flood) -> None:
    _, worker, checks = flood
    messages = [RawMessage(provider_id=d.filename, raw=d.raw, origin=d.filename) for d in generate_corpus(count=40)]
    messages += [RawMessage(provider_id="empty", raw=b"", origin="empty.eml"),
                 RawMessage(provider_id="text", raw=b"just some words\r\n", origin="text.eml")]
    assert await worker.parse(parse_message, messages, "demo") is None  # no flood, no process: parsed here
    await checks.expect_backlog(500)
    await until_ready(worker, emails()[:20], checks)
    parsed = await worker.parse(parse_message, messages, "demo")
    assert parsed == parse_each(parse_message, messages, "demo")
    assert all(isinstance(p, Email) for p in parsed[:40]) and parsed[40:] == ["empty file", parsed[41]]
    assert isinstance(parsed[41], str) and parsed[41].startswith("not an email") and worker.parsed == 42
    assert await worker.parse(parse_message, messages[:7], "demo") is None  # too small to be worth the trip


async def test_a_retrained_model_goes_to_the_worker(flood: Flood) -> None:
    learner, worker, checks = flood
    batch = emails()[:20]
    await checks.expect_backlog(500)
    before = await until_ready(worker, batch, checks)
    assert all("corrections" not in c.model for c in before)
    learner.learn(TrainingExample(subject=batch[0].subject, body=batch[0].body_text, category="billing",
                                  urgency=before[0].urgency))
    await asyncio.wait_for(learner.retrained.wait(), 120)
    after = await until_ready(worker, batch, checks)
    assert all("+ 1 corrections" in c.model for c in after)
    assert after == await FlaggingClassifier(learner).classify(batch)


async def test_a_dead_worker_hands_the_work_back_to_the_thread(flood: Flood,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    _, worker, checks = flood
    batch = emails()[:20]
    await checks.expect_backlog(500)
    await until_ready(worker, batch, checks)
    pool = worker._pool
    assert pool is not None
    for pid in list(pool._processes):  # the only way to reach the process: kill it as the OS would
        os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.5)
    assert await worker.classify(batch, checks.detector) is None
    assert not worker.running and "flood worker failed" in caplog.text
    results = await checks.classify(batch)
    assert len(results) == len(batch) and all(c.category for c in results)


def test_the_triage_loop_starts_the_worker_for_a_flood_and_stops_it_after(tmp_path: Path) -> None:
    from benchmarks.flood import demo_runtime, flood
    from emailbot_gui.core.lifecycle import EmailState

    async def run() -> None:
        runtime = await demo_runtime(tmp_path / "data")
        try:
            worker = runtime.console.learner.worker
            worker.flood_backlog, worker.min_batch = 100, 32
            told: list[tuple[int, bool]] = []
            real = worker.expect_backlog

            async def spy(waiting: int, detector: InjectionDetector) -> None:
                await real(waiting, detector)
                told.append((waiting, worker.running))

            worker.expect_backlog = spy  # type: ignore[method-assign]
            flood(runtime, [d.raw for d in generate_corpus()])
            assert (await runtime.loop.poll()).fetched == 320
            checks = runtime.loop.classifier
            await checks.expect_backlog(320)  # as the loop will: started early, so the test need not race it
            await until_ready(worker, emails()[:40], checks)
            stats = await runtime.loop.process_pending()
            assert told[1] == (320, True) and told[-1] == (0, False)  # the loop's calls: start, then stop
            assert worker.classified >= 40 + 200 and not stats.failed
            assert await runtime.store.count_in_states([EmailState.NEW]) == 0
            assert await runtime.store.count_in_states([EmailState.AWAITING_REVIEW]) == stats.proposed > 250
        finally:
            await runtime.close()

    asyncio.run(run())


async def test_closing_the_worker_hands_its_queued_batches_back(flood: Flood) -> None:
    _, worker, checks = flood
    batch = emails()
    await checks.expect_backlog(500)
    await until_ready(worker, batch, checks)
    calls = [asyncio.ensure_future(worker.classify(batch, checks.detector)) for _ in range(6)]
    await asyncio.sleep(0)  # every call has handed its batch to the pool
    await worker.close()
    results = await asyncio.gather(*calls)  # a batch the closing cancelled comes back as None, never as an error
    assert any(r is None for r in results) and all(r is None or len(r) == len(batch) for r in results)


class ModelThatCannotBeSent:
    """A model the worker cannot receive: sending it fails (after a moment) as a worker's failed start does."""

    def __reduce__(self) -> tuple[object, ...]:
        import time

        time.sleep(0.3)
        raise TypeError("cannot send this model")


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4, 5])
async def test_a_failed_start_leaves_no_unseen_error_even_when_a_waiting_batch_is_cancelled(
        turns: int, caplog: pytest.LogCaptureFixture) -> None:
    import gc

    worker = FloodWorker(lambda: ModelThatCannotBeSent(), min_batch=1, flood_backlog=1)  # type: ignore[arg-type,return-value]
    detector = InjectionDetector()
    batch = emails()[:4]
    try:
        await worker.expect_backlog(10, detector)
        waiting = asyncio.create_task(worker.classify(batch, detector))
        other = asyncio.create_task(worker.classify(batch, detector))
        ready = worker._ready
        assert ready is not None
        while not ready.done():
            await asyncio.sleep(0.01)
        for _ in range(turns):  # the error on its way to the batches that wait for the start
            await asyncio.sleep(0)
        waiting.cancel()  # the loop gave up on that batch just as the start failed
        assert await other is None  # the other batch is classified on a thread instead
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert "flood worker failed" in caplog.text and "cannot send this model" in caplog.text
    finally:
        await worker.close()
    del waiting, other, ready
    gc.collect()
    await asyncio.sleep(0)
    assert "never retrieved" not in caplog.text


@pytest.mark.skipif(not hasattr(os, "nice"), reason="the OS has no nice")
async def test_the_worker_runs_behind_the_window(flood: Flood) -> None:
    from emailbot_gui.classify.worker import WORKER_NICENESS

    _, worker, checks = flood
    await checks.expect_backlog(500)
    await until_ready(worker, emails()[:10], checks)
    assert worker._pool is not None
    niceness = await asyncio.wrap_future(worker._pool.submit(os.nice, 0))
    assert niceness >= min(19, os.nice(0) + WORKER_NICENESS)  # the GUI thread gets a core first
