"""The wizard's mail source page: Microsoft 365, Gmail / Google Workspace, or any IMAP/SMTP server."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from emailbot_gui.ui.wizard.mail_section import MailSection
from emailbot_gui.ui.wizard.section_page import SectionPage


class MailPage(SectionPage):
    def __init__(self, section: MailSection, parent: QWidget | None = None) -> None:
        super().__init__("Mail source", "Which mailbox should the console watch? Test the connection to see, "
                         "permission by permission, what works and what is missing.", [section], parent)
        self.section = section
