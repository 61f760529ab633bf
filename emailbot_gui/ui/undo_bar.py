"""The undo strip under the queue: after the operator approves, escalates, closes, rejects or corrects an email
it says what was decided and counts down the undo window, with an Undo button (Ctrl+Z does the same).

The window is kept by the console and the store (a held reply is only delivered once it ends, and an undo
that comes too late is refused there); this only shows it, and remembers which decisions it can still offer."""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

MAX_KEPT = 20  # decisions Ctrl+Z can walk back through, newest first


@dataclass(frozen=True, slots=True)
class Decision:
    email_id: int
    text: str  # "Reply to Isla Shaw approved"
    countdown: str  # "sends in {} s": what happens when the window ends
    deadline: float  # time.monotonic()

    def remaining(self, now: float) -> int:
        return max(0, math.ceil(self.deadline - now))


class UndoBar(QFrame):
    undoRequested = Signal()
    changed = Signal()  # a decision came or went: whether Undo can be offered may have changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self._decisions: list[Decision] = []
        self.message = QLabel(self)
        self.message.setObjectName("undoMessage")
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName("undoButton")
        self.undo_button.clicked.connect(self.undoRequested)
        self.dismiss = QToolButton(self)
        self.dismiss.setText("✕")
        self.dismiss.setAutoRaise(True)
        self.dismiss.setToolTip("Hide (Ctrl+Z still undoes while the time lasts)")
        self.dismiss.clicked.connect(self.hide)
        self.setStyleSheet(
            "QFrame#undoBar { background: #24292f; border-radius: 6px; }"
            "QFrame#undoBar QLabel { color: #f6f8fa; }"
            "QPushButton#undoButton { color: #8cc4ff; background: transparent; border: 1px solid #57606a;"
            " border-radius: 4px; padding: 3px 12px; font-weight: 600; }"
            "QPushButton#undoButton:hover { background: #32383f; }"
            "QFrame#undoBar QToolButton { color: #afb8c1; border: none; padding: 2px 6px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.dismiss)
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)
        self.hide()

    def push(self, email_id: int, text: str, countdown: str, seconds: float) -> None:
        """Offer to undo this decision for `seconds`."""
        self._decisions = self._decisions[-(MAX_KEPT - 1):]  # an email's earlier decisions stay: undo walks back
        self._decisions.append(Decision(email_id, text, countdown, time.monotonic() + seconds))
        self.show()
        self._timer.start()
        self._tick()
        self.changed.emit()

    def latest(self) -> Decision | None:
        """The newest decision still within its window."""
        self._prune()
        return self._decisions[-1] if self._decisions else None

    def take(self) -> Decision | None:
        """The newest decision still within its window, no longer offered."""
        latest = self.latest()
        if latest is not None:
            self._decisions.pop()
            self._tick()
            self.changed.emit()
        return latest

    def forget(self, email_id: int) -> None:
        """Stop offering this email's decisions (its reply or escalation has gone out)."""
        before = len(self._decisions)
        self._decisions = [d for d in self._decisions if d.email_id != email_id]
        if len(self._decisions) != before:
            self._tick()
            self.changed.emit()

    def _prune(self) -> bool:
        now = time.monotonic()
        kept = [d for d in self._decisions if d.deadline > now]
        pruned = len(kept) != len(self._decisions)
        self._decisions = kept
        return pruned

    def _tick(self) -> None:
        if self._prune():
            self.changed.emit()
        latest = self._decisions[-1] if self._decisions else None
        if latest is None:
            self._timer.stop()
            self.hide()
            return
        more = len(self._decisions) - 1
        countdown = latest.countdown.format(latest.remaining(time.monotonic()))
        self.message.setText(f"<b>{html.escape(latest.text)}</b> — {html.escape(countdown)}"
                             + (f" · {more} more to undo" if more else ""))
        self.undo_button.setToolTip(f"Undo: {latest.text} (Ctrl+Z)")
