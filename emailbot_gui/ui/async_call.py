"""Start the console's coroutines from Qt slots without blocking the GUI thread.

Under qasync the asyncio loop is Qt's loop, so a slot only has to create a task; `TaskRunner` does that,
routes the result to a success callback and every failure to an error callback or, by default, to its
`failed` signal, which the main window shows to the operator. Nothing is swallowed.

Named tasks are *preemptive* (as in FeelUOwn): starting a task under a name cancels the previous task of
that name, and a late result of a superseded task is dropped even if it finished before the cancel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from emailbot_gui.services.console import OperationError

log = logging.getLogger(__name__)

T = TypeVar("T")


def describe_error(exc: BaseException) -> str:
    """An operator-facing sentence for an exception: an OperationError already speaks in words."""
    if isinstance(exc, OperationError):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# Every task a runner started that has not finished yet: the app (and the tests) let them end before the store
# behind them is closed, so no query is cut off holding a database connection.
_IN_FLIGHT: set[asyncio.Task[Any]] = set()


async def wait_for_ui_tasks(timeout: float = 5.0) -> None:
    pending = [task for task in _IN_FLIGHT if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


class TaskRunner(QObject):
    """Creates asyncio tasks on the running loop and reports their outcome back on the GUI thread."""

    failed = Signal(str, str)  # what was being done, why it failed (operator-facing)
    busyChanged = Signal(bool)  # True while at least one operation (operation=True) is running

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._named: dict[str, asyncio.Task[Any]] = {}
        self._operations: set[asyncio.Task[Any]] = set()

    def run(
        self,
        coro: Coroutine[Any, Any, T],
        on_success: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        name: str | None = None,
        what: str = "",
        operation: bool = False,
    ) -> asyncio.Task[T]:
        """Schedule `coro`; call `on_success(result)` or `on_error(exc)` (default: emit `failed`).
        `operation` marks a change the operator asked for (shown as "Working…"), not a load."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        _IN_FLIGHT.add(task)
        task.add_done_callback(_IN_FLIGHT.discard)
        if name is not None:
            previous = self._named.get(name)
            if previous is not None and not previous.done():
                previous.cancel()
            self._named[name] = task
        if operation:
            if not self._operations:
                self.busyChanged.emit(True)
            self._operations.add(task)
        task.add_done_callback(lambda t: self._finished(t, on_success, on_error, name, what))
        return task

    def cancel(self, name: str) -> None:
        task = self._named.pop(name, None)
        if task is not None:
            task.cancel()

    def cancel_reads(self) -> None:
        """Cancel the named (preemptive) tasks: loads whose results nobody will look at any more."""
        for name in list(self._named):
            self.cancel(name)

    def report(self, what: str, exc: BaseException) -> None:
        if isinstance(exc, OperationError):
            log.warning("%s refused: %s", what or "operation", exc)
        else:
            log.error("%s failed", what or "background task", exc_info=(type(exc), exc, exc.__traceback__))
        self.failed.emit(what, describe_error(exc))

    def _finished(
        self,
        task: asyncio.Task[Any],
        on_success: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        name: str | None,
        what: str,
    ) -> None:
        if task in self._operations:
            self._operations.discard(task)
            if not self._operations:
                self.busyChanged.emit(False)
        if name is not None:
            if self._named.get(name) is not task:
                return  # superseded: its result belongs to a selection the operator has left
            del self._named[name]
        if task.cancelled():
            return
        exc = task.exception()
        try:
            if exc is None:
                if on_success is not None:
                    on_success(task.result())
            elif on_error is not None:
                on_error(exc)
            else:
                self.report(what, exc)
        except Exception as callback_exc:  # a failing callback is a bug the operator must still see
            self.report(what or "updating the window", callback_exc)
