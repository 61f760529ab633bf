"""Integration health: a compact indicator for the status bar (the worst state, a tooltip with each
integration) and the health window (each integration's state, last error and time, the rows of its last
check with the fix in words, and "Check now"). Both follow HealthChanged events through the bridge."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.services.events import Health, IntegrationState
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.formatting import format_when
from emailbot_gui.ui.status_icons import status_icon
from emailbot_gui.ui.style import app_icon

STATE_TEXT = {IntegrationState.OK: "OK", IntegrationState.DEGRADED: "Degraded",
              IntegrationState.FAILING: "Failing", IntegrationState.DISABLED: "Off"}
_RANK = {IntegrationState.DISABLED: 0, IntegrationState.OK: 1, IntegrationState.DEGRADED: 2,
         IntegrationState.FAILING: 3}


def overall(health: Sequence[Health]) -> tuple[str, str]:
    """(worst state, a short text) for the status bar."""
    active = [h for h in health if h.state is not IntegrationState.DISABLED]
    if not active:
        return "disabled", "No integrations"
    bad = sorted((h for h in active if h.state in (IntegrationState.DEGRADED, IntegrationState.FAILING)),
                 key=lambda h: -_RANK[h.state])
    if not bad:
        return "ok", "All connected"
    worst = bad[0].state.value
    if len(bad) == 1:
        return worst, f"{bad[0].label} {STATE_TEXT[bad[0].state].lower()}"
    return worst, f"{len(bad)} integrations need attention"


class HealthIndicator(QToolButton):
    """The status bar's health: an icon with the worst state; click for the health window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthIndicator")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.state = "disabled"
        self.set_health([])

    def set_health(self, health: Sequence[Health]) -> None:
        self.state, text = overall(health)
        self.setIcon(status_icon(self.state))
        self.setText(text)
        self.setVisible(bool(health))
        lines = []
        for h in health:
            line = f"<b>{escape(h.label)}</b>: {STATE_TEXT[h.state]}"
            if h.last_error and h.state is not IntegrationState.OK:
                line += f" — {escape(h.last_error)}"
            if h.checked_at is not None:
                line += f" <span style='color:#6e7781'>({format_when(h.checked_at)})</span>"
            lines.append(line)
        self.setToolTip("<br>".join([*lines, "<i>Click for details and “Check now”.</i>"]))


class HealthWindow(QDialog):
    """Each integration's health, with the last check's rows under it. Non-modal."""

    def __init__(self, health: Sequence[Health], recheck: Callable[[], Coroutine[Any, Any, list[Health]]],
                 runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthWindow")
        self.setWindowTitle("Integration health")
        self.setWindowIcon(app_icon())
        self.resize(820, 460)
        self._recheck = recheck
        self._runner = runner
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("healthTree")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Integration", "State", "Last problem", "Checked"])
        self.tree.setRootIsDecorated(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.check_button = QPushButton("Check now", self)
        self.check_button.setObjectName("checkNow")
        self.check_button.setToolTip("Check every switched-on integration now (nothing is sent or changed)")
        self.check_button.clicked.connect(self.check_now)
        self.progress = QLabel("", self)
        self.progress.setProperty("role", "muted")
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(close)
        intro = QLabel("Each integration is checked regularly and whenever it is used. Expand one to see what "
                       "its last check found and what to do about a problem.", self)
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.health: list[Health] = []
        self.show_health(health)

    def show_health(self, health: Sequence[Health]) -> None:
        self.health = list(health)
        expanded = {item.text(0) for item in self._items() if item.isExpanded()}
        self.tree.clear()
        for h in health:
            item = QTreeWidgetItem([h.label, STATE_TEXT[h.state],
                                    h.last_error if h.state is not IntegrationState.OK else "",
                                    format_when(h.checked_at, seconds=True) if h.checked_at else "—"])
            item.setIcon(1, status_icon(h.state.value))
            item.setToolTip(2, h.last_error)
            item.setData(0, Qt.ItemDataRole.UserRole, h.name)
            for check in h.checks:
                text = check.detail + (f" — To fix: {check.fix}" if check.fix and check.status != "ok" else "")
                child = QTreeWidgetItem([check.name, check.status.capitalize(), text, ""])
                child.setIcon(1, status_icon(check.status))
                child.setToolTip(2, text)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(h.label in expanded or h.state in (IntegrationState.DEGRADED, IntegrationState.FAILING))

    def row_of(self, name: str) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if item.data(0, Qt.ItemDataRole.UserRole) == name), None)

    def _items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def check_now(self) -> None:
        self.check_button.setEnabled(False)
        self.progress.setText("Checking…")

        def done(health: list[Health]) -> None:
            self.check_button.setEnabled(True)
            self.progress.setText("")
            self.show_health(health)

        def failed(exc: BaseException) -> None:
            self.check_button.setEnabled(True)
            self.progress.setText("The check could not run.")
            self._runner.report("Checking the integrations", exc)

        self._runner.run(self._recheck(), done, failed, name="health-check", what="Checking the integrations")
