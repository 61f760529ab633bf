"""The GUI entry: one QApplication whose event loop is also the asyncio loop (qasync). The triage loop
runs as a task on it; the window talks to the TriageConsole; quitting stops the loop cleanly."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time

_IMPORTED = time.perf_counter()
os.environ.setdefault("QT_API", "pyside6")  # qasync prefers PyQt6 when both are installed


def run_gui(args: argparse.Namespace) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from emailbot_gui import APP_NAME, __version__

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("EmailBot")
    app.setQuitOnLastWindowClosed(False)  # _main decides when to quit, after a clean shutdown
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_main(app, args))


async def _main(app: object, args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from emailbot_gui.app import start_runtime
    from emailbot_gui.config.settings import SettingsError
    from emailbot_gui.store.db import StoreError
    from emailbot_gui.store.instance_lock import AlreadyRunning

    assert isinstance(app, QApplication)
    quit_event = asyncio.Event()
    app.aboutToQuit.connect(quit_event.set)
    try:
        if not await _first_run_setup(app, args):
            return 0  # the operator cancelled the setup: nothing was saved
        gc.disable()  # start-up builds what lives as long as the app: no collection walks it (favour_the_gui_thread)
        runtime = await start_runtime(args, default_demo=True)
    except (StoreError, SettingsError, AlreadyRunning) as exc:
        QMessageBox.critical(None, "EmailBot Console cannot start", str(exc))
        return 2

    from emailbot_gui.ui.main_window import MainWindow
    from emailbot_gui.ui.style import apply_style

    apply_style(app)
    window = MainWindow(runtime.console, demo=runtime.mode.demo)
    window.show()
    if os.environ.get("EMAILBOT_REPORT_STARTUP") == "1":  # benchmarks/startup.py, the frozen smoke test
        _report_first_expose(window)
    favour_the_gui_thread()
    stop = asyncio.Event()
    loop_task = asyncio.get_running_loop().create_task(run_beside(window, runtime, stop))
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    app.lastWindowClosed.connect(quit_event.set)
    await quit_event.wait()
    stop.set()
    try:
        await asyncio.wait_for(loop_task, timeout=10)
    except TimeoutError:
        loop_task.cancel()
    from emailbot_gui.ui.async_call import wait_for_ui_tasks

    await wait_for_ui_tasks()  # a send the operator approved just before quitting, a page still loading
    await runtime.close()
    return 0


async def _first_run_setup(app: object, args: argparse.Namespace) -> bool:
    """On the first start without --demo / --mail-dir (the settings say setup is not done), run the setup
    wizard before anything else; False when the operator cancels it."""
    if args.demo or args.mail_dir:
        return True
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.secrets import open_secret_store_or_env
    from emailbot_gui.config.settings import load_settings

    paths = AppPaths.resolve(args.data_dir)
    settings = load_settings(paths.settings_file)
    if settings.setup_done:
        return True
    from emailbot_gui.ui.style import apply_style
    from emailbot_gui.ui.wizard.setup_wizard import SetupWizard

    assert isinstance(app, QApplication)
    apply_style(app)
    secrets, keyring_problem = await asyncio.to_thread(open_secret_store_or_env)  # probing the keyring blocks
    wizard = SetupWizard(settings, secrets, paths.settings_file, keyring_problem=keyring_problem)
    finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def wizard_closed(result: int) -> None:
        if not finished.done():
            finished.set_result(result)

    wizard.finished.connect(wizard_closed)
    wizard.show()
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), wizard.reject)
    accepted = await finished == QDialog.DialogCode.Accepted.value
    wizard.deleteLater()
    return accepted


def favour_the_gui_thread() -> None:
    """Once started: keep the GUI thread's wake-ups on time while the triage loop's threads parse and classify
    (benchmarks/gui_probe.py measures them). A thread waiting for the GIL gets it after 1 ms instead of 5, and
    the garbage collector (off during start-up) no longer walks everything loaded at start (the model, the
    modules, the window): a full collection of those took 50-100 ms, all of it a frozen window."""
    sys.setswitchinterval(0.001)
    gc.freeze()
    gc.enable()


def _report_first_expose(window: object) -> None:
    """Print "window shown after N ms" (N: since the process started) when the window is first on screen."""
    from PySide6.QtCore import QEvent, QObject

    def report() -> None:
        print(f"window shown after {_ms_since_process_start():.0f} ms", flush=True)

    class FirstExpose(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Expose and watched.isExposed():  # type: ignore[attr-defined]
                report()
                watched.removeEventFilter(self)
            return False

    handle = window.windowHandle()  # type: ignore[attr-defined]
    if handle.isExposed():
        report()
    else:
        handle.installEventFilter(FirstExpose(handle))


def _ms_since_process_start() -> float:
    try:  # Linux: the process's start, in clock ticks after boot (field 22 of /proc/self/stat)
        with open("/proc/self/stat", encoding="ascii") as stat:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        return (time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")) * 1000
    except (OSError, ValueError, IndexError, AttributeError):  # elsewhere: since this module was imported
        return (time.perf_counter() - _IMPORTED) * 1000


async def run_beside(window: object, runtime: object, stop: asyncio.Event) -> None:
    """The outbox and the triage loop, once the window's queue shows its first page."""
    await _queue_shown(window)
    await runtime.console.deliver_pending()  # type: ignore[attr-defined]
    await runtime.loop.run_forever(stop)  # type: ignore[attr-defined]


async def _queue_shown(window: object, timeout: float = 3.0) -> None:
    """Until the queue's first page is in and painted (at most `timeout` seconds). The loop's first poll builds
    the classifier's memory of examples: about half a second of Python that, run meanwhile, held the first page
    of a large queue back by as much."""
    model = window.queue_model  # type: ignore[attr-defined]
    loaded: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def refreshed() -> None:
        if not loaded.done():
            loaded.set_result(None)

    model.refreshed.connect(refreshed)
    try:
        await asyncio.wait_for(loaded, timeout)
    except TimeoutError:
        pass
    finally:
        model.refreshed.disconnect(refreshed)
    await asyncio.sleep(0.05)  # the rows are painted on the next turns of the event loop
