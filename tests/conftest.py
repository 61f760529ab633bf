"""Shared fixtures. Qt runs offscreen; asyncio inside Qt tests runs on a qasync loop marked as already
running, so coroutines step while qtbot.waitUntil/waitSignal spin Qt's event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import pytest

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip with the reason when this checkout has no shared/ beside it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"optional check: {path} is not present (a fresh checkout has no ../shared/)")
    return path


@pytest.fixture
def aloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    # Plain worker threads, joined after the test: qasync's default QThread executor would outlive the
    # test (these loops are never closed) and still run at interpreter exit.
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="test-worker")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    yield loop
    # qasync marked the loop as running; clear that so later plain-asyncio tests can start their own.
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
    executor.shutdown(wait=True, cancel_futures=True)


def run_in_qt(loop: asyncio.AbstractEventLoop, qtbot: Any, coro: Coroutine[Any, Any, T],
              timeout_ms: int = 30_000) -> T:
    task = loop.create_task(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


@pytest.fixture
def demo_runtime(qtbot: Any, aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Any]:
    """A real runtime on the demo mailbox in a temporary data folder, after its first poll: a dozen
    classified, enriched emails awaiting review. Its loop is not running (tests drive it)."""
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.settings import Settings
    from emailbot_gui.services.runtime import Mode, build_runtime

    paths = AppPaths.resolve(tmp_path / "data")
    runtime = run_in_qt(aloop, qtbot, build_runtime(paths, Settings(operator_name="tester"), Mode(demo=True)))
    run_in_qt(aloop, qtbot, runtime.loop.poll())
    run_in_qt(aloop, qtbot, runtime.loop.process_pending())
    yield runtime
    from emailbot_gui.ui.async_call import wait_for_ui_tasks

    run_in_qt(aloop, qtbot, wait_for_ui_tasks())  # what widgets started ends before the store closes
    run_in_qt(aloop, qtbot, runtime.close())


@pytest.fixture
def console(demo_runtime: Any) -> Any:
    return demo_runtime.console
