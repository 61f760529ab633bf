"""The queue table: fixed row heights (so 100,000 rows cost nothing to lay out), one selected row at a
time, server-side sorting from the header, and urgency drawn as a coloured badge."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from emailbot_gui.ui.queue_model import Column, QueueTableModel, UrgencyRole
from emailbot_gui.ui.style import URGENCY_COLORS

_WIDTHS = {Column.SENDER: 108, Column.CATEGORY: 96, Column.URGENCY: 68, Column.CONFIDENCE: 48,
           Column.STATE: 86, Column.AGE: 52}
# Hidden until the operator asks for them (header context menu): the sidebar shows the confidence.
HIDDEN_BY_DEFAULT = frozenset({Column.CONFIDENCE})


class UrgencyBadgeDelegate(QStyledItemDelegate):
    """Paints the urgency as a small coloured pill instead of plain text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        urgency = index.data(UrgencyRole)
        if urgency is None:
            super().paint(painter, option, index)
            return
        # Draw the row's own background and selection first, without the text.
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        widget = option.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)

        text = urgency.label
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        metrics = QFontMetrics(font)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        width = metrics.horizontalAdvance(text) + 14
        height = min(rect.height() - 6, metrics.height() + 4)
        badge = QRect(rect.left() + 4, rect.top() + (rect.height() - height) // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(URGENCY_COLORS[urgency]))
        painter.drawRoundedRect(badge, height / 2, height / 2)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class QueueView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueView")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setTabKeyNavigation(False)
        self.setItemDelegateForColumn(Column.URGENCY, UrgencyBadgeDelegate(self))

        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(QFontMetrics(self.font()).height() + 12)

        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)

    def setModel(self, model: QueueTableModel) -> None:  # type: ignore[override]
        super().setModel(model)
        header = self.horizontalHeader()
        for column, width in _WIDTHS.items():
            self.setColumnWidth(column, width)
        header.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        for column in HIDDEN_BY_DEFAULT:
            self.setColumnHidden(column, True)
        column, order = model.sort_column()
        header.setSortIndicator(column, order)
        # Enabling sorting sorts by the indicator: set to the model's own order, that is a no-op.
        self.setSortingEnabled(True)

    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addSection("Columns")
        for column in Column:
            if column is Column.SUBJECT:
                continue
            action = menu.addAction(column.name.capitalize())
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(column))
            action.toggled.connect(lambda shown, c=column: self.setColumnHidden(c, not shown))
        menu.popup(self.horizontalHeader().mapToGlobal(pos))

