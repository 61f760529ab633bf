"""What each cell of a queue row shows: the columns, the custom roles, texts, colours and tooltips.
Kept apart from the model, which is about paging and refreshing."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon
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


_FONT = int(Qt.ItemDataRole.FontRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CellLook(NamedTuple):
    """Everything a paint of one cell needs, in one answer (see `queue_view.QueueCellDelegate`)."""

    text: str
    foreground: QBrush | None  # None: the palette's text colour
    background: QBrush | None  # None: the view's (alternating) base
    bold: bool
    icon: QIcon | None
    right_aligned: bool


class QueueCells:
    """A view asks for about ten roles of every visible cell on each paint: the brushes, font and icon are
    made once, and each answer is a dictionary lookup or two."""

    def __init__(self, categories: tuple[Category, ...], clock: Callable[[], datetime]) -> None:
        self._categories = categories
        self._clock = clock
        self._flag_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self._bold = QFont()
        self._bold.setBold(True)
        self._tints = {u: QBrush(QColor(c)) for u, c in URGENCY_ROW_TINTS.items()}
        self._state_brushes = {s: QBrush(QColor(c)) for s, c in STATE_COLORS.items()}
        self._flag_brush = QBrush(QColor(FLAG_COLOR))
        self._urgent = frozenset(u for u in Urgency if u >= Urgency.HIGH)

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

    def look(self, row: QueueRow, column: Column) -> CellLook:
        flag = row.flagged and column is Column.SUBJECT
        foreground = self._state_brushes.get(row.state) if column is Column.STATE else (
            self._flag_brush if flag else None)
        return CellLook(self.text(row, column), foreground,
                        self._tints.get(row.urgency) if row.urgency is not None else None,
                        row.urgency in self._urgent, self._flag_icon if flag else None,
                        column is Column.CONFIDENCE or column is Column.AGE)

    def data(self, row: QueueRow, column: Column, role: int) -> Any:
        """Everything but the display text and the custom roles: font, colours, icon, tooltip."""
        if role == _BACKGROUND:
            return self._tints.get(row.urgency) if row.urgency is not None else None
        if role == _FONT:
            return self._bold if row.urgency in self._urgent else None
        if role == _FOREGROUND:
            if column is Column.STATE:
                return self._state_brushes.get(row.state)
            return self._flag_brush if column is Column.SUBJECT and row.flagged else None
        if role == _DECORATION:
            return self._flag_icon if column is Column.SUBJECT and row.flagged else None
        if role == _ALIGNMENT:
            return _RIGHT if column is Column.CONFIDENCE or column is Column.AGE else None
        if role == _TOOLTIP:
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
