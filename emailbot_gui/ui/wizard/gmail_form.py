"""The Gmail / Google Workspace part of the mail source form: the mailbox, how the console signs in — a
Desktop OAuth client a person signs in with (client id, secret, "Sign in with Google…") or a Workspace service
account (its JSON key file, whose contents go to the keyring, never the settings) — the label polled and how far
back the first sync reads, and how handled mail is marked for colleagues (a label, and/or out of the inbox). See
docs/gmail.md for the Google Cloud side."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.config.secrets import GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN, GMAIL_SERVICE_ACCOUNT_KEY
from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.draft_secrets import ENVIRONMENT
from emailbot_gui.ui.wizard.fields import CheckedField, WrappedLabel, note
from emailbot_gui.ui.wizard.google_sign_in import GoogleSignInPanel
from emailbot_gui.ui.wizard.secret_field import HeldSecret, SecretField
from emailbot_gui.ui.wizard.section import FormContext

INSTALLED_APP, SERVICE_ACCOUNT = "installed_app", "service_account"
AUTH_MODES = {INSTALLED_APP: "Sign in with the mailbox's Google account (Desktop OAuth client)",
              SERVICE_ACCOUNT: "Service account with domain-wide delegation (Google Workspace)"}
AUTH_NOTES = {
    INSTALLED_APP: "In Google Cloud, enable the Gmail API and create an OAuth client ID of type Desktop app "
                   "(APIs & Services → Credentials); no redirect URI is needed. Then sign in once, below, with the "
                   "mailbox's own account and allow reading and sending mail.",
    SERVICE_ACCOUNT: "A Workspace service account acts as the mailbox: in the Admin console, allow its client ID "
                     "for gmail.modify and gmail.send (Security → API controls → Domain-wide delegation). Choose its "
                     "JSON key file: its contents are kept in the system keyring; the file is not needed afterwards.",
}
MAX_KEY_BYTES = 64 * 1024  # a service account key is about 2.3 kB


def read_service_account_key(path: Path) -> tuple[str, str]:
    """(the key's client_email, the file's text); ValueError says in words what is wrong with the file."""
    from emailbot_gui.connectors.gmail import GmailAuthError, ServiceAccountKey

    try:
        if path.stat().st_size > MAX_KEY_BYTES:
            raise ValueError("This file is too large to be a service account key.")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"The file cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError("This is not a JSON key file.") from None
    try:
        key = ServiceAccountKey.from_json(text)
    except GmailAuthError as exc:
        raise ValueError(f"This is not a usable key: {exc}.") from None
    return key.client_email, text


class GmailForm(QGroupBox):
    changed = Signal()

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__("Gmail / Google Workspace", parent)
        self.mailbox = CheckedField(v.mailbox, placeholder="support@example.com", name="gmailMailbox")
        self.mode = QComboBox(self)
        self.mode.setObjectName("gmailAuthMode")
        for mode, label in AUTH_MODES.items():
            self.mode.addItem(label, mode)
        self.mode_note = note("", self)
        self.client = CheckedField(v.google_client_id, placeholder="1234567890-abc….apps.googleusercontent.com",
                                   name="gmailClientId")
        self.client_secret = SecretField(lambda: GMAIL_CLIENT_SECRET, object_name="gmailClientSecret",
                                         placeholder="The OAuth client's secret (GOCSPX-…)")
        self.refresh_token = HeldSecret(GMAIL_REFRESH_TOKEN, object_name="gmailRefreshToken", parent=self)
        self.sign_in = GoogleSignInPanel(ctx.runner, ctx.draft_settings, ctx.draft_secrets, ctx.google_signer,
                                         problem=self._sign_in_problem, parent=self)
        self.key = HeldSecret(GMAIL_SERVICE_ACCOUNT_KEY, object_name="gmailServiceAccountKey", parent=self)
        self.key_file = QLineEdit(self)
        self.key_file.setObjectName("gmailKeyFile")
        self.key_file.setReadOnly(True)
        self.key_file.setPlaceholderText("Choose the service account's JSON key file")
        browse = self.browse_button = QPushButton("Choose key file…", self)
        browse.setObjectName("gmailKeyBrowse")
        browse.clicked.connect(self._browse)
        self.key_row = QWidget(self)
        row = QHBoxLayout(self.key_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.key_file, 1)
        row.addWidget(browse)
        self.key_state = WrappedLabel("", self)
        self.key_state.setObjectName("gmailKeyState")
        self._key_problem = ""
        self._key_email = ""
        self.label = CheckedField(lambda t: v.required(t, "label"), placeholder="INBOX", name="gmailLabel")
        self.sync_days = QSpinBox(self)
        self.sync_days.setObjectName("gmailSyncDays")
        self.sync_days.setRange(0, 3650)
        self.sync_days.setSuffix(" days")
        self.sync_days.setSpecialValueText("everything in the label")
        self.sync_days.setMaximumWidth(220)
        self.mode.setMaximumWidth(480)
        # Optional: show the console's work to everyone who opens the mailbox in Gmail.
        self.processed_label = CheckedField(v.gmail_label, placeholder="e.g. EmailBot/Handled (empty: none)",
                                            name="gmailProcessedLabel")
        self.archive_handled = QCheckBox("Archive handled mail (take it out of the inbox)", self)
        self.archive_handled.setObjectName("gmailArchiveHandled")

        form = self._form = QFormLayout()
        form.addRow("Mailbox", self.mailbox)
        form.addRow("Sign-in", self.mode)
        form.addRow("", self.mode_note)
        form.addRow("OAuth client ID", self.client)
        form.addRow("Client secret", self.client_secret)
        form.addRow("Google sign-in", self.sign_in)
        form.addRow("Key file", self.key_row)
        form.addRow("", self.key_state)
        form.addRow("Label", self.label)
        form.addRow("First sync reads", self.sync_days)
        form.addRow("Tag handled mail", self.processed_label)
        form.addRow("", self.archive_handled)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(note("Gmail and Google Workspace through the Gmail API: no app password. (With an app "
                                    "password, choose IMAP / SMTP above instead.) The test gets a token, checks the "
                                    "granted access and reads the mailbox's profile; it sends nothing.", self))
        self.layout_.addLayout(form)

        for field in (self.mailbox, self.client, self.label, self.processed_label):
            field.changed.connect(self.changed)
        self.archive_handled.toggled.connect(self.changed)
        for secret in (self.client_secret, self.refresh_token, self.key):
            secret.changed.connect(self.changed)
        self.client.changed.connect(self._client_changed)
        self.refresh_token.changed.connect(self._show_sign_in)
        self.key.changed.connect(self._show_key)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.sync_days.valueChanged.connect(self.changed)
        self.sign_in.signed_in.connect(self._signed_in)
        self._mode_changed()

    # -- values ---------------------------------------------------------------------------------------

    def auth_mode(self) -> str:
        return str(self.mode.currentData())

    def load(self, s: Settings) -> None:
        self.mailbox.set_text(s.gmail_mailbox)
        index = self.mode.findData(s.gmail_auth_mode)
        self.mode.setCurrentIndex(max(index, 0))
        self.client.set_text(s.gmail_client_id)
        self.label.set_text(s.gmail_label)
        self.sync_days.setValue(s.gmail_initial_sync_days)
        self.processed_label.set_text(s.gmail_processed_label)
        self.archive_handled.setChecked(s.gmail_archive_handled)

    def apply(self, s: Settings) -> Settings:
        return replace(s, gmail_mailbox=self.mailbox.text(), gmail_auth_mode=self.auth_mode(),
                       gmail_client_id=self.client.text(), gmail_label=self.label.text() or "INBOX",
                       gmail_initial_sync_days=self.sync_days.value(),
                       gmail_processed_label=self.processed_label.text().strip(),
                       gmail_archive_handled=self.archive_handled.isChecked())

    def errors(self) -> list[str]:
        problems = [f.error() for f in (self.mailbox, self.label, self.processed_label) if f.error()]
        if self.auth_mode() == SERVICE_ACCOUNT:
            if not self.key.has_value():
                problems.append(self._key_problem or "Choose the service account's JSON key file.")
            return problems
        if self.client.error():
            problems.append(self.client.error())
        if not self.client_secret.has_value():
            problems.append("Enter the client secret.")
        if not self.refresh_token.has_value():
            problems.append("Sign in with Google.")
        return problems

    def checked_fields(self) -> list[CheckedField]:
        return [self.mailbox, self.client, self.label, self.processed_label]

    def secret_fields(self) -> list[SecretField]:
        return [self.client_secret, self.refresh_token, self.key]

    def active_secret_fields(self) -> list[SecretField]:
        if self.auth_mode() == SERVICE_ACCOUNT:
            return [self.key]
        return [self.client_secret, self.refresh_token]

    def holds_new_secret(self) -> bool:
        """A sign-in or a key not saved yet: the running console picks it up after a restart."""
        return any(f.typed() for f in self.active_secret_fields())

    # -- service account key --------------------------------------------------------------------------

    def load_key_file(self, path: str) -> None:
        try:
            email, text = read_service_account_key(Path(path).expanduser())
        except ValueError as exc:
            self._key_problem = str(exc)
            self._key_email = ""
            self.key.hold("")
        else:
            self._key_problem = ""
            self._key_email = email
            self.key.hold(text)
        self.key_file.setText(path)
        self._show_key()

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Choose the service account's JSON key file")
        dialog.setNameFilters(["JSON key files (*.json)", "All files (*)"])
        dialog.fileSelected.connect(self.load_key_file)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _show_key(self) -> None:
        if self._key_problem:
            text, role = self._key_problem, "error"
        elif self.key.typed():
            text, role = (f"Key of {self._key_email}. Its contents are kept in the system keyring once you save; "
                          "the file's path is not kept."), "muted"
        elif self.key.is_saved():
            text, role = ("A key is set by the environment variable EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY."
                          if self.key.source() == ENVIRONMENT else
                          "A key is saved in the system keyring. Choose a file to replace it."), "muted"
        else:
            text, role = "", "muted"
        self.key_state.setText(text)
        self.key_state.setProperty("role", role)
        self.key_state.style().polish(self.key_state)

    # -- sign-in --------------------------------------------------------------------------------------

    def _sign_in_problem(self) -> str:
        problems = [f.error() for f in (self.mailbox, self.client) if f.error()]
        if not self.client_secret.has_value():
            problems.append("Enter the client secret.")
        if problems:
            for field in (self.mailbox, self.client):
                field.reveal()
        return problems[0] if problems else ""

    def _signed_in(self, tokens: Any) -> None:
        self.refresh_token.hold(str(tokens.refresh_token))

    def _client_changed(self) -> None:
        if self.refresh_token.typed():  # a refresh token works only with the client that obtained it
            self.refresh_token.hold("")
            self.sign_in.show_state("skipped", "The client ID changed: sign in again.")

    def _show_sign_in(self) -> None:
        if self.refresh_token.typed() or self.sign_in.running:
            return
        if self.refresh_token.is_saved():
            self.sign_in.show_state("ok", "Signed in earlier; the sign-in is kept in the system keyring. Sign in "
                                          "again to use another account.")

    def _mode_changed(self) -> None:
        installed = self.auth_mode() == INSTALLED_APP
        self.mode_note.setText(AUTH_NOTES[self.auth_mode()])
        for widget in (self.client, self.client_secret, self.sign_in):
            self._form.setRowVisible(widget, installed)
        self._form.setRowVisible(self.key_row, not installed)
        self._form.setRowVisible(self.key_state, not installed)
        self._show_key()
        self.changed.emit()
