"""A wizard page that shows settings sections (scrolling when they are long): Next is enabled once the
sections have no problems; an optional page can be skipped, which leaves its integration off."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget, QWizardPage

from emailbot_gui.ui.wizard.section import SettingsSection


class SectionPage(QWizardPage):
    optional = False

    def __init__(self, title: str, subtitle: str, sections: Sequence[SettingsSection],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.sections = list(sections)
        content = QWidget()
        content.setObjectName("pageContent")
        column = QVBoxLayout(content)
        column.setContentsMargins(2, 2, 12, 2)
        for section in self.sections:
            column.addWidget(section)
            section.changed.connect(self.completeChanged)
        column.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)

    def isComplete(self) -> bool:
        return not any(s.errors() for s in self.sections)

    def validatePage(self) -> bool:
        if self.isComplete():
            return True
        for section in self.sections:
            section.reveal()
        return False

    def skip(self) -> None:
        """Leave this step's integrations off."""
