"""Paints the queue's visible rows in one go, from the model's look for each cell (`QueueTableModel.look`).

Why not item delegates: Qt calls a delegate (and, with the standard one, the model's `data()` for eight or so
roles) once per cell, and under PySide each such call into Python takes the GIL anew. While the triage loop's
threads parse and classify, every one of those 150 (or 1,100) acquisitions can wait a millisecond for the GIL:
a repaint that costs 5 ms took 30-50 ms, a visible stutter while mail floods in. The view's one `paintEvent`
in Python takes the GIL once."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QTableView

from emailbot_gui.core.types import Urgency
from emailbot_gui.ui.queue_cells import CellLook
from emailbot_gui.ui.queue_model import LOADING_TEXT, Column, QueueTableModel
from emailbot_gui.ui.style import URGENCY_COLORS

PADDING = 6  # pixels left and right of a cell's text
FITTED_KEPT = 8000  # elided texts remembered
_WHITE = QColor("#ffffff")
_LOADING = QColor("#8c959f")
_URGENCY = int(Column.URGENCY)
_SUBJECT = int(Column.SUBJECT)


class _Colors(NamedTuple):
    highlight: QBrush
    alternate: QBrush
    highlighted_text: QColor
    text: QColor


class QueueRowPainter:
    def __init__(self) -> None:
        self._fitted: dict[tuple[str, int, bool], tuple[str, int, int]] = {}  # (text, width, bold) -> fitted
        self._fonts: dict[tuple[str, bool], tuple[QFont, QFontMetrics]] = {}  # (base font, bold) -> font, metrics
        self._badges: dict[tuple[Urgency, int], tuple[QFont, int, int, QColor]] = {}  # per urgency, row height

    def paint(self, painter: QPainter, view: QTableView, model: QueueTableModel, region: QRect) -> None:
        """Paint the rows and columns of the view that `region` (viewport coordinates) touches."""
        count = model.rowCount()
        first = view.rowAt(region.top())
        if count == 0 or first < 0:
            return
        last = view.rowAt(region.bottom())
        last = count - 1 if last < 0 else last
        header = view.horizontalHeader()
        columns = []
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            x, width = header.sectionViewportPosition(logical), header.sectionSize(logical)
            if not header.isSectionHidden(logical) and x + width > region.left() and x <= region.right():
                columns.append((logical, x, width))
        palette = view.palette()
        group = QPalette.ColorGroup.Active if view.isActiveWindow() else QPalette.ColorGroup.Inactive
        colors = _Colors(palette.brush(group, QPalette.ColorRole.Highlight),
                         palette.brush(group, QPalette.ColorRole.AlternateBase),
                         palette.color(group, QPalette.ColorRole.HighlightedText),
                         palette.color(group, QPalette.ColorRole.Text))
        selection = view.selectionModel()
        alternate = view.alternatingRowColors()
        height = view.verticalHeader().defaultSectionSize()
        base = view.font()
        y = view.rowViewportPosition(first)
        for row in range(first, last + 1):
            selected = selection is not None and selection.isRowSelected(row, QModelIndex())
            for column, x, width in columns:
                rect = QRect(x, y, width, height)
                look = model.look(row, column)
                self._background(painter, rect, look, selected, alternate and row % 2 == 1, colors)
                if look is None:
                    if column == _SUBJECT:
                        painter.setPen(_LOADING)
                        painter.drawText(rect.adjusted(PADDING, 0, -PADDING, 0),
                                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, LOADING_TEXT)
                elif column == _URGENCY and (urgency := model.row_at(row)) is not None and urgency.urgency:
                    self._badge(painter, rect, urgency.urgency, base)
                else:
                    self._text(painter, rect, look, colors.highlighted_text if selected else (
                        look.foreground.color() if look.foreground is not None else colors.text), base)
            y += height

    @staticmethod
    def _background(painter: QPainter, rect: QRect, look: CellLook | None, selected: bool, alternate: bool,
                    colors: _Colors) -> None:
        if selected:
            painter.fillRect(rect, colors.highlight)
        elif look is not None and look.background is not None:
            painter.fillRect(rect, look.background)
        elif alternate:
            painter.fillRect(rect, colors.alternate)

    def _text(self, painter: QPainter, rect: QRect, look: CellLook, color: QColor, base: QFont) -> None:
        text_rect = rect.adjusted(PADDING, 0, -PADDING, 0)
        if look.icon is not None:
            side = min(16, rect.height() - 4)
            look.icon.paint(painter, QRect(text_rect.left(), rect.top() + (rect.height() - side) // 2, side, side))
            text_rect.setLeft(text_rect.left() + side + 4)
        font, metrics = self._font(base, look.bold)
        key = (look.text, text_rect.width(), look.bold)
        fitted = self._fitted.get(key)
        if fitted is None:
            if len(self._fitted) > FITTED_KEPT:
                self._fitted.clear()
            text = metrics.elidedText(look.text, Qt.TextElideMode.ElideRight, text_rect.width())
            fitted = self._fitted[key] = (text, metrics.horizontalAdvance(text), metrics.ascent() - metrics.descent())
        text, advance, rise = fitted
        painter.setPen(color)
        painter.setFont(font)
        # Drawing at a point skips the text layout that drawing into a rectangle with flags does.
        x = text_rect.right() + 1 - advance if look.right_aligned else text_rect.left()
        painter.drawText(QPoint(x, rect.top() + (rect.height() + rise) // 2), text)

    def _font(self, base: QFont, bold: bool) -> tuple[QFont, QFontMetrics]:
        key = (base.key(), bold)
        found = self._fonts.get(key)
        if found is None:
            font = QFont(base)
            font.setBold(bold)
            found = self._fonts[key] = (font, QFontMetrics(font))
        return found

    def _badge(self, painter: QPainter, rect: QRect, urgency: Urgency, base: QFont) -> None:
        """The urgency as a small coloured pill."""
        style = self._badges.get((urgency, rect.height()))
        if style is None:
            font = QFont(base)
            font.setBold(True)
            font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
            metrics = QFontMetrics(font)
            style = self._badges[(urgency, rect.height())] = (
                font, metrics.horizontalAdvance(urgency.label) + 14, min(rect.height() - 6, metrics.height() + 4),
                QColor(URGENCY_COLORS[urgency]))
        font, width, height, color = style
        badge = QRect(rect.left() + 4, rect.top() + (rect.height() - height) // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(badge, height / 2, height / 2)
        painter.setPen(_WHITE)
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, urgency.label)
        painter.restore()
