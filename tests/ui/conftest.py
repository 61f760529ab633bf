"""Fixtures for the Qt tests. The root conftest provides the offscreen platform, the qasync loop
(`aloop`) and a real console over a demo store (`console`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from emailbot_gui.ui.style import apply_style

HERE = Path(__file__).parent
# The offscreen platform says these when windows are shown, raised or popups grab keys; not the app.
OFFSCREEN_NOISE = "This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture
def styled_app(qapp: QApplication) -> QApplication:
    """The application with the console's style, so the stylesheet is exercised too."""
    apply_style(qapp)
    return qapp


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    """Window settings in a temporary file, never the operator's own."""
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def run(qtbot, aloop):
    """Run a coroutine to completion on the Qt loop, spinning Qt's events meanwhile."""

    def run(coro, timeout_ms: int = 30_000):
        task = aloop.create_task(coro)
        qtbot.waitUntil(task.done, timeout=timeout_ms)
        return task.result()

    return run


@pytest.fixture
def window(qtbot, aloop, console, ui_settings, styled_app):
    """The main window over the real demo console, shown, active, with its first queue page loaded.
    Links the operator confirms are collected in `window.opened_urls` instead of opening a browser."""
    from emailbot_gui.ui.main_window import MainWindow

    opened: list = []
    w = MainWindow(console, demo=True, settings=ui_settings, open_url=opened.append)
    w.opened_urls = opened
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    qtbot.waitUntil(lambda: w.queue_model.rowCount() > 0 and w.queue_model.row_at(0) is not None)
    yield w
    w.close()
    # Loads the window started must end before the runtime (and its store) is closed under them.
    from emailbot_gui.ui.async_call import wait_for_ui_tasks

    task = aloop.create_task(wait_for_ui_tasks())
    qtbot.waitUntil(task.done, timeout=10_000)
