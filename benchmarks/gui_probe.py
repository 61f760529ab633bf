"""The GUI measurements, each in a process of its own (started by `benchmarks.gui_figures` with
QT_QPA_PLATFORM=offscreen), so that resident memory and launch time are those of the app alone.

    python -m benchmarks.gui_probe stall  --data-dir DIR --emails N [--seed S]
    python -m benchmarks.gui_probe stored --data-dir DIR

Both build the window as `gui_main` does (its style, `favour_the_gui_thread` after showing it).

`stall`: the app's window on a new demo profile ingests N emails arriving at once through its own triage
loop (`run_forever`, as `emailbot --demo` runs it), while a 5 ms precise timer records how late every
wake-up of the GUI thread is, until the queue shows all N awaiting review.

`stored`: the app launched on a profile that already holds many emails, exactly as `emailbot --demo
--data-dir DIR` starts (its triage loop polls the demo mailbox meanwhile). Prints `QUEUE_SHOWN` when the
window is exposed and the queue's first page is painted (the parent times the process from spawn to that
line); then re-sorts, filters by category and searches through the window's own widgets, each timed from
the operator's action to the queue's refresh painted, and reads the resident memory.

Both end with one line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_API", "pyside6")
TICK_MS = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gui_probe")
    parser.add_argument("what", choices=("stall", "stored"))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--emails", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    probe = _stall if args.what == "stall" else _stored
    with loop:
        result = loop.run_until_complete(probe(args))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# -- shared -------------------------------------------------------------------------------------------

PAINTED: list[tuple[float, float]] = []  # (start, end) of each paint of the queue's rows (perf_counter)


def _clock_queue_paints() -> None:
    """Record the end of every paint of the queue view (the benchmark's process only): an operation is
    timed to the first paint after its result arrived, whoever caused that paint."""
    from emailbot_gui.ui.queue_view import QueueView

    original = QueueView.paintEvent

    def paint_event(view: Any, event: Any) -> None:
        started = time.perf_counter()
        original(view, event)
        PAINTED.append((started, time.perf_counter()))

    QueueView.paintEvent = paint_event  # type: ignore[method-assign]


async def _painted_after(moment: float, timeout: float = 60.0) -> float:
    """When the first paint that started at or after `moment` ended."""
    await _until(lambda: bool(PAINTED) and PAINTED[-1][0] >= moment, timeout, "the queue to be painted")
    return next(end for start, end in PAINTED if start >= moment)


async def _window(runtime: Any, data_dir: Path) -> Any:
    """The main window as the app shows it, with its window state kept in the profile, not the user's."""
    from PySide6.QtCore import QSettings

    from emailbot_gui.gui_main import favour_the_gui_thread
    from emailbot_gui.ui.main_window import MainWindow
    from emailbot_gui.ui.style import apply_style

    _clock_queue_paints()

    apply_style(_app())
    settings = QSettings(str(data_dir / "window-state.ini"), QSettings.Format.IniFormat)
    window = MainWindow(runtime.console, demo=True, settings=settings)
    window.show()
    favour_the_gui_thread()  # what gui_main does right after showing its window
    return window


def _app() -> Any:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        await asyncio.sleep(0.002)


async def _refreshed(model: Any, action: Callable[[], None], view: Any, timeout: float = 60.0) -> float:
    """Milliseconds from `action` (the operator's click) to the end of the first paint of the queue after
    the model took the result (its reset)."""
    done = asyncio.Event()
    arrived: list[float] = []

    def on_reset() -> None:
        arrived.append(time.perf_counter())
        done.set()

    model.modelReset.connect(on_reset)  # a new query resets the model: from here on it shows the result
    try:
        started = time.perf_counter()
        action()
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        model.modelReset.disconnect(on_reset)
    return (await _painted_after(arrived[0], timeout) - started) * 1000


# -- stall --------------------------------------------------------------------------------------------

class LateWakeups:
    """A precise 5 ms timer on the GUI thread; each wake-up's lateness is the gap since the previous one
    minus 5 ms (a repeating QTimer schedules the next shot from the late one, so lateness never adds up)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.late_ms: list[float] = []
        self._last = 0.0
        self._timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._sched = _schedstat()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        before, after = self._sched, _schedstat()
        # How long the GUI thread was runnable but not running (other processes had the CPU): a stall
        # the app cannot cause or cure. Linux only; zero elsewhere.
        self.cpu_s, self.runqueue_wait_s = after[0] - before[0], after[1] - before[1]

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now


async def _stall(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.corpus import synthetic_corpus
    from benchmarks.flood import demo_runtime, flood, warm_up

    raws = synthetic_corpus(args.emails, args.seed)
    gc.disable()  # as gui_main does before starting the runtime, until favour_the_gui_thread()
    runtime = await demo_runtime(args.data_dir)
    stop = asyncio.Event()
    try:
        await warm_up(runtime)
        window = await _window(runtime, args.data_dir)
        model = window.queue_model
        loaded = asyncio.Event()
        model.refreshed.connect(loaded.set)
        await _until(lambda: window.windowHandle().isExposed() and loaded.is_set(), 30, "the window")
        flood(runtime, raws)
        wakeups = LateWakeups()
        wakeups.start()
        started = time.perf_counter()
        task = asyncio.get_running_loop().create_task(runtime.loop.run_forever(stop))
        await _until(lambda: model.rowCount() >= args.emails or task.done(), 3600, "the queue to fill")
        seconds = time.perf_counter() - started
        ingest_ticks = len(wakeups.late_ms)
        while not task.done() and await runtime.store.search_index_lag():  # the stalls of indexing count too
            await asyncio.sleep(0.05)
        indexing_seconds = time.perf_counter() - started - seconds
        wakeups.stop()
        stop.set()
        await task
        window.close()
    finally:
        stop.set()
        await runtime.close()
    late = sorted(wakeups.late_ms)
    while_indexing = wakeups.late_ms[ingest_ticks:] or [0.0]
    return {"emails": args.emails, "seconds": seconds, "ticks": len(late), "stall_max_ms": late[-1],
            "indexing_seconds": indexing_seconds, "stall_max_ms_while_indexing": max(while_indexing),
            "stall_p99_ms": _percentile(late, 0.99), "stall_p50_ms": _percentile(late, 0.5),
            "gui_loop_rate": args.emails / seconds, "gui_thread_cpu_s": wakeups.cpu_s,
            "gui_thread_runqueue_wait_s": wakeups.runqueue_wait_s}


def _schedstat() -> tuple[float, float]:
    """(seconds on the CPU, seconds waiting for a CPU) of the calling thread, from Linux's schedstat."""
    try:
        on_cpu, waiting, _ = Path("/proc/thread-self/schedstat").read_text().split()
        return int(on_cpu) / 1e9, int(waiting) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0


def _percentile(ordered: list[float], q: float) -> float:
    if len(ordered) < 2:
        return ordered[0] if ordered else 0.0
    return statistics.quantiles(ordered, n=1000, method="inclusive")[round(q * 1000) - 1]


# -- stored -------------------------------------------------------------------------------------------

SEARCHES = ("password", "northwind", "VPN dropping", "invoice 2026", "zzzq")  # common, sender, phrase, rare, none


async def _stored(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.flood import demo_runtime
    from emailbot_gui.gui_main import run_beside

    gc.disable()  # as gui_main does before starting the runtime, until favour_the_gui_thread()
    runtime = await demo_runtime(args.data_dir)
    stop = asyncio.Event()
    loop_task: asyncio.Task[None] | None = None
    try:
        window = await _window(runtime, args.data_dir)
        loop_task = asyncio.get_running_loop().create_task(run_beside(window, runtime, stop))  # as gui_main does
        model, view = window.queue_model, window.queue_view
        rows_at: list[float] = []  # when the queue first had rows to show
        model.modelReset.connect(lambda: rows_at.append(time.perf_counter()) if model.rowCount() else None)
        await _until(lambda: window.windowHandle().isExposed() and bool(rows_at), 120, "the queue's rows")
        await _painted_after(rows_at[0])
        print(f"QUEUE_SHOWN {_ms_since_process_start():.0f}", flush=True)
        shown_rows = model.rowCount()
        await _until(lambda: runtime.loop.status.state in ("idle", "error"), 120, "the demo's first poll")

        scroll_ms = await _scrolled(model, view)
        result: dict[str, Any] = {"queue_rows": shown_rows, "scroll_ms": scroll_ms}
        result.update(await _operations(window))
        rss, peak = _memory_mb()
        result.update(rss_mb=rss, rss_peak_mb=peak)
        window.close()
    finally:
        stop.set()
        try:
            if loop_task is not None:
                await asyncio.wait_for(loop_task, 30)
        finally:
            await runtime.close()
    return result


async def _scrolled(model: Any, view: Any) -> float:
    """Milliseconds to jump to the end of the queue and have its last rows painted."""
    started = time.perf_counter()
    view.scrollToBottom()
    await _until(lambda: model.row_at(model.rowCount() - 1) is not None, 60, "the last page")
    ms = (await _painted_after(time.perf_counter()) - started) * 1000
    view.scrollToTop()
    return ms


async def _operations(window: Any) -> dict[str, Any]:
    from PySide6.QtCore import Qt

    from emailbot_gui.ui.queue_model import Column

    model, view, bar = window.queue_model, window.queue_view, window.filter_bar
    sorts: dict[str, float] = {}
    for column, order in ((Column.SUBJECT, Qt.SortOrder.AscendingOrder), (Column.SENDER, Qt.SortOrder.AscendingOrder),
                          (Column.URGENCY, Qt.SortOrder.DescendingOrder),
                          (Column.CONFIDENCE, Qt.SortOrder.AscendingOrder),
                          (Column.CATEGORY, Qt.SortOrder.AscendingOrder), (Column.AGE, Qt.SortOrder.AscendingOrder)):
        sorts[column.name.lower()] = await _refreshed(model, lambda c=column, o=order: view.sortByColumn(c, o), view)
    filters: dict[str, float] = {}
    for category in ("password_reset", "network_vpn", "billing_licence"):
        filters[category] = await _refreshed(
            model, lambda c=category: bar.categories.set_selected(frozenset({c})), view)
    await _refreshed(model, lambda: bar.categories.set_selected(frozenset()), view)
    searches: dict[str, float] = {}
    hits: dict[str, int] = {}
    for text in SEARCHES:
        def search(t: str = text) -> None:
            bar.search.setText(t)
            bar.flush()  # the typing debounce is a deliberate pause, not the search's cost

        searches[text] = await _refreshed(model, search, view)
        hits[text] = model.rowCount()
    await _refreshed(model, lambda: (bar.search.clear(), bar.flush()), view)
    return {"sort_ms": max(sorts.values()), "filter_ms": max(filters.values()), "search_ms": max(searches.values()),
            "sort_each_ms": sorts, "filter_each_ms": filters, "search_each_ms": searches, "search_hits": hits}


def _memory_mb() -> tuple[float, float]:
    """(resident now, peak resident) in MB."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):  # not Linux: the peak is what the standard library tells
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)
        return peak, peak


def _ms_since_process_start() -> float:
    from emailbot_gui.gui_main import _ms_since_process_start as since_start

    return since_start()


if __name__ == "__main__":
    raise SystemExit(main())
