"""A second process for floods: the local model and the injection checks are CPU work that holds Python's
GIL, so on threads they compete with the store and the window for one core however many the machine has.
While a backlog is large the triage loop's classifier sends big batches to one spawned worker process,
which holds a copy of the current local model; the loop has it parse the batches it fetches, too (once it
is ready: parsing never waits for it). Storing, enriching and drafting stay in the app's process.

The worker starts in the background (a second or so: an interpreter, numpy, the model, its neighbour
memory). A big batch waits for it to be ready (a model on its way over, too), up to READY_WAIT: in a flood
the app's process has fetching, parsing and storing to do meanwhile, and classifying on a thread of its own
would take the one core that work has (a second of it for the first 1,200 emails of a flood). A worker
that is not ready by then, or that crashed, and small batches: the caller classifies on a thread as before,
so nothing is lost. Results are the same either way: the worker runs the same code on the same model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from emailbot_gui.classify.injection import InjectionDetector, flag_all
from emailbot_gui.classify.local import LocalClassifier
from emailbot_gui.connectors.base import RawMessage
from emailbot_gui.core.types import Classification, Email
from emailbot_gui.mail.parse import parse_each

log = logging.getLogger(__name__)

FLOOD_BACKLOG = 1_000  # new emails waiting: from here on a worker process pays for its start
MIN_BATCH = 64  # smaller batches are cheaper on a thread than pickled to the worker and back
READY_WAIT = 5.0  # seconds a batch waits for a starting worker before it is classified on a thread


class FloodWorker:
    """The parent's side of the flood worker process, which classifies and parses: `current_model` returns
    the model to classify with (it changes when the local model is retrained; the worker then receives the
    new one)."""

    def __init__(self, current_model: Callable[[], LocalClassifier], *, min_batch: int = MIN_BATCH,
                 flood_backlog: int = FLOOD_BACKLOG, ready_wait: float = READY_WAIT) -> None:
        self._current_model = current_model
        self.min_batch = min_batch
        self.flood_backlog = flood_backlog
        self.ready_wait = ready_wait
        self._pool: ProcessPoolExecutor | None = None
        self._installed: LocalClassifier | None = None  # the model the worker has, or is receiving
        self._ready: Future[None] | None = None
        self._ready_waiter: asyncio.Future[None] | None = None  # `_ready` on the event loop, for batches to wait on
        self.classified = 0  # emails the worker process has classified (a figure for logs and tests)
        self.parsed = 0  # and parsed

    @property
    def running(self) -> bool:
        return self._pool is not None

    async def expect_backlog(self, waiting: int, detector: InjectionDetector) -> None:
        """Start the worker for a flood; stop it once the backlog is gone (it holds a copy of the model)."""
        if waiting >= self.flood_backlog and self._pool is None:
            log.info("a flood (about %d emails to classify): classifying them in a worker process", waiting)
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_behind_the_window)
            self._send_model(detector)
        elif waiting < self.flood_backlog and self._pool is not None:
            await self.close()

    async def classify(self, emails: Sequence[Email], detector: InjectionDetector) -> list[Classification] | None:
        """The flagged classifications, or None when the worker cannot take this batch now (the caller
        then classifies it itself)."""
        if self._pool is None or len(emails) < self.min_batch:
            return None
        if self._current_model() is not self._installed:
            self._send_model(detector)
        ready, pool, waiter = self._ready, self._pool, self._ready_waiter
        if ready is None or waiter is None or ready.cancelled():
            return None
        if not ready.done():
            # asyncio.wait neither cancels the waiter nor raises its error (a failed start is handled in _run,
            # where ready.result() raises the worker's error); wait_for(shield(...)) left that error unretrieved
            # when this task was cancelled just as the start failed.
            done, _ = await asyncio.wait({waiter}, timeout=self.ready_wait)
            if not done:
                return None
            if self._pool is not pool or self._ready is not ready:  # closed, or a newer model sent meanwhile
                return None
        results: list[Classification] | None = await self._run(ready, pool, _classify, tuple(emails))
        if results is not None:
            self.classified += len(results)
        return results

    async def parse(self, parser: Callable[[RawMessage, str], Email], messages: Sequence[RawMessage],
                    source: str) -> list[Email | str] | None:
        """Each message parsed by `parser` (a module-level function: it goes to the worker by name), or the
        reason it could not be; None when no worker is ready (the caller then parses them itself). While a
        flood lasts this takes parsing off the app's process too, which then has the store to itself."""
        ready, pool = self._ready, self._pool
        if pool is None or ready is None or not ready.done() or ready.cancelled() or len(messages) < self.min_batch:
            return None
        results: list[Email | str] | None = await self._run(ready, pool, parse_each, parser, tuple(messages), source)
        if results is not None:
            self.parsed += len(results)
        return results

    async def _run(self, ready: Future[None], pool: ProcessPoolExecutor, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in the worker; None when it closed with the call still queued or failed (then the
        thread does the work from now on)."""
        submitted = None
        try:
            ready.result()
            submitted = pool.submit(fn, *args)
            return await asyncio.shield(asyncio.wrap_future(submitted))
        except asyncio.CancelledError:
            if submitted is None or not submitted.cancelled():  # the caller was cancelled, not the submission
                raise
            return None  # the worker closed with this call still queued: the caller does the work
        except Exception as exc:  # a worker that died or failed: the thread does the work from now on
            log.warning("the flood worker failed (%s: %s); working on a thread instead", type(exc).__name__, exc)
            await self.close()
            return None

    def _send_model(self, detector: InjectionDetector) -> None:
        assert self._pool is not None
        self._installed = self._current_model()
        self._ready = self._pool.submit(_install, self._installed, detector.known_domains)
        self._ready_waiter = asyncio.wrap_future(self._ready)
        self._ready_waiter.add_done_callback(_retrieved)

    async def close(self) -> None:
        pool, self._pool, self._installed, self._ready, self._ready_waiter = self._pool, None, None, None, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
            log.info("worker process stopped; it classified %d emails and parsed %d", self.classified, self.parsed)


def _retrieved(future: asyncio.Future[None]) -> None:
    """Marks a failed start's error as seen: it is reported where a batch next asks the worker (see _run)."""
    if not future.cancelled():
        future.exception()


# -- the worker process's side ------------------------------------------------------------------------

_model: LocalClassifier | None = None
_detector: InjectionDetector | None = None
WORKER_NICENESS = 5  # below the app's process: when both want the CPU, the window's thread goes first


def _behind_the_window() -> None:
    """The worker yields the CPU to the app's process, whose GUI thread must wake on time: on a machine with
    few cores a flood otherwise keeps it waiting for a core (where the OS has no nice, nothing changes)."""
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)


def _install(model: LocalClassifier, known_domains: Sequence[str]) -> None:
    global _model, _detector
    model.memory  # noqa: B018  (built now, not in the first batch)
    _model, _detector = model, InjectionDetector(known_domains)


def _classify(emails: tuple[Email, ...]) -> list[Classification]:
    assert _model is not None and _detector is not None, "the model is installed first"
    return flag_all(_detector, emails, _model.classify_now(emails))
