"""The wizard's last page: what will be saved where — settings to the settings file, secrets to the
system keyring (by name, never by value) — before the console starts."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget, QWizardPage

from emailbot_gui.config.secrets import secret_label
from emailbot_gui.ui.wizard.fields import WrappedLabel, note


class SummaryPage(QWizardPage):
    def __init__(self, settings_file: Path, *, persistent: bool, parent: QWidget | None = None) -> None:
        """The wizard's `describe()` gives (the settings to save, summary lines, the names of the secrets)."""
        super().__init__(parent)
        self._settings_file = settings_file
        self._persistent = persistent
        self.setTitle("Ready to start")
        self.setSubTitle("Check what will be saved. You can change all of it later in Settings (Ctrl+,).")
        self.setFinalPage(True)
        self.text = WrappedLabel("", self)
        self.text.setObjectName("summaryText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = note("", self, role="error", name="summaryStatus")
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)
        layout.addWidget(self.status)

    def initializePage(self) -> None:
        # Asked of the wizard when shown, not kept as a bound method: a child holding its parent's method makes
        # a reference cycle through the Qt wrappers, and PySide then crashes when the window is deleted.
        settings, lines, secrets = self.wizard().describe()  # type: ignore[attr-defined]
        items = "".join(f"<li style='margin-bottom:6px'>{_line(line)}</li>" for line in lines)
        where = "the system keyring" if self._persistent else "memory for this session only (no system keyring)"
        if secrets:
            stored = ", ".join(secret_label(name) for name in secrets)
            secret_line = f"Secrets go to {where}: {escape(stored)}. They are never written to a file or a log."
        else:
            secret_line = "No new secrets to save."
        start = ("The console starts on the demo mailbox now." if settings.mail_source == "demo"
                 else "The console starts and checks the mailbox for new mail right away.")
        self.text.setText(
            f"<ul style='margin-left:-20px'>{items}</ul>"
            f"<p>{secret_line}</p>"
            f"<p style='color:#57606a'>Other settings are saved to {escape(str(self._settings_file))}.</p>"
            f"<p><b>{escape(start)}</b></p>")
        self.show_status("")

    def show_status(self, text: str, *, error: bool = True) -> None:
        self.status.setProperty("role", "error" if error else "muted")
        self.status.style().polish(self.status)
        self.status.setText(text)
        self.status.setVisible(bool(text))


def _line(line: str) -> str:
    """"Mail: Microsoft 365, …" with the part before the colon in bold."""
    label, sep, rest = line.partition(": ")
    return f"<b>{escape(label)}</b>{sep}{escape(rest)}" if sep else escape(line)
