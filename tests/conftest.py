"""Shared fixtures. Qt runs offscreen; asyncio inside Qt tests runs on a qasync loop marked as already
running, so coroutines step while qtbot.waitUntil/waitSignal spin Qt's event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import AsyncIterator, Coroutine, Iterator
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
def undo_seconds() -> float:
    """`demo_runtime`'s undo window: none, as most tests are about what follows a decision. A test of the
    window parametrizes this."""
    return 0.0


@pytest.fixture
def demo_runtime(qtbot: Any, aloop: asyncio.AbstractEventLoop, tmp_path: Path, undo_seconds: float) -> Iterator[Any]:
    """A real runtime on the demo mailbox in a temporary data folder, after its first poll: a dozen
    classified, enriched emails awaiting review. Its loop is not running (tests drive it)."""
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.settings import Settings
    from emailbot_gui.services.runtime import Mode, build_runtime

    paths = AppPaths.resolve(tmp_path / "data")
    settings = Settings(operator_name="tester", undo_seconds=undo_seconds)
    runtime = run_in_qt(aloop, qtbot, build_runtime(paths, settings, Mode(demo=True)))
    run_in_qt(aloop, qtbot, runtime.loop.poll())
    run_in_qt(aloop, qtbot, runtime.loop.process_pending())
    yield runtime
    from emailbot_gui.ui.async_call import wait_for_ui_tasks

    run_in_qt(aloop, qtbot, wait_for_ui_tasks())  # what widgets started ends before the store closes
    run_in_qt(aloop, qtbot, runtime.close())


@pytest.fixture
def console(demo_runtime: Any) -> Any:
    return demo_runtime.console


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real PostgreSQL server (the pgserver package's binaries), started once for the whole run."""
    pgserver = pytest.importorskip("pgserver")
    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.cleanup()
    # pgserver's own exit hook logs once more at interpreter exit, when pytest has closed the stream a test's
    # logging setup wrote to: "--- Logging error ---" after pytest's summary. Nothing is left for it to do.
    logging.getLogger("pgserver").disabled = True


@pytest.fixture
def fresh_postgres_url(postgres_server: Any, request: pytest.FixtureRequest) -> str:
    """An asyncpg URL of a new, empty database on the shared server, for this test alone."""
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    postgres_server.psql(f"DROP DATABASE IF EXISTS {name};")
    postgres_server.psql(f"CREATE DATABASE {name};")
    return str(postgres_server.get_uri(name)).replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[Any]:
    """Opens the test's store (again, after a simulated restart); every opened store is closed at the end."""
    from emailbot_gui.store.db import sqlite_url
    from emailbot_gui.store.email_store import EmailStore

    opened: list[EmailStore] = []

    async def open_store() -> EmailStore:
        store = await EmailStore.open(sqlite_url(tmp_path / "emailbot.sqlite3"))
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        await store.close()
