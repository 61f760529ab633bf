"""General settings the Settings dialog adds to what the wizard asks: the operator's name in the audit
trail, how long a decision can be undone, how often the mailbox is polled and how often the integrations'
health is re-checked."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from emailbot_gui.config.settings import UNDO_SECONDS_MAX, Settings
from emailbot_gui.ui.wizard.fields import note
from emailbot_gui.ui.wizard.section import FormContext, SettingsSection


class GeneralSection(SettingsSection):
    title = "General"
    key = "general"

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.operator = QLineEdit(self)
        self.operator.setObjectName("operatorName")
        self.operator.setPlaceholderText("Empty: your account's name")
        self.polling = QDoubleSpinBox(self)
        self.polling.setObjectName("pollingMinutes")
        self.polling.setRange(0.1, 1440)
        self.polling.setDecimals(2)
        self.polling.setSuffix(" min")
        self.undo = QSpinBox(self)
        self.undo.setObjectName("undoSeconds")
        self.undo.setRange(0, UNDO_SECONDS_MAX)
        self.undo.setSuffix(" s")
        self.undo.setSpecialValueText("Off: send at once")
        self.health = QSpinBox(self)
        self.health.setObjectName("healthMinutes")
        self.health.setRange(1, 1440)
        self.health.setSuffix(" min")
        for widget in (self.polling, self.health):
            widget.setMaximumWidth(140)
        self.undo.setMaximumWidth(160)
        self.operator.setMaximumWidth(360)
        form = QFormLayout()
        form.addRow("Your name", self.operator)
        form.addRow("Time to undo a decision", self.undo)
        form.addRow("Check for new mail every", self.polling)
        form.addRow("Re-check integrations every", self.health)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(note("Your name is recorded in the audit trail with every decision you make. An "
                              "approved reply or escalation waits the time to undo before it leaves, and "
                              "Ctrl+Z takes a decision back until then.", self))
        layout.addStretch(1)
        self.operator.textChanged.connect(self.changed)
        self.polling.valueChanged.connect(self.changed)
        self.undo.valueChanged.connect(self.changed)
        self.health.valueChanged.connect(self.changed)

    def load(self, settings: Settings) -> None:
        self.operator.setText(settings.operator_name)
        self.polling.setValue(settings.polling_interval_minutes)
        self.undo.setValue(round(settings.undo_seconds))
        self.health.setValue(max(1, round(settings.health_check_interval / 60)))

    def apply(self, settings: Settings) -> Settings:
        minutes = self.health.value()
        # Keep an interval set in seconds (say from EMAILBOT_HEALTH_CHECK_INTERVAL) unless it was changed here.
        interval = settings.health_check_interval if round(settings.health_check_interval / 60) == minutes \
            else minutes * 60.0
        polling = settings.polling_interval_minutes
        if abs(polling - self.polling.value()) >= 0.005:  # shown with two decimals: keep a finer value as is
            polling = round(self.polling.value(), 2)
        undo = settings.undo_seconds if round(settings.undo_seconds) == self.undo.value() else float(self.undo.value())
        return replace(settings, operator_name=self.operator.text().strip(), polling_interval_minutes=polling,
                       health_check_interval=interval, undo_seconds=undo)
