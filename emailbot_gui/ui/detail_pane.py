"""The right side of the window: the message and the reply editor one above the other, and a sidebar with
the classification and the customer context. It shows an EmailDetail; it runs nothing itself."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from emailbot_gui.core.categories import Category
from emailbot_gui.store.views import EmailDetail
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.classification_panel import ClassificationPanel
from emailbot_gui.ui.crm_panel import CrmPanel
from emailbot_gui.ui.message_panel import MessagePanel
from emailbot_gui.ui.reply_editor import DecisionActions, ReplyEditor


class DetailPane(QSplitter):
    def __init__(self, categories: tuple[Category, ...], actions: DecisionActions, runner: TaskRunner,
                 parent: QWidget | None = None, *, create_case: QAction | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("detailSplitter")
        self.setChildrenCollapsible(False)
        self.message_panel = MessagePanel(runner, self)
        self.reply_editor = ReplyEditor(actions, self)
        self.classification_panel = ClassificationPanel(categories, self)
        self.crm_panel = CrmPanel(create_case, self)

        self.reader = QSplitter(Qt.Orientation.Vertical, self)
        self.reader.setObjectName("readerSplitter")
        self.reader.setChildrenCollapsible(False)
        self.reader.addWidget(self.message_panel)
        self.reader.addWidget(self.reply_editor)
        self.reader.setStretchFactor(0, 3)
        self.reader.setStretchFactor(1, 2)

        sidebar = QWidget()
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(8, 4, 8, 8)
        sidebar_layout.setSpacing(8)
        sidebar_layout.addWidget(self.classification_panel)
        sidebar_layout.addWidget(self.crm_panel)
        sidebar_layout.addStretch(1)
        self.sidebar = QScrollArea(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setWidget(sidebar)
        self.sidebar.setWidgetResizable(True)
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setMinimumWidth(240)

        self.addWidget(self.reader)
        self.addWidget(self.sidebar)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)

    def show_detail(self, detail: EmailDetail, *, reviewable: bool) -> None:
        self.message_panel.show_detail(detail)
        self.classification_panel.show_classification(detail.classification, editable=reviewable)
        self.crm_panel.show_enrichment(detail.enrichment)
        self.reply_editor.show_proposal(detail.id, detail.proposal, editable=reviewable)

    def clear(self, text: str) -> None:
        self.message_panel.clear(text)
        self.classification_panel.show_classification(None, editable=False)
        self.crm_panel.show_enrichment(None)
        self.crm_panel.show_cases(())
        self.reply_editor.show_proposal(None, None, editable=False)
