"""The queue as a Qt table model that scales to 100,000 emails.

`rowCount` is the store's count for the current `QueueQuery`; rows arrive lazily in pages from
`console.queue_page`, so a view only ever pulls the pages it paints. Sorting and filtering happen in the
store (`sort()` and `setQuery()` reload). On `EmailsChanged` the model re-counts and reloads the pages
in use, debounced so a flood of events costs one refresh, and moves persistent indexes (the view's
selection) to wherever the same email id now sits.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from emailbot_gui.core.lifecycle import REVIEWABLE
from emailbot_gui.store.views import QueueQuery, QueueRow, SortKey
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.queue_cells import (
    DISPLAY,
    HEADER_TIPS,
    CellLook,
    Column,
    EmailIdRole,
    FlaggedRole,
    QueueCells,
    QueueRowRole,
    StateRole,
    UrgencyRole,
)

__all__ = ["Column", "EmailIdRole", "FlaggedRole", "QueueRowRole", "QueueTableModel", "StateRole", "UrgencyRole"]

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole

AnyIndex = QModelIndex | QPersistentModelIndex


def _filters(query: QueueQuery) -> QueueQuery:
    """The query without its order: what its count depends on."""
    return replace(query, sort=SortKey.RECEIVED, descending=True)


_SORT_KEYS: dict[Column, SortKey] = {
    Column.SENDER: SortKey.SENDER,
    Column.SUBJECT: SortKey.SUBJECT,
    Column.CATEGORY: SortKey.CATEGORY,
    Column.URGENCY: SortKey.URGENCY,
    Column.CONFIDENCE: SortKey.CONFIDENCE,
    Column.STATE: SortKey.STATE,
    Column.AGE: SortKey.RECEIVED,
}
LOADING_TEXT = "Loading…"
_COLUMNS = tuple(Column)
_ROWS_ONLY = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_LAYOUT_ARGS = ("QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint")  # the overload with a hint
LOOKS_KEPT = 4000  # rows whose cell looks are kept (a few screens' worth)
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)


class QueueTableModel(QAbstractTableModel):
    countChanged = Signal(int)
    refreshed = Signal()  # count and pages in use reflect the store again (after a query or a refresh)

    REFRESH_DEBOUNCE_MS = 150
    MIN_REFRESH_SPACING_MS = 500
    REFRESH_PAGES = 8  # pages a refresh re-reads (the most recently used); the rest reload lazily

    def __init__(
        self,
        console: TriageConsole,
        runner: TaskRunner | None = None,
        *,
        page_size: int = 200,
        max_pages: int = 64,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._console = console
        self._runner = runner if runner is not None else TaskRunner(self)
        self._page_size = page_size
        self._max_pages = max_pages
        self._cells = QueueCells(tuple(console.categories), clock)
        self._loading_brush = QBrush(QColor("#8c959f"))
        self._looks: dict[int, tuple[QueueRow, list[CellLook | None]]] = {}  # id(row) -> its cells' looks
        self._query = QueueQuery()
        self._count = 0
        self._pages: OrderedDict[int, list[QueueRow]] = OrderedDict()  # most recently used last
        self._loading: dict[int, int] = {}  # page -> epoch it was requested in
        self._failed: set[int] = set()
        self._epoch = 0  # bumped whenever loaded rows are replaced; older page loads are then stale
        self.loads_started = 0  # loads of the count and pages asked for so far
        self.loads_applied = 0  # the number of the load whose rows are shown (a later one may finish first)
        self._reset_pending = False
        self._counted_filters: QueueQuery | None = None  # the filters `_count` was counted for
        self._last_page = -1
        self._task_name = f"queue-load:{id(self)}"

        self._refresh_timer = QTimer(self, singleShot=True, interval=self.REFRESH_DEBOUNCE_MS)
        self._refreshed_at = 0.0  # time.monotonic() of the last refresh
        self._refresh_timer.timeout.connect(self.refresh)
        self._age_timer = QTimer(self, interval=60_000)
        self._age_timer.timeout.connect(self._ages_changed)
        self._age_timer.start()

    def stop(self) -> None:
        """The window closed: no more refreshes or page loads (the store may be closing under them)."""
        self._refresh_timer.stop()
        self._age_timer.stop()
        self._runner.cancel_reads()  # the named page loads, this model's own among them

    # -- queries and refreshes ------------------------------------------------------------------------

    def query(self) -> QueueQuery:
        return self._query

    def setQuery(self, query: QueueQuery, *, force: bool = False) -> None:
        """Show the emails `query` selects, in its order; `force` reloads even if it is the same query."""
        if query == self._query and not force:
            return
        # Another order of the same emails: their count is the one shown (a new mail refreshes it anyway).
        known = self._count if not force and _filters(query) == self._counted_filters else None
        self._query = query
        self._load(reset=True, known_count=known)

    def refresh(self) -> None:
        """Re-count and re-read the pages in use, keeping each persistent index on its email."""
        self._refresh_timer.stop()
        self._refreshed_at = time.monotonic()
        self._load(reset=False)

    def schedule_refresh(self) -> None:
        """Ask for a refresh soon; repeated calls within the debounce window cost a single one."""
        if not self._refresh_timer.isActive():
            # While mail floods in, events never stop: refresh at most every MIN_REFRESH_SPACING_MS, so the
            # queue keeps up without repainting the window several times a second.
            since = (time.monotonic() - self._refreshed_at) * 1000
            self._refresh_timer.start(max(self.REFRESH_DEBOUNCE_MS, int(self.MIN_REFRESH_SPACING_MS - since)))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        col = Column(column)
        descending = order == Qt.SortOrder.DescendingOrder
        if col is Column.AGE:
            descending = not descending  # youngest first is "ascending age" but newest received
        self.setQuery(replace(self._query, sort=_SORT_KEYS[col], descending=descending))

    def sort_column(self) -> tuple[Column, Qt.SortOrder]:
        """The column and order a header should show for the current query."""
        col = next(c for c, k in _SORT_KEYS.items() if k == self._query.sort)
        descending = self._query.descending if col is not Column.AGE else not self._query.descending
        return col, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder

    def _load(self, *, reset: bool, known_count: int | None = None) -> None:
        self._reset_pending = self._reset_pending or reset
        reset = self._reset_pending
        query = self._query
        if reset:
            pages = [0]
        else:
            recent = list(self._pages)[-self.REFRESH_PAGES:]
            pages = sorted(set(recent) | set(self._loading))
        self.loads_started += 1
        load = self.loads_started
        self._runner.run(self._fetch(query, pages, known_count),
                         lambda result: self._apply(query, reset, *result, load=load),
                         name=self._task_name, what="Loading the queue")

    async def _fetch(self, query: QueueQuery, pages: list[int], known_count: int | None = None
                     ) -> tuple[int, dict[int, list[QueueRow]]]:
        count = known_count if known_count is not None else await self._console.queue_count(query)
        loaded: dict[int, list[QueueRow]] = {}
        for page in pages:
            offset = page * self._page_size
            if offset < count:
                loaded[page] = await self._console.queue_page(query, offset, self._page_size)
        return count, loaded

    def _apply(self, query: QueueQuery, reset: bool, count: int, pages: dict[int, list[QueueRow]], *,
               load: int = 0) -> None:
        if query != self._query:
            return  # the operator changed the filter meanwhile; that load is on its way
        self.loads_applied = max(self.loads_applied, load)
        self._reset_pending = False
        self._counted_filters = _filters(query)
        self._epoch += 1
        self._loading.clear()
        self._failed.clear()
        self._last_page = -1
        old_count = self._count
        if reset:
            self.beginResetModel()
            self._count = count
            self._pages = OrderedDict(sorted(pages.items()))
            self.endResetModel()
        else:
            self._replace_in_place(count, pages)
        if count != old_count or reset:
            self.countChanged.emit(count)
        self.refreshed.emit()

    def _replace_in_place(self, count: int, pages: dict[int, list[QueueRow]]) -> None:
        old_count = self._count
        if count > old_count:
            self.beginInsertRows(QModelIndex(), old_count, count - 1)
            self._count = count
            self.endInsertRows()

        # Only rows move: the hint spares the horizontal header a relayout and a repaint.
        self.layoutAboutToBeChanged[_LAYOUT_ARGS].emit([], _ROWS_ONLY)  # type: ignore[index]
        persistent = self.persistentIndexList()
        old_ids = [self._email_id_at(p.row()) for p in persistent]
        recency = [p for p in self._pages if p in pages] + [p for p in sorted(pages) if p not in self._pages]
        self._pages = OrderedDict((p, pages[p]) for p in recency)  # keep "most recently used" order
        new_rows = {row.id: page * self._page_size + i for page, rows in pages.items()
                    for i, row in enumerate(rows)}
        targets = []
        for p, email_id in zip(persistent, old_ids, strict=True):
            new_row = p.row() if email_id is None else new_rows.get(email_id)
            targets.append(QModelIndex() if new_row is None else self.index(new_row, p.column()))
        self.changePersistentIndexList(persistent, targets)
        self.layoutChanged[_LAYOUT_ARGS].emit([], _ROWS_ONLY)  # type: ignore[index]

        if count < old_count:
            self.beginRemoveRows(QModelIndex(), count, old_count - 1)
            self._count = count
            self.endRemoveRows()

    # -- lazy pages -----------------------------------------------------------------------------------

    def _row(self, row: int) -> QueueRow | None:
        if not 0 <= row < self._count:
            return None
        page, offset = divmod(row, self._page_size)
        rows = self._pages.get(page)
        if rows is None:
            self._request_page(page)
            return None
        if page != self._last_page:
            self._pages.move_to_end(page)
            self._last_page = page
        return rows[offset] if offset < len(rows) else None

    def _request_page(self, page: int) -> None:
        if page in self._loading or page in self._failed:
            return
        epoch, query = self._epoch, self._query
        self._loading[page] = epoch
        self._runner.run(
            self._console.queue_page(query, page * self._page_size, self._page_size),
            lambda rows: self._page_loaded(page, epoch, rows),
            lambda exc: self._page_failed(page, epoch, exc),
        )

    def _page_loaded(self, page: int, epoch: int, rows: list[QueueRow]) -> None:
        if self._loading.get(page) == epoch:
            del self._loading[page]
        if epoch != self._epoch:
            if page not in self._pages and page not in self._loading:
                self._page_range_changed(page)  # makes the view ask again, against the current data
            return
        self._pages[page] = rows
        self._last_page = page
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        self._page_range_changed(page)

    def _page_failed(self, page: int, epoch: int, exc: BaseException) -> None:
        if self._loading.get(page) == epoch:
            del self._loading[page]
        if epoch == self._epoch:
            self._failed.add(page)  # no retry on every repaint; the next refresh (F5) tries again
            first = page * self._page_size
            self._runner.report(f"Loading queue rows {first + 1}–{first + self._page_size}", exc)

    def _page_range_changed(self, page: int) -> None:
        first = page * self._page_size
        last = min(first + self._page_size, self._count) - 1
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

    def _ages_changed(self) -> None:
        self._looks.clear()
        if self._count:
            age = int(Column.AGE)
            self.dataChanged.emit(self.index(0, age), self.index(self._count - 1, age), [DISPLAY])

    # -- lookups for the window -----------------------------------------------------------------------

    def _email_id_at(self, row: int) -> int | None:
        page, offset = divmod(row, self._page_size)
        rows = self._pages.get(page)
        return rows[offset].id if rows is not None and offset < len(rows) else None

    def look(self, row: int, column: int) -> CellLook | None:
        """How a cell is painted; None while its page loads (and then it is requested). Kept per loaded row,
        so a repaint of rows already painted formats nothing again (ages are redone on their minute tick)."""
        loaded = self._row(row)
        if loaded is None:
            return None
        entry = self._looks.get(id(loaded))
        if entry is None or entry[0] is not loaded:
            if len(self._looks) > LOOKS_KEPT:
                self._looks.clear()
            entry = self._looks[id(loaded)] = (loaded, [None] * len(_COLUMNS))
        look = entry[1][column]
        if look is None:
            look = entry[1][column] = self._cells.look(loaded, _COLUMNS[column])
        return look

    def row_at(self, row: int) -> QueueRow | None:
        """The loaded row, or None while its page is loading (and then requests it)."""
        return self._row(row)

    def row_of(self, email_id: int) -> int | None:
        """Where an email sits among the loaded rows, or None if it is not loaded (or not queued)."""
        for page, rows in self._pages.items():
            for i, row in enumerate(rows):
                if row.id == email_id:
                    return page * self._page_size + i
        return None

    def next_reviewable(self, email_id: int, skip: frozenset[int] = frozenset()) -> int | None:
        """The nearest email still to review after `email_id` (else before it), among the loaded rows."""
        rows = [row for _, row in self.loaded_rows()]
        position = next((i for i, row in enumerate(rows) if row.id == email_id), None)
        if position is None:
            return None
        skip = skip | {email_id}
        for row in [*rows[position + 1:], *reversed(rows[:position])]:
            if row.state in REVIEWABLE and row.id not in skip:
                return row.id
        return None

    def loaded_rows(self) -> list[tuple[int, QueueRow]]:
        """(row number, row) for every loaded row, in queue order."""
        return [(page * self._page_size + i, row) for page in sorted(self._pages)
                for i, row in enumerate(self._pages[page])]

    # -- QAbstractTableModel --------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == DISPLAY:
            return Column(section).title
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(Column(section))
        return None

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        # Called for every role of every visible cell on each paint: no enum construction, no parent()
        # (a flat table's indexes have none).
        if not index.isValid():
            return None
        row = self._row(index.row())
        column = _COLUMNS[index.column()]
        if row is None:
            if role == DISPLAY and column is Column.SUBJECT:
                return LOADING_TEXT
            return self._loading_brush if role == _FOREGROUND else None
        if role == DISPLAY:
            return self._cells.text(row, column)
        if role == EmailIdRole:
            return row.id
        if role == UrgencyRole:
            return row.urgency
        if role == StateRole:
            return row.state
        if role == FlaggedRole:
            return row.flagged
        if role == QueueRowRole:
            return row
        return self._cells.data(row, column, role)
