"""The status bar: what the triage loop is doing, when it last polled, the queue's counts (each one a
shortcut to that filter), a "Working…" hint while operations run, today's AI usage (while OpenAI is on),
the integrations' health, and the DEMO badge."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from emailbot_gui.core.lifecycle import REVIEWABLE, EmailState
from emailbot_gui.services.events import LoopStatus
from emailbot_gui.ui.formatting import format_time, format_when
from emailbot_gui.ui.health_view import HealthIndicator
from emailbot_gui.ui.style import set_badge
from emailbot_gui.ui.usage_view import UsageIndicator

_LOOP_LOOK = {
    "idle": ("#2e7d4f", "Idle"),
    "polling": ("#1e88e5", "Polling…"),
    "processing": ("#1e88e5", "Processing…"),
    "stopped": ("#8c959f", "Stopped"),
    "error": ("#b42318", "Error"),
}

COUNT_GROUPS: tuple[tuple[str, frozenset[EmailState]], ...] = (
    ("Awaiting review", frozenset(REVIEWABLE)),
    ("Sent", frozenset({EmailState.SENT})),
    ("Failed", frozenset({EmailState.FAILED})),
    ("Quarantined", frozenset({EmailState.QUARANTINED})),
)


class ConsoleStatusBar(QStatusBar):
    countClicked = Signal(object)  # frozenset[EmailState] to filter the queue by

    def __init__(self, *, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.busy = QLabel("Working…", self)
        self.busy.setProperty("role", "muted")
        self.busy.hide()
        self.loop_state = QLabel(self)
        self.loop_state.setObjectName("loopState")
        self.last_poll = QLabel(self)
        self.last_poll.setProperty("role", "muted")
        self.count_buttons: dict[str, QToolButton] = {}
        self.usage = UsageIndicator(self)
        self.health = HealthIndicator(self)
        self.addPermanentWidget(self.busy)
        self.addPermanentWidget(self.usage)
        self.addPermanentWidget(self.health)
        self.addPermanentWidget(self.loop_state)
        self.addPermanentWidget(self.last_poll)
        for title, states in COUNT_GROUPS:
            button = QToolButton(self)
            button.setAutoRaise(True)
            button.setToolTip(f"Show only: {title.lower()}")
            button.clicked.connect(lambda _=False, s=states: self.countClicked.emit(s))
            self.count_buttons[title] = button
            self.addPermanentWidget(button)
        self.set_counts({})
        self.demo_badge = QLabel("DEMO", self)
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setToolTip("Demo mode: mail comes from the demo mailbox and replies go to the demo "
                                   "outbox; nobody is contacted.")
        set_badge(self.demo_badge, "demo")
        self.demo_badge.setVisible(demo)
        if demo:
            self.addPermanentWidget(self.demo_badge)

    def set_loop_status(self, status: LoopStatus) -> None:
        color, text = _LOOP_LOOK.get(status.state, ("#8c959f", status.state.capitalize()))
        if status.message and status.state == "error":
            text = f"{text}: {status.message}"
        self.loop_state.setText(f'<span style="color:{color}">●</span> {html.escape(text)}')
        self.loop_state.setToolTip(status.message or text)
        if status.last_poll is not None:
            self.last_poll.setText(f"Last poll {format_time(status.last_poll)}")
            self.last_poll.setToolTip(f"Last poll {format_when(status.last_poll, seconds=True)}"
                                      + (f"\nNext poll {format_when(status.next_poll, seconds=True)}"
                                         if status.next_poll else "")
                                      + f"\nFetched since start: {status.fetched_total}")
        else:
            self.last_poll.setText("Not polled yet")

    def set_counts(self, counts: dict[EmailState, int]) -> None:
        for title, states in COUNT_GROUPS:
            self.count_buttons[title].setText(f"{title}: {sum(counts.get(s, 0) for s in states)}")

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def show_error(self, text: str) -> None:
        self.setStyleSheet("QStatusBar { color: #b42318; }")
        self.showMessage(text, 15_000)

    def show_info(self, text: str, timeout_ms: int = 5_000) -> None:
        self.setStyleSheet("")
        self.showMessage(text, timeout_ms)

