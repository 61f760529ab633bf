"""Salesforce: the org's token endpoint, the external client app's id and secret (OAuth 2.0 client
credentials), optionally the instance URL and API version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtWidgets import QWidget

from emailbot_gui.config.secrets import salesforce_secret_name
from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.crm_section import CrmSection
from emailbot_gui.ui.wizard.fields import CheckedField
from emailbot_gui.ui.wizard.secret_field import SecretField
from emailbot_gui.ui.wizard.section import FormContext


def _api_version(text: str) -> str:
    return "" if re.match(r"^v\d{2,3}\.\d$", text.strip()) else "An API version looks like v60.0."


class SalesforceSection(CrmSection):
    key = "salesforce"
    label = "Salesforce"
    enabled_field = "salesforce_enabled"

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Shows the sender's account, contract and open cases, and lets you create a case. "
                              "Uses the OAuth 2.0 client credentials flow: enable it on the external client app "
                              "and choose a Run As user allowed to read contacts, accounts, contracts and cases "
                              "and to create cases.", parent)
        self.token_url = CheckedField(lambda t: v.https_url(t, "token URL"), name="sfTokenUrl",
                                      placeholder="https://yourcompany.my.salesforce.com/services/oauth2/token")
        self.client = CheckedField(lambda t: v.required(t, "consumer key"), name="sfClient",
                                   placeholder="Consumer key of the external client app")
        self.secret = SecretField(lambda: salesforce_secret_name(self.client.text()), object_name="sfSecret",
                                  placeholder="Consumer secret")
        self.instance_url = CheckedField(lambda t: v.https_url(t, "instance URL", optional=True),
                                         name="sfInstanceUrl", placeholder="Empty: the one the token endpoint returns")
        self.api_version = CheckedField(_api_version, name="sfApiVersion", placeholder="v60.0")
        self.form.addRow("Token URL", self.token_url)
        self.form.addRow("Consumer key", self.client)
        self.form.addRow("Consumer secret", self.secret)
        self.form.addRow("Instance URL", self.instance_url)
        self.form.addRow("API version", self.api_version)
        self.add_test()
        self.secret.changed.connect(self.changed)
        self.client.edit.editingFinished.connect(lambda: ctx.refresh_secret(self.secret))

    def load(self, settings: Settings) -> None:
        self.token_url.set_text(settings.salesforce_token_url)
        self.client.set_text(settings.salesforce_client_id)
        self.instance_url.set_text(settings.salesforce_instance_url)
        self.api_version.set_text(settings.salesforce_api_version)
        super().load(settings)

    def apply(self, settings: Settings) -> Settings:
        return replace(settings, salesforce_enabled=self.enabled(), salesforce_token_url=self.token_url.text(),
                       salesforce_client_id=self.client.text(), salesforce_instance_url=self.instance_url.text(),
                       salesforce_api_version=self.api_version.text() or "v60.0")

    def checked_fields(self) -> Sequence[CheckedField]:
        return self.token_url, self.client, self.instance_url, self.api_version

    def field_errors(self) -> list[str]:
        problems = super().field_errors()
        if not self.secret.has_value():
            problems.append("Enter the consumer secret.")
        return problems

    def secret_fields(self) -> list[SecretField]:
        return [self.secret]
