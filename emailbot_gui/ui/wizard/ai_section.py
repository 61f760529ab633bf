"""How emails are classified and replies drafted: the local classifier (offline, learns from the
operator's corrections) or OpenAI / any OpenAI-compatible server (key, model, base URL, limits)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.config.secrets import OPENAI_API_KEY
from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.fields import CheckedField, note
from emailbot_gui.ui.wizard.secret_field import SecretField
from emailbot_gui.ui.wizard.section import FormContext, SettingsSection

MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4.1")


class AiSection(SettingsSection):
    title = "AI"
    key = "openai"

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.local_button = QRadioButton("Local classifier — runs on this computer, no data leaves it, "
                                         "learns from your corrections", self)
        self.local_button.setObjectName("aiLocal")
        self.openai_button = QRadioButton("OpenAI, or an OpenAI-compatible server (Azure OpenAI, a company "
                                          "proxy, a local model server)", self)
        self.openai_button.setObjectName("aiOpenAI")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.local_button)
        self.choice.addButton(self.openai_button)

        self.openai = QGroupBox("OpenAI", self)
        self.key_field = SecretField(lambda: OPENAI_API_KEY, object_name="openaiKey", placeholder="sk-…")
        self.model = QComboBox(self)
        self.model.setObjectName("openaiModel")
        self.model.setEditable(True)
        self.model.addItems(MODELS)
        self.base_url = CheckedField(lambda t: v.https_url(t, "base URL", optional=True),
                                     placeholder="Empty: api.openai.com — or e.g. https://proxy.example.com/v1",
                                     name="openaiBaseUrl")
        self.max_tokens = QSpinBox(self)
        self.max_tokens.setObjectName("openaiMaxTokens")
        self.max_tokens.setRange(1, 32_000)  # what the settings accept
        self.max_tokens.setSingleStep(100)
        self.max_tokens.setSuffix(" tokens")
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setObjectName("openaiTemperature")
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip("0 = the same answer every time; higher = more varied replies")
        for widget in (self.max_tokens, self.temperature):
            widget.setMaximumWidth(160)
        self.model.setMaximumWidth(260)
        form = QFormLayout()
        form.addRow("API key", self.key_field)
        form.addRow("Model", self.model)
        form.addRow("Base URL", self.base_url)
        form.addRow("Max. reply length", self.max_tokens)
        form.addRow("Temperature", self.temperature)
        self.test = self.connection_test("openai", label="Test the AI")
        group = QVBoxLayout(self.openai)
        group.addWidget(note("The subject and text of each email are sent to this service to classify it and "
                             "draft a reply. If it is down or out of quota, the local classifier takes over and "
                             "the email is marked as such. Tokens and cost are shown in the status bar.", self))
        group.addLayout(form)
        group.addWidget(self.test)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.local_button)
        layout.addWidget(self.openai_button)
        layout.addWidget(self.openai)
        layout.addStretch(1)

        self.choice.buttonToggled.connect(lambda *_: self._changed())
        self.key_field.changed.connect(self._changed)
        self.base_url.changed.connect(self._changed)
        self.model.currentTextChanged.connect(self._changed)
        self.max_tokens.valueChanged.connect(self._changed)
        self.temperature.valueChanged.connect(self._changed)

    def enabled(self) -> bool:
        return self.openai_button.isChecked()

    def load(self, settings: Settings) -> None:
        (self.openai_button if settings.openai_enabled else self.local_button).setChecked(True)
        self.model.setCurrentText(settings.openai_model)
        self.base_url.set_text(settings.openai_base_url)
        self.max_tokens.setValue(settings.openai_max_tokens)
        self.temperature.setValue(settings.openai_temperature)
        self._changed()

    def apply(self, settings: Settings) -> Settings:
        return replace(settings, openai_enabled=self.enabled(), openai_model=self.model.currentText().strip(),
                       openai_base_url=self.base_url.text(), openai_max_tokens=self.max_tokens.value(),
                       openai_temperature=round(self.temperature.value(), 2))

    def errors(self) -> list[str]:
        if not self.enabled():
            return []
        problems = [self.base_url.error()] if self.base_url.error() else []
        if not self.model.currentText().strip():
            problems.append("Enter the model name.")
        if not self.key_field.has_value() and not self.base_url.text():
            problems.append("Enter the OpenAI API key.")
        return problems

    def reveal(self) -> None:
        self.base_url.reveal()

    def secret_fields(self) -> list[SecretField]:
        return [self.key_field]

    def active_secret_fields(self) -> list[SecretField]:
        return [self.key_field] if self.enabled() else []

    def summary(self, settings: Settings) -> list[str]:
        if not settings.openai_enabled:
            return ["AI: the local classifier (offline)"]
        where = settings.openai_base_url or "api.openai.com"
        return [f"AI: OpenAI model {settings.openai_model} at {where}; the local classifier takes over when "
                "it is unavailable"]

    def _changed(self) -> None:
        self.openai.setVisible(self.enabled())
        self.changed.emit()
