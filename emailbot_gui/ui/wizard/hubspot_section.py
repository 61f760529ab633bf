"""HubSpot: a private app's access token (HubSpot API keys no longer exist), and the pipeline and stage
new tickets go to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtWidgets import QWidget

from emailbot_gui.config.secrets import HUBSPOT_TOKEN
from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.crm_section import CrmSection
from emailbot_gui.ui.wizard.fields import CheckedField, WrappedLabel
from emailbot_gui.ui.wizard.secret_field import SecretField
from emailbot_gui.ui.wizard.section import FormContext

API_KEY_NOTE = ("HubSpot retired its API keys in 2022: an old key no longer works. Create a private app in "
                "HubSpot (Settings → Integrations → Private Apps) with the scopes crm.objects.contacts.read, "
                "crm.objects.companies.read and tickets, and paste its access token (it starts with “pat-”).")


class HubSpotSection(CrmSection):
    key = "hubspot"
    label = "HubSpot"
    enabled_field = "hubspot_enabled"

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Shows the sender's contact, company and open tickets, and lets you create a "
                              "ticket. " + API_KEY_NOTE, parent)
        self.token = SecretField(lambda: HUBSPOT_TOKEN, object_name="hsToken",
                                 placeholder="Private app access token (pat-…)")
        self.token_hint = WrappedLabel("", self)
        self.token_hint.setObjectName("hsTokenHint")
        self.token_hint.setWordWrap(True)
        self.token_hint.setProperty("role", "error")
        self.token_hint.hide()
        self.pipeline = CheckedField(lambda t: v.required(t, "pipeline ID"), name="hsPipeline",
                                     placeholder="0 (the default support pipeline)")
        self.stage = CheckedField(lambda t: v.required(t, "stage ID"), name="hsStage", placeholder="1 (New)")
        self.form.addRow("Access token", self.token)
        self.form.addRow("", self.token_hint)
        self.form.addRow("Ticket pipeline", self.pipeline)
        self.form.addRow("Ticket stage", self.stage)
        self.add_test()
        self.token.changed.connect(self._token_changed)

    def load(self, settings: Settings) -> None:
        self.pipeline.set_text(settings.hubspot_ticket_pipeline)
        self.stage.set_text(settings.hubspot_ticket_stage)
        super().load(settings)

    def apply(self, settings: Settings) -> Settings:
        return replace(settings, hubspot_enabled=self.enabled(), hubspot_ticket_pipeline=self.pipeline.text(),
                       hubspot_ticket_stage=self.stage.text())

    def checked_fields(self) -> Sequence[CheckedField]:
        return self.pipeline, self.stage

    def field_errors(self) -> list[str]:
        problems = super().field_errors()
        if not self.token.has_value():
            problems.append("Enter the private app access token.")
        return problems

    def secret_fields(self) -> list[SecretField]:
        return [self.token]

    def _token_changed(self) -> None:
        typed = self.token.typed()
        # Private app tokens start with "pat-"; a GUID-like value is almost certainly a retired API key.
        old_key = bool(typed) and not typed.startswith("pat-")
        self.token_hint.setText("This does not look like a private app access token (“pat-…”). If it is an "
                                "old HubSpot API key, it will be refused: HubSpot no longer accepts API keys."
                                if old_key else "")
        self.token_hint.setVisible(old_key)
        self.changed.emit()
