"""A small read-only table model over a list of records, described by column specs, plus the window
that lists such records and refreshes itself on EmailsChanged. The audit trail and the outbox are both
instances of it; they differ only in their columns and in how they load.

A record may carry a link (a Teams chat, a CRM case): the window's "Open chat" / "Open case" button opens
it in the browser, and only when it is an https:// URL (the link came from an outside system)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.bridge import EventBridge
from emailbot_gui.ui.crm_panel import safe_link

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
RecordLink = Callable[[Any], tuple[str, str]]  # record -> (button text such as "Open chat", URL); ("", "") none


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    title: str
    text: Callable[[Any], str]
    color: Callable[[Any], str | None] | None = None  # a foreground colour for this record, if any
    width: int = 120


class RecordTableModel(QAbstractTableModel):
    RecordRole = int(Qt.ItemDataRole.UserRole) + 1

    def __init__(self, columns: Sequence[ColumnSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._records: list[Any] = []

    def set_records(self, records: Sequence[Any]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> Any:
        return self._records[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.columns):
            return self.columns[section].title
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or index.row() >= len(self._records):
            return None
        record = self._records[index.row()]
        column = self.columns[index.column()]
        if role in (_DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return column.text(record)
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            color = column.color(record)
            return QBrush(QColor(color)) if color else None
        if role == self.RecordRole:
            return record
        return None


class TextDialog(QDialog):
    """Read-only text the operator can select and copy (a payload, an audit entry's details)."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(640, 460)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class RecordsWindow(QDialog):
    """A non-modal list that loads with `load()` when shown and after EmailsChanged (debounced)."""

    REFRESH_DEBOUNCE_MS = 300

    def __init__(self, title: str, columns: Sequence[ColumnSpec], load: Callable[[], Awaitable[Sequence[Any]]],
                 describe: Callable[[Any], tuple[str, str]], runner: TaskRunner, bridge: EventBridge,
                 parent: QWidget | None = None, *, link: RecordLink | None = None,
                 open_url: Callable[[QUrl], object] = QDesktopServices.openUrl) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(980, 520)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._load_records = load
        self._describe = describe
        self._link = link
        self._open_url = open_url
        self._runner = runner
        self._task_name = f"records:{id(self)}"
        self.model = RecordTableModel(columns, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for i, column in enumerate(columns):
            self.table.setColumnWidth(i, column.width)
        self.table.activated.connect(self._open_record)  # double-click or Enter
        self.summary = QLabel(self)
        self.summary.setProperty("role", "muted")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self.reload)
        self.open_button = QPushButton("Open link", self)
        self.open_button.setObjectName("openRecordLink")
        self.open_button.setAutoDefault(False)
        self.open_button.setVisible(link is not None)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_selected_link)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_open_button())
        self.toolbar = QHBoxLayout()
        self.toolbar.addWidget(self.summary, 1)
        self.toolbar.addWidget(self.open_button)
        self.toolbar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self, singleShot=True, interval=self.REFRESH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        bridge.emailsChanged.connect(self._emails_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def _emails_changed(self, _event: object) -> None:
        if self.isVisible():
            self._debounce.start()

    def reload(self) -> None:
        self._debounce.stop()
        self._runner.run(self._load_records(), self._loaded, name=self._task_name,
                         what=f"Loading {self.windowTitle().lower()}")

    def _loaded(self, records: Sequence[Any]) -> None:
        self.model.set_records(records)
        self.summary.setText(f"{len(records)} entr{'y' if len(records) == 1 else 'ies'}, newest first")
        self._update_open_button()

    def _selected_link(self) -> tuple[str, QUrl | None]:
        row = self.table.currentIndex().row()
        if self._link is None or not 0 <= row < self.model.rowCount():
            return "", None
        label, url = self._link(self.model.record(row))
        return label, safe_link(url, schemes=("https",)) if url else None  # what the console itself created

    def _update_open_button(self) -> None:
        label, url = self._selected_link()
        self.open_button.setText(label or "Open link")
        self.open_button.setEnabled(url is not None)
        self.open_button.setToolTip(url.toString() if url is not None else "")

    def open_selected_link(self) -> None:
        _, url = self._selected_link()
        if url is not None:
            self._open_url(url)

    def _open_record(self, index: QModelIndex) -> None:
        title, text = self._describe(self.model.record(index.row()))
        dialog = TextDialog(title, text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
