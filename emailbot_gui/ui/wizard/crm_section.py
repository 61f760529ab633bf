"""The frame shared by the CRM sections (Salesforce, HubSpot, customer database): each is optional — a
checkable box whose fields appear when it is switched on — with its own Test connection."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFormLayout, QGroupBox, QVBoxLayout, QWidget

from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.wizard.fields import CheckedField, note
from emailbot_gui.ui.wizard.section import FormContext, SettingsSection


class CrmSection(SettingsSection):
    """Subclasses fill `self.form` and set `enabled_field` (the Settings flag that switches them on)."""

    enabled_field = ""
    label = ""

    def __init__(self, ctx: FormContext, description: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.title = self.label
        self.box = QGroupBox(f"Use {self.label}", self)
        self.box.setObjectName(f"{self.key}Box")
        self.box.setCheckable(True)
        self.box.setChecked(False)
        self.description = note(description, self)
        self.body = QWidget(self.box)
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(0, 0, 0, 0)
        box_layout = QVBoxLayout(self.box)
        box_layout.addWidget(self.description)
        box_layout.addWidget(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        self.box.toggled.connect(self._toggled)

    def add_test(self) -> None:
        """The Test connection row, last; the section's checked fields now signal its changes."""
        self.test = self.connection_test(self.key)
        self.form.addRow("", self.test)
        for field in self.checked_fields():
            field.changed.connect(self.changed)

    def checked_fields(self) -> Sequence[CheckedField]:
        """The section's checked text fields: their changes, problems and reveal are handled here."""
        return ()

    def enabled(self) -> bool:
        return self.box.isChecked()

    def set_enabled(self, enabled: bool) -> None:
        self.box.setChecked(enabled)
        self._toggled(enabled)

    def load(self, settings: Settings) -> None:
        self.set_enabled(bool(getattr(settings, self.enabled_field)))

    def errors(self) -> list[str]:
        return self.field_errors() if self.enabled() else []

    def field_errors(self) -> list[str]:
        return [f.error() for f in self.checked_fields() if f.error()]

    def reveal(self) -> None:
        for field in self.checked_fields():
            field.reveal()

    def active_secret_fields(self) -> list:  # type: ignore[type-arg]
        return self.secret_fields() if self.enabled() else []

    def summary(self, settings: Settings) -> list[str]:
        return [f"{self.label}: {'on' if getattr(settings, self.enabled_field) else 'off'}"]

    def _toggled(self, on: bool) -> None:
        self.body.setVisible(on)
        self.changed.emit()
