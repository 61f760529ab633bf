"""What runs beside the window starts once the queue shows its first page: the triage loop's first poll (which
builds the classifier's memory of examples) must not hold up the first page of a large queue."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from PySide6.QtCore import QObject, Signal

from emailbot_gui.gui_main import run_beside


class Model(QObject):
    refreshed = Signal()


class Runtime:
    def __init__(self, started: list[str]) -> None:
        async def deliver_pending() -> int:
            started.append("outbox")
            return 0

        async def run_forever(stop: asyncio.Event) -> None:
            started.append("loop")

        self.console = SimpleNamespace(deliver_pending=deliver_pending)
        self.loop = SimpleNamespace(run_forever=run_forever)


def test_the_loop_starts_after_the_queue_shows_its_first_page(qtbot, aloop):
    started: list[str] = []
    model = Model()
    task = aloop.create_task(run_beside(SimpleNamespace(queue_model=model), Runtime(started), asyncio.Event()))
    qtbot.wait(300)
    assert started == [] and not task.done()  # the first page is still loading
    model.refreshed.emit()
    qtbot.waitUntil(task.done, timeout=2_000)
    assert started == ["outbox", "loop"]


def test_a_queue_that_never_loads_does_not_keep_the_loop_from_starting(qtbot, aloop, monkeypatch):
    import emailbot_gui.gui_main as gui_main

    real = gui_main._queue_shown
    monkeypatch.setattr(gui_main, "_queue_shown", lambda window: real(window, timeout=0.2))
    started: list[str] = []
    task = aloop.create_task(gui_main.run_beside(SimpleNamespace(queue_model=Model()), Runtime(started),
                                                 asyncio.Event()))
    qtbot.waitUntil(task.done, timeout=2_000)
    assert started == ["outbox", "loop"]
