"""The Settings dialog: everything the setup wizard set (the same sections, so the same forms), plus the
general settings. Apply saves secrets to the SecretStore and the rest through `console.apply_settings`,
which switches integrations on and off while the console runs; a change that needs a restart (the mail
source) is said so plainly.

Opened with `open()`, never `exec()` (see dialogs.py)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.style import app_icon
from emailbot_gui.ui.wizard.ai_section import AiSection
from emailbot_gui.ui.wizard.customer_db_section import CustomerDbSection
from emailbot_gui.ui.wizard.escalation_section import EscalationSection
from emailbot_gui.ui.wizard.fields import note
from emailbot_gui.ui.wizard.general_section import GeneralSection
from emailbot_gui.ui.wizard.google_sign_in import GoogleSigner
from emailbot_gui.ui.wizard.hubspot_section import HubSpotSection
from emailbot_gui.ui.wizard.mail_section import MailSection
from emailbot_gui.ui.wizard.salesforce_section import SalesforceSection
from emailbot_gui.ui.wizard.section import SectionSet, SettingsSection, Tester
from emailbot_gui.ui.wizard.sign_in import Signer

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole


class SettingsDialog(QDialog):
    applied = Signal(bool)  # saved and applied; True when part of it needs a restart

    def __init__(self, console: TriageConsole, *, tester: Tester | None = None, signer: Signer | None = None,
                 google_signer: GoogleSigner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setWindowIcon(app_icon())
        self.resize(960, 720)
        self.console = console
        self.runner = TaskRunner(self)
        self.forms = SectionSet(console.settings, console.secrets, self.runner, tester, signer, google_signer)
        f = self.forms
        self.general = f.add(GeneralSection(f.ctx))
        self.mail = f.add(MailSection(f.ctx, offer_demo=True, note_restart=True))
        self.ai = f.add(AiSection(f.ctx))
        self.salesforce = f.add(SalesforceSection(f.ctx))
        self.hubspot = f.add(HubSpotSection(f.ctx))
        self.customer_db = f.add(CustomerDbSection(f.ctx))
        self.escalation = f.add(EscalationSection(f.ctx, console.categories))
        self._saving = False
        self._close_after_save = False
        self._message = ("", False)
        self._message_for: tuple[object, ...] = ()

        self.nav = QListWidget(self)
        self.nav.setObjectName("settingsNav")
        self.nav.setFixedWidth(200)
        self.nav.setStyleSheet(
            "QListWidget#settingsNav { border: none; background: transparent; font-size: 10.5pt; outline: 0; }"
            "QListWidget#settingsNav::item { padding: 8px 12px; border-radius: 4px; color: #1f2328; }"
            "QListWidget#settingsNav::item:hover { background: #eef1f4; }"
            "QListWidget#settingsNav::item:selected { background: #dbe7fb; color: #1d4fa8; font-weight: 600; }")
        self.pages = QStackedWidget(self)
        self.page_sections: list[list[SettingsSection]] = []
        for title, sections in (
            ("General", [self.general]),
            ("Mail source", [self.mail]),
            ("AI", [self.ai]),
            ("Customer context", [self.salesforce, self.hubspot, self.customer_db]),
            ("Escalation", [self.escalation]),
        ):
            self._add_page(title, sections)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)

        self.status = note("", self, name="settingsStatus")
        reason = str(getattr(console.secrets, "unavailable_reason", "") or "")
        self.keyring_note = note(reason, self, role="error", name="keyringProblem")
        self.keyring_note.setVisible(bool(reason))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.Apply, self)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_note)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        for section in f.sections:
            section.changed.connect(self._update_buttons)
        self._update_buttons()
        f.refresh_saved()

    def _add_page(self, title: str, sections: list[SettingsSection]) -> None:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 14, 4)
        heading = note(title, content, role="pageTitle")
        heading.setStyleSheet("font-size: 14pt; font-weight: 600; color: #1f2328;")
        column.addWidget(heading)
        for section in sections:
            column.addWidget(section)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        self.pages.addWidget(scroll)
        QListWidgetItem(title, self.nav)
        self.page_sections.append(sections)

    def show_section(self, key: str) -> None:
        for index, sections in enumerate(self.page_sections):
            if any(s.key == key for s in sections):
                self.nav.setCurrentRow(index)
                return

    # -- state ----------------------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return self.forms.draft_settings() != self.forms.base or bool(self.forms.typed_secrets())

    def _draft_key(self) -> tuple[object, ...]:
        return self.forms.draft_settings(), tuple(sorted(self.forms.typed_secrets()))

    def _update_buttons(self) -> None:
        if self._message[0] and self._draft_key() != self._message_for:
            self._message = ("", False)  # a result message lasts until the operator changes something
        self._render()

    def _render(self) -> None:
        self.apply_button.setEnabled(not self._saving and self.is_dirty())
        self.ok_button.setEnabled(not self._saving)
        text, error = self._message
        if not text:
            problems = self.forms.errors()
            text, error = (problems[0] if problems else ""), True
        self.status.setProperty("role", "error" if error else "muted")
        self.status.style().polish(self.status)
        self.status.setText(text)

    # -- saving ---------------------------------------------------------------------------------------

    def apply(self) -> None:
        if self._saving:
            return
        for index, sections in enumerate(self.page_sections):
            problems = [p for s in sections for p in s.errors()]
            if problems:
                for s in sections:
                    s.reveal()
                self.nav.setCurrentRow(index)
                self._show_status(problems[0], error=True)
                self._close_after_save = False
                return
        if not self.is_dirty():
            if self._close_after_save:
                super().accept()
            return
        self._saving = True
        self._show_status("Saving…", error=False)
        write = functools.partial(self.console.apply_settings, secrets_changed=bool(self.forms.typed_secrets()))
        self.runner.run(self.forms.save(write), self._saved, self._failed, what="Saving the settings")

    def accept(self) -> None:
        self._close_after_save = True
        self.apply()

    def _saved(self, restart_needed: bool) -> None:
        self._saving = False
        self.mail.load(self.forms.base)  # what is saved is the new baseline for "needs a restart"
        self.applied.emit(bool(restart_needed))
        if restart_needed:
            self._show_status("Saved. The new mail source is used after you restart the console.", error=True)
            self._close_after_save = False  # the operator must read this
        else:
            self._show_status("Saved and applied.", error=False)
        if self._close_after_save:
            super().accept()

    def _failed(self, exc: BaseException) -> None:
        self._saving = False
        self._close_after_save = False
        self._show_status(f"Not saved: {describe_error(exc)}", error=True)

    def _show_status(self, text: str, *, error: bool) -> None:
        self._message = (text, error)
        self._message_for = self._draft_key()
        self._render()

    def reject(self) -> None:
        if not self._saving:
            self.runner.cancel_reads()
            super().reject()

    def keyPressEvent(self, event: object) -> None:
        # Enter in a field must not press OK (and close the dialog) by accident.
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not self.ok_button.hasFocus():
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]
