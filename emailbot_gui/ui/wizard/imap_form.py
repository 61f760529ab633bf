"""The IMAP / SMTP part of the mail source form: where to read (IMAP host, security, port, user, password,
folder) and where to send (SMTP host, security, port, optionally another user and password), the mailbox's
address, where sent mail is filed, and how handled mail is marked for colleagues (a flag or keyword, and/or
another folder). Choosing a security sets its usual port, unless a port was typed."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.config.secrets import IMAP_PASSWORD, SMTP_PASSWORD
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.imap.config import IMAP_PORTS, SMTP_PORTS, Security
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.fields import CheckedField, note
from emailbot_gui.ui.wizard.secret_field import SecretField

SECURITY_LABELS = {Security.SSL.value: "SSL/TLS", Security.STARTTLS.value: "STARTTLS",
                   Security.NONE.value: "None (only a server on this computer)"}


class ImapForm(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("IMAP / SMTP", parent)
        self.imap_host = CheckedField(lambda t: v.host(t, "IMAP server"), placeholder="imap.example.com",
                                      name="imapHost")
        self.imap_security, self.imap_port = _security("imapSecurity", IMAP_PORTS, self), _port("imapPort", self)
        self.username = CheckedField(lambda t: v.required(t, "user name"), placeholder="support@example.com",
                                     name="imapUser")
        self.password = SecretField(lambda: IMAP_PASSWORD, object_name="imapPassword",
                                    placeholder="Password (Gmail: an app password)")
        self.folder = CheckedField(lambda t: v.required(t, "folder"), placeholder="INBOX", name="imapFolder")
        self.address = CheckedField(self._address_problem, placeholder="empty: the user name", name="imapAddress")
        self.smtp_host = CheckedField(lambda t: v.host(t, "SMTP server"), placeholder="smtp.example.com",
                                      name="smtpHost")
        self.smtp_security, self.smtp_port = _security("smtpSecurity", SMTP_PORTS, self), _port("smtpPort", self)
        self.smtp_username = CheckedField(lambda _t: "", placeholder="empty: the IMAP user name", name="smtpUser")
        self.smtp_password = SecretField(lambda: SMTP_PASSWORD, object_name="smtpPassword",
                                         placeholder="Only if SMTP has another password")
        self.sent_folder = CheckedField(lambda _t: "", placeholder="empty: the server's Sent folder",
                                        name="imapSentFolder")
        self.append_sent = QCheckBox("File a copy of sent mail there (turn off for Gmail, which files it itself)",
                                     self)
        self.append_sent.setObjectName("imapAppendSent")
        # Optional: show the console's work to everyone who opens the folder in Thunderbird or webmail.
        self.processed_keyword = CheckedField(v.imap_flag, placeholder="e.g. \\Seen, or $EmailBotHandled (empty: none)",
                                              name="imapProcessedKeyword")
        self.processed_folder = CheckedField(lambda t: v.other_folder(t, self.folder.text()),
                                             placeholder="e.g. Handled (empty: stays)", name="imapProcessedFolder")
        form = QFormLayout()
        form.addRow("IMAP server", self.imap_host)
        form.addRow("IMAP security", self.imap_security)
        form.addRow("IMAP port", self.imap_port)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        form.addRow("Folder", self.folder)
        form.addRow("Mailbox address", self.address)
        form.addRow("SMTP server", self.smtp_host)
        form.addRow("SMTP security", self.smtp_security)
        form.addRow("SMTP port", self.smtp_port)
        form.addRow("SMTP user name", self.smtp_username)
        form.addRow("SMTP password", self.smtp_password)
        form.addRow("Sent folder", self.sent_folder)
        form.addRow("", self.append_sent)
        form.addRow("Tag handled mail", self.processed_keyword)
        form.addRow("Move handled mail to", self.processed_folder)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(note("Any mail server that speaks IMAP and SMTP. Gmail and Google Workspace work with "
                                    "an app password: imap.gmail.com (993, SSL/TLS) and smtp.gmail.com (465). The "
                                    "test signs in to both and sends nothing.", self))
        self.layout_.addLayout(form)
        self.imap_security.currentIndexChanged.connect(lambda _i: _default_port(self.imap_security, self.imap_port,
                                                                                IMAP_PORTS))
        self.smtp_security.currentIndexChanged.connect(lambda _i: _default_port(self.smtp_security, self.smtp_port,
                                                                                SMTP_PORTS))
        self.username.changed.connect(self.address.recheck)
        self.folder.changed.connect(self.processed_folder.recheck)

    def load(self, s: Settings) -> None:
        self.imap_host.set_text(s.imap_host)
        _select(self.imap_security, s.imap_security)
        self.imap_port.setValue(s.imap_port)
        self.username.set_text(s.imap_username)
        self.folder.set_text(s.imap_folder)
        self.address.set_text(s.imap_address)
        self.smtp_host.set_text(s.smtp_host)
        _select(self.smtp_security, s.smtp_security)
        self.smtp_port.setValue(s.smtp_port)
        self.smtp_username.set_text(s.smtp_username)
        self.sent_folder.set_text(s.imap_sent_folder)
        self.append_sent.setChecked(s.imap_append_sent)
        self.processed_keyword.set_text(s.imap_processed_keyword)
        self.processed_folder.set_text(s.imap_processed_folder)

    def apply(self, s: Settings) -> Settings:
        return replace(s, imap_host=self.imap_host.text(), imap_security=str(self.imap_security.currentData()),
                       imap_port=self.imap_port.value(), imap_username=self.username.text(),
                       imap_folder=self.folder.text() or "INBOX", imap_address=self.address.text(),
                       smtp_host=self.smtp_host.text(), smtp_security=str(self.smtp_security.currentData()),
                       smtp_port=self.smtp_port.value(), smtp_username=self.smtp_username.text(),
                       imap_sent_folder=self.sent_folder.text(), imap_append_sent=self.append_sent.isChecked(),
                       imap_processed_keyword=self.processed_keyword.text().strip(),
                       imap_processed_folder=self.processed_folder.text().strip())

    def errors(self) -> list[str]:
        problems = [f.error() for f in self.checked_fields() if f.error()]
        if not self.password.has_value():
            problems.append("Enter the password.")
        return problems

    def checked_fields(self) -> list[CheckedField]:
        return [self.imap_host, self.username, self.folder, self.address, self.smtp_host, self.processed_keyword,
                self.processed_folder]

    def secret_fields(self) -> list[SecretField]:
        return [self.password, self.smtp_password]

    def _address_problem(self, text: str) -> str:
        if text.strip():
            return v.optional_address(text)
        return "" if "@" in self.username.text() else "Enter the mailbox's address (the user name is not one)."


def _security(name: str, ports: dict[Security, int], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for value, label in SECURITY_LABELS.items():
        combo.addItem(f"{label} — port {ports[Security(value)]}", value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # the longest label shows whole
    combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return combo


def _port(name: str, parent: QWidget) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(1, 65535)
    spin.setMaximumWidth(120)
    return spin


def _default_port(combo: QComboBox, spin: QSpinBox, ports: dict[Security, int]) -> None:
    # Only a port that is one of the usual ones follows the security; a port typed by hand stays.
    if spin.value() in ports.values():
        spin.setValue(ports[Security(str(combo.currentData()))])


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
