"""The bar above the queue: a free-text search, state / category / urgency filter menus and the count.

It knows nothing of the console: it emits `filtersChanged` and turns what the operator picked into a
`QueueQuery` on request (`apply_to`), leaving the sort alone: that belongs to the table header."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QMenu, QToolButton, QVBoxLayout, QWidget

from emailbot_gui.core.categories import Category
from emailbot_gui.core.lifecycle import REVIEWABLE, EmailState
from emailbot_gui.core.types import Urgency
from emailbot_gui.store.views import QueueQuery

NEEDS_REVIEW = frozenset(REVIEWABLE)


class FilterMenuButton(QToolButton):
    """A drop-down of checkable choices; none checked means "all"."""

    changed = Signal()

    def __init__(self, title: str, choices: Iterable[tuple[Hashable, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self.setObjectName("filterButton")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._menu = QMenu(self)
        self._all = self._menu.addAction(f"All {title.lower()}")
        self._all.triggered.connect(lambda: self.set_selected(frozenset()))
        self._presets = self._menu.addSeparator()
        self._actions: dict[Hashable, QAction] = {}
        self._presets_by_keys: dict[frozenset[Hashable], str] = {}
        for key, label in choices:
            action = self._menu.addAction(label)
            action.setCheckable(True)
            action.toggled.connect(self._toggled)
            self._actions[key] = action
        self.setMenu(self._menu)
        self._update_text()

    def add_preset(self, label: str, keys: frozenset[Hashable]) -> QAction:
        action = QAction(label, self._menu)
        action.triggered.connect(lambda: self.set_selected(keys))
        self._menu.insertAction(self._presets, action)
        self._presets_by_keys[frozenset(keys)] = label
        self._update_text()
        return action

    def selected(self) -> frozenset[Hashable]:
        return frozenset(k for k, a in self._actions.items() if a.isChecked())

    def set_selected(self, keys: frozenset[Hashable]) -> None:
        if keys == self.selected():
            return
        for key, action in self._actions.items():
            with QSignalBlocker(action):
                action.setChecked(key in keys)
        self._update_text()
        self.changed.emit()

    def _toggled(self) -> None:
        self._update_text()
        self.changed.emit()

    def _update_text(self) -> None:
        selected = [a.text() for a in self._actions.values() if a.isChecked()]
        preset = self._presets_by_keys.get(self.selected())
        if not selected:
            text = f"{self._title}: all"
        elif preset is not None:
            text = f"{self._title}: {preset}"
        elif len(selected) == 1:
            text = f"{self._title}: {selected[0]}"
        else:
            text = f"{self._title}: {len(selected)}"
        self.setText(f"{text} ▾")
        self.setToolTip(", ".join(selected) if selected else f"All {self._title.lower()}")
        self.setProperty("active", bool(selected))
        self.style().unpolish(self)
        self.style().polish(self)


class SearchField(QLineEdit):
    """Escape clears the search, or (when empty) hands the focus back to the queue."""

    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            else:
                self.escaped.emit()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.escaped.emit()  # straight into the results
            return
        super().keyPressEvent(event)


class FilterBar(QWidget):
    filtersChanged = Signal()
    leaveRequested = Signal()  # the operator pressed Escape/Down in the search field

    SEARCH_DEBOUNCE_MS = 250

    def __init__(self, categories: tuple[Category, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = SearchField(self)
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText("Search sender, subject, body…   (Ctrl+F or /)")
        self.search.setClearButtonEnabled(True)
        self.search.escaped.connect(self._leave)
        self._debounce = QTimer(self, singleShot=True, interval=self.SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _text: self._debounce.start())

        self.states = FilterMenuButton("State", ((s, s.label) for s in EmailState), self)
        self.states.add_preset("Needs review", NEEDS_REVIEW)
        self.categories = FilterMenuButton("Category", ((c.key, c.label) for c in categories), self)
        self.urgencies = FilterMenuButton(
            "Urgency", ((u, u.label) for u in sorted(Urgency, reverse=True)), self)
        for button in (self.states, self.categories, self.urgencies):
            button.changed.connect(self._emit)

        self.count_label = QLabel(self)
        self.count_label.setProperty("role", "muted")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        for button in (self.states, self.categories, self.urgencies):
            filters.addWidget(button)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addLayout(filters)

    def apply_to(self, query: QueueQuery) -> QueueQuery:
        """`query` with this bar's filters, keeping its sort."""
        return replace(query, text=self.search.text().strip(),
                       states=frozenset(EmailState(s) for s in self.states.selected()),
                       categories=frozenset(str(c) for c in self.categories.selected()),
                       urgencies=frozenset(Urgency(u) for u in self.urgencies.selected()))

    def set_states(self, states: frozenset[EmailState]) -> None:
        self.states.set_selected(states)

    def set_count(self, shown: int) -> None:
        self.count_label.setText(f"{shown:,} email{'s' if shown != 1 else ''}")

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def flush(self) -> None:
        """Apply a pending search now instead of after the debounce (Enter, tests)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._emit()

    def _emit(self) -> None:
        self.filtersChanged.emit()

    def _leave(self) -> None:
        self.flush()
        self.leaveRequested.emit()
