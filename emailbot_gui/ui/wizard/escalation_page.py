"""The wizard's escalation page: Teams or email, and who is proposed per category. Optional."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from emailbot_gui.ui.wizard.escalation_section import EscalationSection
from emailbot_gui.ui.wizard.section_page import SectionPage


class EscalationPage(SectionPage):
    optional = True

    def __init__(self, section: EscalationSection, parent: QWidget | None = None) -> None:
        super().__init__("Escalation (optional)", "When an email needs someone else (an outage, a security "
                         "incident), who should the console propose?", [section], parent)
        self.section = section

    def skip(self) -> None:
        self.section.teams.setChecked(False)
