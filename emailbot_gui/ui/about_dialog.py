"""Help > About: the app's name, version and licence, and the licences of the third-party software shipped with it.

The list comes from `resources/licenses/THIRD_PARTY.txt`: generated at build time from what PyInstaller
collected (packaging/third_party_licenses.py, called by emailbot.spec), with a checked-in copy for runs from
source. Each component is a block that starts with a line of 79 "=" and has `Name:`/`Version:`/`Licence:` header
lines, then a line of 79 "-", then the licence text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui import APP_NAME, __version__
from emailbot_gui.config.paths import resources_dir
from emailbot_gui.ui.style import app_icon

LICENCE = "MIT"  # the project's own licence, as in pyproject.toml (tests/test_packaging.py keeps them equal)
ENTRY_RULE = "=" * 79
HEADER_RULE = "-" * 79


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    version: str
    licence: str
    text: str

    @property
    def title(self) -> str:
        version = f" {self.version}" if self.version and self.version != "-" else ""
        return f"{self.name}{version} — {self.licence}"


def third_party_file() -> Path:
    return resources_dir() / "licenses" / "THIRD_PARTY.txt"


def parse_third_party(text: str) -> list[Component]:
    components = []
    for block in text.split(f"\n{ENTRY_RULE}\n")[1:]:
        head, _, body = block.partition(f"\n{HEADER_RULE}\n")
        fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        if "Name" in fields:
            components.append(Component(fields["Name"], fields.get("Version", ""), fields.get("Licence", ""),
                                        body.strip()))
    return components


def load_components(path: Path | None = None) -> list[Component]:
    try:
        return parse_third_party((path or third_party_file()).read_text(encoding="utf-8"))
    except OSError:
        return []


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, licences: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.resize(760, 560)
        self.components = load_components(licences)

        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.summary = QLabel(
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Watches the support mailbox, classifies every email, gathers what is known about the sender and "
            "proposes a reply or an escalation. Nothing is sent until an operator approves it.</p>"
            f"<p>Licence: {LICENCE}.<br>{self._shipped_line()}</p>", self)
        self.summary.setObjectName("aboutSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(self.summary, 1)

        self.component_list = QListWidget(self)
        self.component_list.setObjectName("thirdPartyList")
        self.component_list.addItems([c.title for c in self.components])
        self.licence_text = QPlainTextEdit(self)
        self.licence_text.setObjectName("licenceText")
        self.licence_text.setReadOnly(True)
        self.licence_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.component_list.currentRowChanged.connect(self._show_licence)
        splitter = QSplitter(self)
        splitter.addWidget(self.component_list)
        splitter.addWidget(self.licence_text)
        splitter.setSizes([300, 460])

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        if self.components:
            self.component_list.setCurrentRow(0)
        else:
            splitter.hide()

    def _shipped_line(self) -> str:
        if not self.components:
            return "The list of third-party licences is missing from this installation."
        shipped = [c for c in self.components if c.version != "-"]  # "-": a standard licence text, not a component
        return f"It ships {len(shipped)} third-party components under their own licences, listed below."

    def _show_licence(self, row: int) -> None:
        if 0 <= row < len(self.components):
            self.licence_text.setPlainText(self.components[row].text or "(no licence text shipped)")


def about_box(parent: QWidget) -> AboutDialog:
    """What Help > About opens (same name and use as the message box it replaces: `open_dialog(about_box(w))`)."""
    return AboutDialog(parent)
