"""The queue table: fixed row heights (so 100,000 rows cost nothing to lay out), one selected row at a
time, server-side sorting from the header, urgency drawn as a coloured badge, and its rows painted in one go
by `QueueRowPainter` (see there why not through item delegates)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from emailbot_gui.ui.queue_model import Column, QueueTableModel
from emailbot_gui.ui.queue_painter import QueueRowPainter

_WIDTHS = {Column.SENDER: 108, Column.CATEGORY: 96, Column.URGENCY: 68, Column.CONFIDENCE: 48,
           Column.STATE: 86, Column.AGE: 62}  # "59 min" in bold fits
# Hidden until the operator asks for them (header context menu): the sidebar shows the confidence.
HIDDEN_BY_DEFAULT = frozenset({Column.CONFIDENCE})


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
        self._queue: QueueTableModel | None = None
        self._painter = QueueRowPainter()

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
        self._queue = model
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

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._queue is None:
            super().paintEvent(event)
            return
        painter = QPainter(self.viewport())
        try:
            self._painter.paint(painter, self, self._queue, event.rect())
        finally:
            painter.end()

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

