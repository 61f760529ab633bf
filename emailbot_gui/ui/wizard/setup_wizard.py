"""The first-run setup wizard: welcome → mail source → AI → CRM → escalation → summary, or welcome →
summary for the demo. Each page validates as the operator types and tests connections without freezing
the window; optional pages can be skipped. Finish saves the secrets to the SecretStore, then the
settings (with setup_done) to the settings file, and only then closes.

It is opened with `show()` / `open()` and its `finished` signal awaited: never `exec()`, whose nested event
loop would re-enter the asyncio loop that runs the tests of the connections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget, QWizard

from emailbot_gui.config.secrets import SecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.style import app_icon
from emailbot_gui.ui.wizard.ai_page import AiPage
from emailbot_gui.ui.wizard.ai_section import AiSection
from emailbot_gui.ui.wizard.crm_page import CrmPage
from emailbot_gui.ui.wizard.customer_db_section import CustomerDbSection
from emailbot_gui.ui.wizard.escalation_page import EscalationPage
from emailbot_gui.ui.wizard.escalation_section import EscalationSection
from emailbot_gui.ui.wizard.google_sign_in import GoogleSigner
from emailbot_gui.ui.wizard.hubspot_section import HubSpotSection
from emailbot_gui.ui.wizard.mail_page import MailPage
from emailbot_gui.ui.wizard.mail_section import MailSection
from emailbot_gui.ui.wizard.salesforce_section import SalesforceSection
from emailbot_gui.ui.wizard.section import SectionSet, SettingsSection, Tester
from emailbot_gui.ui.wizard.section_page import SectionPage
from emailbot_gui.ui.wizard.sign_in import Signer
from emailbot_gui.ui.wizard.summary_page import SummaryPage
from emailbot_gui.ui.wizard.welcome_page import WelcomePage

WELCOME, MAIL, AI, CRM, ESCALATION, SUMMARY = range(6)
SaveSettings = Callable[[Settings], Awaitable[None]]


class SetupWizard(QWizard):
    def __init__(self, settings: Settings, secrets: SecretStore | None, settings_file: Path, *,
                 keyring_problem: str = "", tester: Tester | None = None, save: SaveSettings | None = None,
                 signer: Signer | None = None, google_signer: GoogleSigner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setWindowTitle("Set up EmailBot Console")
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.HaveCustomButton1)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Skip this step")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Start the console")
        self.resize(860, 700)
        self.settings_file = settings_file
        self.saved_settings: Settings | None = None
        self._custom_save = save  # never a bound method of self: a cycle through the wrapper crashes PySide
        self._saving = False
        self.runner = TaskRunner(self)
        self.forms = SectionSet(settings, secrets, self.runner, tester, signer, google_signer)
        f = self.forms
        self.mail = f.add(MailSection(f.ctx, offer_demo=False))
        self.ai = f.add(AiSection(f.ctx))
        self.salesforce = f.add(SalesforceSection(f.ctx))
        self.hubspot = f.add(HubSpotSection(f.ctx))
        self.customer_db = f.add(CustomerDbSection(f.ctx))
        self.escalation = f.add(EscalationSection(f.ctx))
        self.welcome_page = WelcomePage(keyring_problem)
        self.summary_page = SummaryPage(settings_file, persistent=f.persistent)
        self.setPage(WELCOME, self.welcome_page)
        self.setPage(MAIL, MailPage(self.mail))  # type: ignore[arg-type]
        self.setPage(AI, AiPage(self.ai))  # type: ignore[arg-type]
        self.setPage(CRM, CrmPage([self.salesforce, self.hubspot, self.customer_db]))  # type: ignore[list-item]
        self.setPage(ESCALATION, EscalationPage(self.escalation))  # type: ignore[arg-type]
        self.setPage(SUMMARY, self.summary_page)
        self.setStartId(WELCOME)
        self.setTitleFormat(Qt.TextFormat.RichText)
        for page_id in self.pageIds():
            page = self.page(page_id)
            page.setTitle(f"<span style='font-size:15pt; font-weight:600'>{escape(page.title())}</span>")
        self.currentIdChanged.connect(self._page_changed)
        self.customButtonClicked.connect(self._skip)
        self._page_changed(WELCOME)
        f.refresh_saved()

    # -- flow -----------------------------------------------------------------------------------------

    def demo_chosen(self) -> bool:
        return self.welcome_page.wants_demo()

    def nextId(self) -> int:
        if self.currentId() == WELCOME and self.demo_chosen():
            return SUMMARY
        return super().nextId()

    def _page_changed(self, page_id: int) -> None:
        page = self.page(page_id)
        self.button(QWizard.WizardButton.CustomButton1).setVisible(isinstance(page, SectionPage) and page.optional)

    def _skip(self, which: int) -> None:
        page = self.currentPage()
        if which == QWizard.WizardButton.CustomButton1.value and isinstance(page, SectionPage):
            page.skip()
            self.next()

    # -- what is saved --------------------------------------------------------------------------------

    def active_sections(self) -> list[SettingsSection]:
        """The sections whose values are saved. With the demo chosen: the AI step only (the demo mailbox
        replaces the mail step, and what was typed on later pages before going back to choose it is dropped)."""
        if self.demo_chosen():
            return [self.ai]
        return [self.mail, self.ai, self.salesforce, self.hubspot, self.customer_db, self.escalation]

    def final_settings(self) -> Settings:
        settings = self.forms.draft_settings(self.active_sections())
        if self.demo_chosen():
            settings = replace(settings, mail_source="demo")
        return replace(settings, setup_done=True)

    def secrets_to_save(self) -> dict[str, str]:
        return self.forms.typed_secrets(self.active_sections())

    def describe(self) -> tuple[Settings, list[str], list[str]]:
        """(the settings to save, the summary's lines, the names of the secrets to save)."""
        settings = self.final_settings()
        sections = [self.mail, *self.active_sections()] if self.demo_chosen() else self.active_sections()
        lines = [line for s in sections for line in s.summary(settings)]
        return settings, lines, list(self.secrets_to_save())

    # -- finish ---------------------------------------------------------------------------------------

    def accept(self) -> None:
        if self.saved_settings is not None:
            super().accept()
            return
        if self._saving:
            return
        self._saving = True
        self._set_buttons_enabled(False)
        self.summary_page.show_status("Saving…", error=False)
        self.runner.run(self._save_all(), lambda _: self._saved(), self._save_failed, what="Saving the setup")

    async def _save_all(self) -> None:
        final = self.final_settings()
        await self.forms.save(self._custom_save or self._save_to_file, settings=final,
                              secrets=self.secrets_to_save())
        self.saved_settings = final

    async def _save_to_file(self, settings: Settings) -> None:
        from emailbot_gui.config.settings import save_settings

        await asyncio.to_thread(save_settings, self.settings_file, settings)

    def _saved(self) -> None:
        self._saving = False
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._set_buttons_enabled(True)
        self.summary_page.show_status(f"The setup could not be saved: {describe_error(exc)}")

    def _set_buttons_enabled(self, enabled: bool) -> None:
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(enabled)

    def reject(self) -> None:
        if not self._saving:
            self.runner.cancel_reads()
            super().reject()
