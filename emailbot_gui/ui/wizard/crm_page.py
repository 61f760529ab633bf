"""The wizard's CRM page: Salesforce, HubSpot and a customer database, each optional and testable."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from emailbot_gui.ui.wizard.crm_section import CrmSection
from emailbot_gui.ui.wizard.section_page import SectionPage


class CrmPage(SectionPage):
    optional = True

    def __init__(self, sections: Sequence[CrmSection], parent: QWidget | None = None) -> None:
        super().__init__("Customer context (optional)", "Where should the console look up who wrote? Switch on "
                         "the systems you use; the sender's customer record, contract and open tickets are then "
                         "shown next to each email.", sections, parent)
        self.crm_sections = list(sections)

    def skip(self) -> None:
        for section in self.crm_sections:
            section.set_enabled(False)
