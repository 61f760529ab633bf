"""The "Test connection" control of a setup form: runs the real check (services.integrations'
test_integration, with what is typed so far) as an asyncio task — the window stays responsive, a busy
bar runs and Cancel stops it — then lists every check with its icon, what was found and the fix in words."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.services.checks import Check
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.status_icons import status_color, status_pixmap
from emailbot_gui.ui.wizard.fields import StatusLine, WrappedLabel

Starter = Callable[[], "Coroutine[Any, Any, Sequence[Check]] | str"]


class ChecksView(QFrame):
    """One row per check: icon, name, what was found, and (when not ok) what to do about it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checksView")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 4, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self.rows: list[tuple[str, str, str, str]] = []  # what is shown: (status, name, detail, fix)

    def show_checks(self, checks: Sequence[Check]) -> None:
        self.clear()
        for check in checks:
            self._add(str(check.status), check.name, check.detail, getattr(check, "fix", "") or "")

    def clear(self) -> None:
        self.rows = []
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _add(self, status: str, name: str, detail: str, fix: str) -> None:
        row = self._grid.rowCount()
        icon = QLabel(self)
        icon.setPixmap(status_pixmap(status, 16, self.devicePixelRatioF()))
        icon.setToolTip(status)
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        text = WrappedLabel("", self)
        text.setObjectName("checkRow")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setText(_row_html(status, name, detail, fix))
        self._grid.addWidget(icon, row, 0, Qt.AlignmentFlag.AlignTop)
        self._grid.addWidget(text, row, 1)
        self.rows.append((status, name, detail, fix))


def _row_html(status: str, name: str, detail: str, fix: str) -> str:
    from html import escape

    parts = [f"<b>{escape(name)}</b>"]
    if detail:
        parts.append(f"<span style='color:#57606a'> — {escape(detail)}</span>")
    if fix and status != "ok":
        parts.append(f"<br><span style='color:{status_color(status)}'>To fix: {escape(fix)}</span>")
    return "".join(parts)


def summarize(checks: Sequence[Check]) -> tuple[str, str]:
    """(overall status, one sentence) for a list of checks."""
    failing = [c for c in checks if c.status == "failing"]
    warning = [c for c in checks if c.status == "warning"]
    if not checks:
        return "skipped", "Nothing to check."
    if failing:
        return "failing", f"{len(failing)} of {len(checks)} checks failed — see below for what to do."
    if warning:
        return "warning", f"Works, with {len(warning)} warning{'s' if len(warning) > 1 else ''} — see below."
    passed = [c for c in checks if c.status == "ok"]
    skipped = len(checks) - len(passed)
    if skipped:
        return "ok", f"All {len(passed)} needed checks passed; {skipped} optional not available (see below)."
    return "ok", f"All {len(checks)} checks passed." if len(checks) > 1 else "The check passed."


class ConnectionTest(QWidget):

    def __init__(self, runner: TaskRunner, start: Starter, *, key: str, label: str = "Test connection",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._start = start
        self._task_name = f"connection-test:{key}"
        self.checks: list[Check] = []
        self.running = False

        self.button = QPushButton(label, self)
        self.button.setObjectName(f"test_{key}")
        self.button.setToolTip("Runs the real check with what is typed above; nothing is saved or sent")
        self.button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName(f"cancel_{key}")
        self.cancel_button.clicked.connect(self.cancel)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(140)
        self.summary_line = StatusLine(self, name=f"summary_{key}")
        self.summary = self.summary_line.label
        self.view = ChecksView(self)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.button)
        top.addWidget(self.busy)
        top.addWidget(self.cancel_button)
        top.addWidget(self.summary_line, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view)
        self._set_running(False)
        self.summary_line.clear()

    def start(self) -> None:
        if self.running:
            return
        coro_or_problem = self._start()
        if isinstance(coro_or_problem, str):
            self._show_summary("failing", coro_or_problem)
            self.view.clear()
            return
        self.view.clear()
        self._show_summary("running", "Testing… the window stays usable; Cancel stops the test.")
        self._set_running(True)
        self._runner.run(coro_or_problem, self._done, self._failed, name=self._task_name)

    def cancel(self) -> None:
        if self.running:
            self._runner.cancel(self._task_name)
            self._set_running(False)
            self._show_summary("skipped", "Test cancelled.")

    def reset(self) -> None:
        """Forget a result that no longer matches the fields (they were edited)."""
        if not self.running:
            self.checks = []
            self.view.clear()
            self.summary_line.clear()

    def _done(self, checks: Sequence[Check]) -> None:
        self._set_running(False)
        self.checks = list(checks)
        self.view.show_checks(self.checks)
        self._show_summary(*summarize(self.checks))

    def _failed(self, exc: BaseException) -> None:
        self._set_running(False)
        self.checks = []
        self.view.clear()
        self._show_summary("failing", f"The test could not run: {describe_error(exc)}")

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.button.setEnabled(not running)
        self.busy.setVisible(running)
        self.cancel_button.setVisible(running)

    def _show_summary(self, status: str, text: str) -> None:
        self.summary_line.show_status(status, text)
