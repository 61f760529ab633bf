"""F1: every keyboard shortcut, read from the window's menus so the list is always the real one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

# Keys handled by widgets themselves rather than by actions.
WIDGET_KEYS: tuple[tuple[str, str], ...] = (
    ("Next / previous email (in the queue)", "Down / Up"),
    ("Leave the search field for the queue", "Esc, Enter or Down"),
    ("Move between panels", "Tab / Shift+Tab"),
    ("Undo typing (in the reply editor; elsewhere it undoes the last decision)", "Ctrl+Z"),
)


def shortcut_rows(menus: Sequence[QMenu]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu title, [(command, shortcuts)]) for every action that has a shortcut."""
    groups = []
    for menu in menus:
        rows = []
        for action in menu.actions():
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            if keys and not action.isSeparator():
                rows.append((action.text().replace("&&", "\0").replace("&", "").replace("\0", "&"),
                             " or ".join(keys)))
        if rows:
            groups.append((menu.title().replace("&", ""), rows))
    return groups


class ShortcutsDialog(QDialog):
    def __init__(self, menus: Sequence[QMenu], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Command", "Shortcut"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for title, rows in [*shortcut_rows(menus), ("In widgets", list(WIDGET_KEYS))]:
            group = QTreeWidgetItem(self.tree, [title])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            for command, keys in rows:
                QTreeWidgetItem(group, [command, keys])
        self.tree.expandAll()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
