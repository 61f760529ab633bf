"""What each cell of a queue row shows: the columns, the custom roles, texts, colours and tooltips.
Kept apart from the model, which is about paging and refreshing."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle

from emailbot_gui.core.categories import Category, category_label
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Urgency
from emailbot_gui.store.views import QueueRow
from emailbot_gui.ui.formatting import format_age, format_confidence, format_when
from emailbot_gui.ui.style import FLAG_COLOR, STATE_COLORS, URGENCY_ROW_TINTS


class Column(enum.IntEnum):
    SENDER = 0
    SUBJECT = 1
    CATEGORY = 2
    URGENCY = 3
    CONFIDENCE = 4
    STATE = 5
    AGE = 6

    @property
    def title(self) -> str:
        return "Conf." if self is Column.CONFIDENCE else self.name.capitalize()


_USER = int(Qt.ItemDataRole.UserRole)
EmailIdRole = _USER + 1
UrgencyRole = _USER + 2  # Urgency | None
StateRole = _USER + 3  # EmailState
FlaggedRole = _USER + 4  # bool
QueueRowRole = _USER + 5  # the whole QueueRow, or None while its page loads

SHORT_STATES = {EmailState.AWAITING_REVIEW: "To review"}  # the queue's narrowest column
HEADER_TIPS = {Column.CONFIDENCE: "How sure the classifier is of the category",
                Column.AGE: "Time since the email was received"}
DISPLAY = int(Qt.ItemDataRole.DisplayRole)


class QueueCells:
    def __init__(self, categories: tuple[Category, ...], clock: Callable[[], datetime]) -> None:
        self._categories = categories
        self._clock = clock
        self._flag_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self._bold = QFont()
        self._bold.setBold(True)

    def text(self, row: QueueRow, column: Column) -> str:
        match column:
            case Column.SENDER:
                return row.sender_name or row.sender_address
            case Column.SUBJECT:
                return row.subject or "(no subject)"
            case Column.CATEGORY:
                return category_label(row.category, self._categories) if row.category else "—"
            case Column.URGENCY:
                return row.urgency.label if row.urgency is not None else ""
            case Column.CONFIDENCE:
                return format_confidence(row.confidence)
            case Column.STATE:
                return SHORT_STATES.get(row.state, row.state.label)
            case Column.AGE:
                return format_age(row.received_at, self._clock())

    def data(self, row: QueueRow, column: Column, role: int) -> Any:
        """Everything but the display text and the custom roles: font, colours, icon, tooltip."""
        urgent = row.urgency is not None and row.urgency >= Urgency.HIGH
        if role == Qt.ItemDataRole.FontRole and urgent:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and row.urgency in URGENCY_ROW_TINTS:
            return QBrush(QColor(URGENCY_ROW_TINTS[row.urgency]))
        if role == Qt.ItemDataRole.ForegroundRole:
            if column is Column.STATE and row.state in STATE_COLORS:
                return QBrush(QColor(STATE_COLORS[row.state]))
            if column is Column.SUBJECT and row.flagged:
                return QBrush(QColor(FLAG_COLOR))
            return None
        if role == Qt.ItemDataRole.DecorationRole and column is Column.SUBJECT and row.flagged:
            return self._flag_icon
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.CONFIDENCE, Column.AGE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _tooltip(self, row: QueueRow, column: Column) -> str:
        if column is Column.SENDER:
            return f"{row.sender_name} <{row.sender_address}>" if row.sender_name else row.sender_address
        if column is Column.AGE:
            return f"Received {format_when(row.received_at)}"
        if column is Column.STATE and row.state_reason:
            return f"{row.state.label}: {row.state_reason}"
        lines = [row.subject or "(no subject)"]
        if row.flagged:
            lines.append("⚠ Flagged: possible phishing or prompt injection")
        if row.snippet:
            lines.append(row.snippet)
        return "\n".join(lines)
