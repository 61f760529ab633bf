"""Where the mail comes from: Microsoft 365 (tenant, app, sign-in mode, shared mailbox, national cloud), Gmail /
Google Workspace through the Gmail API (ui/wizard/gmail_form.py), any IMAP/SMTP server (ui/wizard/imap_form.py),
or the demo mailbox."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.config.secrets import certificate_passphrase_name, client_secret_name
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.graph.config import CLOUDS, AuthMode
from emailbot_gui.connectors.imap.config import SECURITY_WORDS, Security
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.fields import CheckedField, note
from emailbot_gui.ui.wizard.gmail_form import SERVICE_ACCOUNT, GmailForm
from emailbot_gui.ui.wizard.imap_form import ImapForm
from emailbot_gui.ui.wizard.secret_field import SecretField
from emailbot_gui.ui.wizard.section import FormContext, SettingsSection
from emailbot_gui.ui.wizard.sign_in import SignInPanel

DEMO, M365, GMAIL, IMAP = "demo", "m365", "gmail", "imap"
AUTH_MODES = {
    AuthMode.DELEGATED.value: "Signed-in operator (no secret)",
    AuthMode.APP_SECRET.value: "App with a client secret",
    AuthMode.APP_CERTIFICATE.value: "App with a certificate",
}
AUTH_NOTES = {
    AuthMode.DELEGATED.value: "You sign in with your own Microsoft 365 account (below, once). No secret is "
                              "stored; only the sign-in, in the system keyring. Needs the delegated permissions "
                              "Mail.Read.Shared and Mail.Send.Shared, and your access to the shared mailbox.",
    AuthMode.APP_SECRET.value: "The app signs in on its own with a client secret (Certificates & secrets → New "
                                "client secret). Needs the application permissions Mail.Read and Mail.Send "
                                "with admin consent.",
    AuthMode.APP_CERTIFICATE.value: "The app signs in on its own with a certificate: upload the public part to "
                                     "the app registration and choose the PEM file holding the private key.",
}
CLOUD_LABELS = {
    "global": "Worldwide (microsoft.com)",
    "usgov": "US Government L4 (GCC High)",
    "usgov-dod": "US Government L5 (DoD)",
    "china": "China (operated by 21Vianet)",
}
SOURCE_LABELS = {DEMO: "Demo mailbox", M365: "Microsoft 365", GMAIL: "Gmail", IMAP: "IMAP / SMTP"}


class MailSection(SettingsSection):
    title = "Mail source"
    key = "mail"

    def __init__(self, ctx: FormContext, *, offer_demo: bool, note_restart: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._note_restart = note_restart
        self._loaded: Settings | None = None
        self.sources = QButtonGroup(self)
        self.source_buttons: dict[str, QRadioButton] = {}
        choices = QVBoxLayout()
        for key, text, tip in (
            (DEMO, "Demo mailbox — a realistic sample inbox; nobody is contacted", ""),
            (M365, "Microsoft 365 (Exchange Online) shared mailbox", ""),
            (GMAIL, "Gmail / Google Workspace — through the Gmail API (Sign in with Google, or a service account)",
             ""),
            (IMAP, "IMAP / SMTP — any mail server (Gmail too, with an app password)", ""),
        ):
            if key == DEMO and not offer_demo:
                continue
            button = QRadioButton(text, self)
            button.setObjectName(f"source_{key}")
            button.setToolTip(tip)
            self.sources.addButton(button)
            self.source_buttons[key] = button
            choices.addWidget(button)

        self.m365 = QGroupBox("Microsoft 365", self)
        self.tenant = CheckedField(v.tenant_id, placeholder="72f988bf-… or contoso.onmicrosoft.com",
                                   name="m365Tenant")
        self.client = CheckedField(v.client_id, placeholder="Application (client) ID of the app registration",
                                   name="m365Client")
        self.auth = QComboBox(self)
        self.auth.setObjectName("m365Auth")
        for mode, label in AUTH_MODES.items():
            self.auth.addItem(label, mode)
        self.auth_note = note("", self)
        self.secret = SecretField(lambda: client_secret_name(self.client.text()), object_name="m365Secret",
                                  placeholder="Client secret value (not its ID)")
        # Whether a path is a file is looked up when editing ends, not per keystroke: on a network share that
        # does not answer, each look can block the window for seconds.
        self._certificate_seen: tuple[str, bool] = ("", False)  # the path last looked up, and whether it is a file
        self.certificate = CheckedField(self._certificate_problem, placeholder="/path/to/app-certificate.pem",
                                        name="m365Certificate")
        self.certificate.edit.editingFinished.connect(self._look_up_certificate)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        certificate_row = self.certificate_row = QWidget(self)
        row = QHBoxLayout(certificate_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.certificate, 1)
        row.addWidget(browse)
        self.passphrase = SecretField(lambda: certificate_passphrase_name(self.client.text()),
                                      object_name="m365Passphrase", placeholder="Only if the key file is encrypted")
        self.mailbox = CheckedField(v.mailbox, placeholder="support@contoso.com", name="m365Mailbox")
        self.cloud = QComboBox(self)
        self.cloud.setObjectName("m365Cloud")
        for key in CLOUDS:
            self.cloud.addItem(CLOUD_LABELS.get(key, key), key)
        # Optional: show the console's work to everyone who opens the mailbox in Outlook.
        self.processed_category = CheckedField(_no_problem, placeholder="e.g. EmailBot: handled (empty: none)",
                                               name="m365ProcessedCategory")
        self.processed_folder = CheckedField(_no_problem, placeholder="e.g. archive, or a folder id (empty: stays)",
                                             name="m365ProcessedFolder")
        self.auth.setMaximumWidth(320)
        self.cloud.setMaximumWidth(320)
        form = QFormLayout()
        form.addRow("Directory (tenant) ID", self.tenant)
        form.addRow("Application (client) ID", self.client)
        form.addRow("Sign-in", self.auth)
        form.addRow("", self.auth_note)
        form.addRow("Client secret", self.secret)
        form.addRow("Certificate (PEM)", certificate_row)
        form.addRow("Key passphrase", self.passphrase)
        form.addRow("Shared mailbox", self.mailbox)
        form.addRow("Cloud", self.cloud)
        form.addRow("Tag handled mail", self.processed_category)
        form.addRow("Move handled mail to", self.processed_folder)
        self._form = form
        self.sign_in = SignInPanel(ctx.runner, ctx.draft_settings, lambda: ctx.secrets, ctx.signer,
                                   problem=self._sign_in_problem, parent=self)
        form.addRow("Operator sign-in", self.sign_in)
        self.test = self.connection_test("mail")
        group = QVBoxLayout(self.m365)
        group.addWidget(note("Find these in the Microsoft Entra admin center under App registrations → your app → "
                             "Overview. The test signs in and checks each permission; it sends nothing.", self))
        group.addLayout(form)
        group.addWidget(self.test)

        self.imap = ImapForm(self)
        self.imap_test = self.connection_test("mail")
        self.imap.layout_.addWidget(self.imap_test)

        self.gmail = GmailForm(ctx, self)
        self.gmail_test = self.connection_test("mail")
        self.gmail.layout_.addWidget(self.gmail_test)

        self.restart_note = note("The mail source is connected when the console starts: this change takes "
                                 "effect after a restart.", self, role="error", name="restartNote")
        self.restart_note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(choices)
        layout.addWidget(self.m365)
        layout.addWidget(self.gmail)
        layout.addWidget(self.imap)
        layout.addWidget(self.restart_note)
        layout.addStretch(1)

        for field in (self.tenant, self.client, self.certificate, self.mailbox, self.processed_category,
                      self.processed_folder):
            field.changed.connect(self._changed)
        for field in (*self.imap.checked_fields(), self.imap.smtp_username, self.imap.sent_folder):
            field.changed.connect(self._changed)
        for secret in (self.secret, self.passphrase, *self.imap.secret_fields()):
            secret.changed.connect(self._changed)
        for combo in (self.imap.imap_security, self.imap.smtp_security):
            combo.currentIndexChanged.connect(self._changed)
        for spin in (self.imap.imap_port, self.imap.smtp_port):
            spin.valueChanged.connect(self._changed)
        self.imap.append_sent.toggled.connect(self._changed)
        self.gmail.changed.connect(self._changed)
        self.client.edit.editingFinished.connect(self._client_changed)
        self.auth.currentIndexChanged.connect(self._changed)
        self.cloud.currentIndexChanged.connect(self._changed)
        self.sources.buttonToggled.connect(lambda *_: self._changed())

    # -- values ---------------------------------------------------------------------------------------

    def source(self) -> str:
        for key, button in self.source_buttons.items():
            if button.isChecked():
                return key
        return M365 if DEMO not in self.source_buttons else DEMO

    def auth_mode(self) -> str:
        return str(self.auth.currentData())

    def load(self, settings: Settings) -> None:
        self._loaded = settings
        source = settings.mail_source if settings.mail_source in self.source_buttons else M365
        if source not in self.source_buttons:
            source = next(iter(self.source_buttons))
        self.source_buttons[source].setChecked(True)
        self.tenant.set_text(settings.m365_tenant_id)
        self.client.set_text(settings.m365_client_id)
        self.mailbox.set_text(settings.target_mailbox)
        self.certificate.set_text(settings.m365_certificate_path)
        self._look_up_certificate()
        self.processed_category.set_text(settings.m365_processed_category)
        self.processed_folder.set_text(settings.m365_processed_folder)
        _select(self.auth, settings.m365_auth_mode)
        _select(self.cloud, settings.m365_cloud)
        self.imap.load(settings)
        self.gmail.load(settings)
        self._changed()

    def apply(self, settings: Settings) -> Settings:
        settings = self.gmail.apply(self.imap.apply(settings))
        return replace(settings, mail_source=self.source(), m365_tenant_id=self.tenant.text(),
                       m365_client_id=self.client.text(), target_mailbox=self.mailbox.text(),
                       m365_auth_mode=self.auth_mode(), m365_cloud=str(self.cloud.currentData()),
                       m365_certificate_path=self.certificate.text(),
                       m365_processed_category=self.processed_category.text().strip(),
                       m365_processed_folder=self.processed_folder.text().strip())

    def errors(self) -> list[str]:
        if self.source() == IMAP:
            return self.imap.errors()
        if self.source() == GMAIL:
            return self.gmail.errors()
        if self.source() != M365:
            return []
        problems = [f.error() for f in (self.tenant, self.client, self.mailbox) if f.error()]
        mode = self.auth_mode()
        if mode == AuthMode.APP_SECRET.value and not self.secret.has_value():
            problems.append("Enter the client secret.")
        if mode == AuthMode.APP_CERTIFICATE.value and self.certificate.error():
            problems.append(self.certificate.error())
        return problems

    def reveal(self) -> None:
        for field in (self.tenant, self.client, self.mailbox, self.certificate, *self.imap.checked_fields(),
                      *self.gmail.checked_fields()):
            field.reveal()

    def secret_fields(self) -> list[SecretField]:
        return [self.secret, self.passphrase, *self.imap.secret_fields(), *self.gmail.secret_fields()]

    def active_secret_fields(self) -> list[SecretField]:
        if self.source() == IMAP:
            return self.imap.secret_fields()
        if self.source() == GMAIL:
            return self.gmail.active_secret_fields()
        if self.source() != M365:
            return []
        return {AuthMode.APP_SECRET.value: [self.secret],
                AuthMode.APP_CERTIFICATE.value: [self.passphrase]}.get(self.auth_mode(), [])

    def restart_needed(self) -> bool:
        if self._loaded is None:
            return False
        fields = ("mail_source", "m365_tenant_id", "m365_client_id", "target_mailbox", "m365_auth_mode",
                  "m365_cloud", "m365_certificate_path", "imap_host", "imap_port", "imap_security", "imap_username",
                  "imap_folder", "imap_address", "imap_sent_folder", "imap_append_sent", "smtp_host", "smtp_port",
                  "smtp_security", "smtp_username", "gmail_mailbox", "gmail_auth_mode", "gmail_client_id",
                  "gmail_label", "gmail_initial_sync_days")
        now = self.apply(self._loaded)
        # The running Gmail connection holds its sign-in: a new one (or a new key) is used after a restart.
        new_sign_in = self.source() == GMAIL and self.gmail.holds_new_secret()
        return new_sign_in or any(getattr(now, f) != getattr(self._loaded, f) for f in fields)

    def summary(self, settings: Settings) -> list[str]:
        if settings.mail_source == IMAP:
            reading, sending = (SECURITY_WORDS[Security(settings.imap_security)],
                                SECURITY_WORDS[Security(settings.smtp_security)])
            return [f"Mail: IMAP/SMTP, {settings.imap_username} at {settings.imap_host}:{settings.imap_port} "
                    f"({reading}), folder {settings.imap_folder}; sending through "
                    f"{settings.smtp_host}:{settings.smtp_port} ({sending})"]
        if settings.mail_source == GMAIL:
            how = ("a service account with domain-wide delegation" if settings.gmail_auth_mode == SERVICE_ACCOUNT
                   else "signed in with Google")
            return [f"Mail: Gmail, mailbox {settings.gmail_mailbox} ({how}), label {settings.gmail_label}"]
        if settings.mail_source != M365:
            return [f"Mail: {SOURCE_LABELS.get(settings.mail_source, settings.mail_source)}"]
        return [f"Mail: Microsoft 365, mailbox {settings.target_mailbox} "
                f"({AUTH_MODES.get(settings.m365_auth_mode, settings.m365_auth_mode).lower()}, "
                f"{CLOUD_LABELS.get(settings.m365_cloud, settings.m365_cloud).split(' (')[0].lower()} cloud)"]

    # -- behaviour ------------------------------------------------------------------------------------

    def _sign_in_problem(self) -> str:
        problems = [f.error() for f in (self.tenant, self.client, self.mailbox) if f.error()]
        if problems:
            self.reveal()
        return problems[0] if problems else ""

    def _certificate_problem(self, text: str) -> str:
        if self.auth_mode() != AuthMode.APP_CERTIFICATE.value:
            return ""
        if not text.strip():
            return "Choose the PEM file with the certificate's private key."
        path, found = self._certificate_seen
        return "There is no file at this path." if path == text.strip() and not found else ""

    def _look_up_certificate(self) -> None:
        path = self.certificate.text()
        self._certificate_seen = path, bool(path) and Path(path).expanduser().is_file()
        self.certificate.recheck()

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Choose the certificate's private key (PEM)")
        dialog.setNameFilters(["PEM files (*.pem *.key *.crt)", "All files (*)"])
        dialog.fileSelected.connect(self._certificate_chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _certificate_chosen(self, path: str) -> None:
        self.certificate.set_text(path)
        self._look_up_certificate()
        self.certificate.reveal()

    def _client_changed(self) -> None:
        for field in (self.secret, self.passphrase):  # their entries are named after the client id
            self.ctx.refresh_secret(field)

    def _changed(self) -> None:
        m365 = self.source() == M365
        self.m365.setVisible(m365)
        self.imap.setVisible(self.source() == IMAP)
        self.gmail.setVisible(self.source() == GMAIL)
        mode = self.auth_mode()
        self.auth_note.setText(AUTH_NOTES.get(mode, ""))
        self._form.setRowVisible(self.secret, mode == AuthMode.APP_SECRET.value)
        self._form.setRowVisible(self.passphrase, mode == AuthMode.APP_CERTIFICATE.value)
        self._form.setRowVisible(self.sign_in, mode == AuthMode.DELEGATED.value)  # app-only: Teams signs in
        self._form.setRowVisible(self.certificate_row, mode == AuthMode.APP_CERTIFICATE.value)
        self.certificate.recheck()  # whether a certificate is needed depends on the mode
        self.restart_note.setVisible(self._note_restart and self.restart_needed())
        self.changed.emit()


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def _no_problem(_text: str) -> str:
    return ""
