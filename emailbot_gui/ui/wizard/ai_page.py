"""The wizard's AI page: the local classifier, or OpenAI with a test call. Optional."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from emailbot_gui.ui.wizard.ai_section import AiSection
from emailbot_gui.ui.wizard.section_page import SectionPage


class AiPage(SectionPage):
    optional = True

    def __init__(self, section: AiSection, parent: QWidget | None = None) -> None:
        super().__init__("AI (optional)", "How should emails be classified and replies drafted? The local "
                         "classifier works offline; OpenAI is usually more accurate and writes replies in the "
                         "sender's language.", [section], parent)
        self.section = section

    def skip(self) -> None:
        self.section.local_button.setChecked(True)
