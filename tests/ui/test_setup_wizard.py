"""The first-run wizard driven as a support lead would: typing, bad values, Test connection (a fake check,
then the real one against the local Graph stand-in), Back/Next, Skip, Finish. Every outcome is read back
from the settings file and the secret store; the secrets must be in the store and nowhere else."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QWizard

from emailbot_gui.config.secrets import (
    HUBSPOT_TOKEN,
    OPENAI_API_KEY,
    MemorySecretStore,
    client_secret_name,
)
from emailbot_gui.config.settings import Settings, load_settings
from emailbot_gui.services.checks import Check
from emailbot_gui.ui.wizard.secret_field import SAVED_TEXT
from emailbot_gui.ui.wizard.setup_wizard import AI, CRM, ESCALATION, MAIL, SUMMARY, WELCOME, SetupWizard
from tests.ui.fake_console import KeyringStandIn

LEFT = Qt.MouseButton.LeftButton
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0e8f8c2a-5d8e-4a43-9b0e-3c1f2a3b4c5d"
CLIENT_SECRET = "Zq8~wizard-Secret.value-42"
OPENAI_KEY = "sk-wizard-test-key-0123456789"
HUBSPOT = "pat-na1-wizard-token-0123"


class FakeTester:
    """Stands in for services.integrations.test_integration; records what it was given. `gate`: the test
    waits for it, so a test can look at the window while the check runs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Settings, dict[str, str | None]]] = []
        self.gate: asyncio.Event | None = None
        self.cancelled = False

    async def __call__(self, name: str, settings: Settings, secrets) -> list[Check]:
        seen = {n: secrets.get(n) for n in (client_secret_name(settings.m365_client_id), OPENAI_API_KEY,
                                            HUBSPOT_TOKEN)}
        self.calls.append((name, settings, seen))
        secrets.set("m365:token-cache:app:x:y", "a token cache the test wrote")  # must not reach the store
        if self.gate is not None:
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        return [Check("Sign-in", "ok", "the app signed in"),
                Check("Mail.Read (application)", "ok", "read the shared mailbox — answered 200"),
                Check("Mail.Send (application)", "failing", "send approved replies — the roles claim lacks it",
                      "Add the application permission Mail.Send and grant admin consent.")]


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


def make_wizard(qtbot, settings_file, secrets, tester=None, settings=None, **kw) -> SetupWizard:
    wizard = SetupWizard(settings or Settings(), secrets, settings_file, tester=tester or FakeTester(), **kw)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, LEFT)


def next_page(qtbot, wizard) -> int:
    before = wizard.currentId()
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled(), f"Next is disabled on page {before}"
    click(qtbot, button)
    qtbot.waitUntil(lambda: wizard.currentId() != before)
    return wizard.currentId()


def finish(qtbot, wizard) -> None:
    click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    qtbot.waitUntil(lambda: wizard.result() == QDialog.DialogCode.Accepted.value, timeout=10_000)


def type_into(qtbot, field, text: str) -> None:
    edit = getattr(field, "edit", field)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def assert_no_secret_in_files(root: Path, *secrets: str) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"a secret was written to {path}"


def test_demo_path_saves_demo_settings_and_no_secret(qtbot, aloop, settings_file, styled_app):
    secrets = KeyringStandIn()
    wizard = make_wizard(qtbot, settings_file, secrets)
    assert wizard.currentId() == WELCOME
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()
    wizard.welcome_page.demo.setFocus()
    qtbot.keyClick(wizard.welcome_page.demo, Qt.Key.Key_Space)  # the keyboard chooses the demo
    assert wizard.welcome_page.wants_demo()
    assert next_page(qtbot, wizard) == SUMMARY  # the demo needs no account: straight to the summary
    summary = wizard.summary_page.text.text()
    assert "Demo mailbox" in summary and "demo mailbox now" in summary
    finish(qtbot, wizard)
    saved = load_settings(settings_file, environ={})
    assert saved.mail_source == "demo" and saved.setup_done
    assert wizard.saved_settings == saved
    assert secrets.writes == []


def test_the_demo_drops_what_was_typed_on_later_pages_before_going_back(qtbot, aloop, settings_file, styled_app):
    secrets = KeyringStandIn()
    wizard = make_wizard(qtbot, settings_file, secrets)
    # As an operator who went ahead, filled in Microsoft 365 and HubSpot, then came back and chose the demo:
    wizard.mail.tenant.set_text("contoso.onmicrosoft.com")
    wizard.mail.client.set_text("11111111-2222-3333-4444-555555555555")
    wizard.hubspot.box.setChecked(True)
    wizard.hubspot.token.edit.setText("pat-na1-typed-then-abandoned")
    wizard.hubspot.pipeline.set_text("12345")
    assert wizard.forms.typed_secrets()  # typed, and would be saved on the HubSpot path
    wizard.welcome_page.demo.setChecked(True)
    settings, lines, secret_names = wizard.describe()
    assert secret_names == [] and not any("HubSpot" in line for line in lines)
    assert not settings.hubspot_enabled and settings.m365_tenant_id == "" and settings.mail_source == "demo"
    assert next_page(qtbot, wizard) == SUMMARY
    assert "HubSpot" not in wizard.summary_page.text.text()
    finish(qtbot, wizard)
    saved = load_settings(settings_file, environ={})
    assert saved.mail_source == "demo" and not saved.hubspot_enabled and saved.hubspot_ticket_pipeline == "0"
    assert saved.m365_tenant_id == "" and secrets.writes == []
    assert_no_secret_in_files(settings_file.parent, "pat-na1-typed-then-abandoned")


def test_microsoft_365_path_validates_tests_and_saves_secrets_to_the_store_only(qtbot, aloop, settings_file,
                                                                                   styled_app):
    secrets = KeyringStandIn()
    tester = FakeTester()
    wizard = make_wizard(qtbot, settings_file, secrets, tester)
    assert next_page(qtbot, wizard) == MAIL
    mail = wizard.mail
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # nothing typed yet
    assert mail.source_buttons["gmail"].isEnabled() and "coming soon" not in mail.source_buttons["gmail"].text()
    assert mail.source_buttons["imap"].isEnabled()

    # A bad value is explained as it is typed, and keeps Next disabled.
    type_into(qtbot, mail.tenant, "not a tenant!")
    assert mail.tenant.problem.isVisible() and "tenant ID looks like" in mail.tenant.problem.text()
    type_into(qtbot, mail.tenant, TENANT)
    assert not mail.tenant.problem.isVisible()
    type_into(qtbot, mail.client, CLIENT)
    type_into(qtbot, mail.mailbox, "support@contoso.com")
    assert next_button.isEnabled()  # the operator's own sign-in needs no secret
    mail.auth.setCurrentIndex(mail.auth.findData("app_secret"))
    assert mail.secret.isVisible() and not next_button.isEnabled()  # now the client secret is required
    type_into(qtbot, mail.secret.edit, CLIENT_SECRET)
    assert mail.secret.edit.echoMode() == mail.secret.edit.EchoMode.Password
    assert next_button.isEnabled()

    click(qtbot, mail.test.button)
    qtbot.waitUntil(lambda: len(mail.test.view.rows) == 3)
    name, tested, seen = tester.calls[-1]
    assert name == "mail" and tested.mail_source == "m365" and tested.m365_tenant_id == TENANT
    assert seen[client_secret_name(CLIENT)] == CLIENT_SECRET  # the typed, unsaved secret is used for the test
    assert [r[0] for r in mail.test.view.rows] == ["ok", "ok", "failing"]
    assert "Mail.Send" in mail.test.view.rows[2][1] and "admin consent" in mail.test.view.rows[2][3]
    assert "1 of 3 checks failed" in mail.test.summary.text()
    assert secrets.writes == []  # testing saves nothing (not even the token cache the check wrote)

    # Back and Next keep what was typed.
    click(qtbot, wizard.button(QWizard.WizardButton.BackButton))
    qtbot.waitUntil(lambda: wizard.currentId() == WELCOME)
    assert next_page(qtbot, wizard) == MAIL
    assert mail.tenant.text() == TENANT and mail.secret.typed() == CLIENT_SECRET

    assert next_page(qtbot, wizard) == AI
    skip = wizard.button(QWizard.WizardButton.CustomButton1)
    assert skip.isVisible()  # optional step
    click(qtbot, wizard.ai.openai_button)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # OpenAI needs its key
    type_into(qtbot, wizard.ai.key_field.edit, OPENAI_KEY)
    wizard.ai.model.setCurrentText("gpt-4.1-mini")
    assert next_page(qtbot, wizard) == CRM

    wizard.hubspot.box.setChecked(True)
    assert "API keys" in wizard.hubspot.description.text() and "private app" in wizard.hubspot.description.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    type_into(qtbot, wizard.hubspot.token.edit, "12345678-old-api-key")
    assert wizard.hubspot.token_hint.isVisible()  # an old API key is recognised and explained
    type_into(qtbot, wizard.hubspot.token.edit, HUBSPOT)
    assert not wizard.hubspot.token_hint.isVisible()
    assert next_page(qtbot, wizard) == ESCALATION

    table = wizard.escalation.table
    outage = next(r for r, (key, _) in enumerate(wizard.escalation.rows) if key == "outage")
    table.item(outage, 1).setText("ops@contoso.com, noc@contoso.com")
    table.item(outage, 3).setText("cio@contoso.com")
    table.item(outage, 2).setText("not-an-address")
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "not-an-address" in wizard.escalation.problem.text()
    table.item(outage, 2).setText("")
    assert next_page(qtbot, wizard) == SUMMARY
    text = wizard.summary_page.text.text()
    assert "support@contoso.com" in text and "gpt-4.1-mini" in text and "HubSpot</b>: on" in text
    assert "Microsoft 365 client secret" in text and "OpenAI API key" in text
    assert CLIENT_SECRET not in text and OPENAI_KEY not in text

    finish(qtbot, wizard)
    saved = load_settings(settings_file, environ={})
    assert saved.setup_done and saved.mail_source == "m365"
    assert (saved.m365_tenant_id, saved.m365_client_id, saved.target_mailbox, saved.m365_auth_mode) == (
        TENANT, CLIENT, "support@contoso.com", "app_secret")
    assert saved.openai_enabled and saved.openai_model == "gpt-4.1-mini"
    assert saved.hubspot_enabled and not saved.salesforce_enabled and not saved.customer_db_enabled
    assert saved.escalation_people == {"outage": ["ops@contoso.com", "noc@contoso.com"],
                                       "outage:CRITICAL": ["cio@contoso.com"]}
    assert secrets.values == {client_secret_name(CLIENT): CLIENT_SECRET, OPENAI_API_KEY: OPENAI_KEY,
                              HUBSPOT_TOKEN: HUBSPOT}
    assert_no_secret_in_files(settings_file.parent, CLIENT_SECRET, OPENAI_KEY, HUBSPOT)
    # The masked fields keep no copy once saved; they now say where the secret is.
    assert mail.secret.edit.text() == "" and wizard.ai.key_field.edit.text() == ""
    assert SAVED_TEXT in mail.secret.saved_label.text()


def test_test_connection_keeps_the_window_responsive_and_can_be_cancelled(qtbot, aloop, settings_file,
                                                                          styled_app):
    tester = FakeTester()
    tester.gate = asyncio.Event()
    settings = Settings(mail_source="m365", m365_tenant_id=TENANT, m365_client_id=CLIENT,
                        target_mailbox="support@contoso.com")
    wizard = make_wizard(qtbot, settings_file, KeyringStandIn(), tester, settings)
    next_page(qtbot, wizard)
    test = wizard.mail.test
    ticks = []
    timer = QTimer(wizard)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    click(qtbot, test.button)
    qtbot.waitUntil(lambda: len(tester.calls) == 1)
    assert test.running and test.busy.isVisible() and test.cancel_button.isVisible()
    assert not test.button.isEnabled()
    qtbot.waitUntil(lambda: len(ticks) >= 5)  # the event loop goes on while the check waits
    type_into(qtbot, wizard.mail.mailbox, "other@contoso.com")  # and the operator can keep typing
    assert wizard.mail.mailbox.text() == "other@contoso.com"
    click(qtbot, test.cancel_button)
    qtbot.waitUntil(lambda: tester.cancelled)
    assert not test.running and test.button.isEnabled() and not test.busy.isVisible()
    assert test.summary.text() == "Test cancelled."
    # A second test runs to the end.
    tester.gate = None
    click(qtbot, test.button)
    qtbot.waitUntil(lambda: len(test.view.rows) == 3)
    timer.stop()


def test_incomplete_fields_are_named_instead_of_testing(qtbot, aloop, settings_file, styled_app):
    tester = FakeTester()
    wizard = make_wizard(qtbot, settings_file, KeyringStandIn(), tester)
    next_page(qtbot, wizard)
    click(qtbot, wizard.mail.test.button)
    assert tester.calls == []
    assert "Complete the fields first" in wizard.mail.test.summary.text()
    assert wizard.mail.tenant.problem.isVisible()  # the fields in question are shown in red


def test_optional_steps_can_be_skipped(qtbot, aloop, settings_file, styled_app):
    settings = Settings(mail_source="m365", m365_tenant_id=TENANT, m365_client_id=CLIENT,
                        target_mailbox="support@contoso.com", openai_enabled=True, salesforce_enabled=True)
    wizard = make_wizard(qtbot, settings_file, KeyringStandIn(), settings=settings)
    next_page(qtbot, wizard)
    assert next_page(qtbot, wizard) == AI
    skip = wizard.button(QWizard.WizardButton.CustomButton1)
    click(qtbot, skip)  # OpenAI was on but has no key: skipping leaves the local classifier
    qtbot.waitUntil(lambda: wizard.currentId() == CRM)
    click(qtbot, skip)
    qtbot.waitUntil(lambda: wizard.currentId() == ESCALATION)
    click(qtbot, skip)
    qtbot.waitUntil(lambda: wizard.currentId() == SUMMARY)
    assert not skip.isVisible()
    finish(qtbot, wizard)
    saved = load_settings(settings_file, environ={})
    assert not saved.openai_enabled and not saved.salesforce_enabled and saved.mail_source == "m365"


def test_cancel_saves_nothing(qtbot, aloop, settings_file, styled_app):
    secrets = KeyringStandIn()
    wizard = make_wizard(qtbot, settings_file, secrets)
    next_page(qtbot, wizard)
    type_into(qtbot, wizard.mail.tenant, TENANT)
    click(qtbot, wizard.button(QWizard.WizardButton.CancelButton))
    assert wizard.result() == QDialog.DialogCode.Rejected.value
    assert not settings_file.exists() and secrets.writes == []


def test_without_a_keyring_the_wizard_says_so_and_keeps_secrets_for_the_session(qtbot, aloop, settings_file,
                                                                                 styled_app):
    session = MemorySecretStore()  # persistent = False: what open_secret_store_or_env gives without a keyring
    wizard = make_wizard(qtbot, settings_file, session, keyring_problem="No usable OS keyring was found.")
    assert wizard.welcome_page.keyring_note.isVisible()
    assert "No usable OS keyring" in wizard.welcome_page.keyring_note.text()
    next_page(qtbot, wizard)
    wizard.mail.auth.setCurrentIndex(wizard.mail.auth.findData("app_secret"))
    assert "EMAILBOT_M365_CLIENT_SECRET" in wizard.mail.secret.session_note.text()
    type_into(qtbot, wizard.mail.tenant, TENANT)
    type_into(qtbot, wizard.mail.client, CLIENT)
    type_into(qtbot, wizard.mail.mailbox, "support@contoso.com")
    type_into(qtbot, wizard.mail.secret.edit, CLIENT_SECRET)
    for _ in range(4):
        next_page(qtbot, wizard)
    assert "memory for this session only" in wizard.summary_page.text.text()
    finish(qtbot, wizard)
    assert session.values == {client_secret_name(CLIENT): CLIENT_SECRET}  # kept for the session, in memory
    assert_no_secret_in_files(settings_file.parent, CLIENT_SECRET)


@pytest.fixture
def keyringless_wizard(qtbot, aloop, settings_file, styled_app):
    settings = Settings(mail_source="m365", m365_tenant_id=TENANT, m365_client_id=CLIENT,
                        target_mailbox="support@contoso.com")
    return make_wizard(qtbot, settings_file, MemorySecretStore(), settings=settings,
                       keyring_problem="No usable OS keyring was found.")


def test_secret_fields_name_the_environment_variable_without_a_keyring(qtbot, keyringless_wizard):
    wizard = keyringless_wizard
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)
    click(qtbot, wizard.ai.openai_button)
    note = wizard.ai.key_field.session_note
    assert note.isVisible() and "EMAILBOT_OPENAI_API_KEY" in note.text() and "until you quit" in note.text()


def test_a_saved_secret_is_never_shown_again_and_can_be_replaced(qtbot, aloop, settings_file, styled_app):
    secrets = KeyringStandIn({OPENAI_API_KEY: "sk-saved-before"})
    settings = Settings(openai_enabled=True, mail_source="m365", m365_tenant_id=TENANT, m365_client_id=CLIENT,
                        target_mailbox="support@contoso.com")
    wizard = make_wizard(qtbot, settings_file, secrets, settings=settings)
    field = wizard.ai.key_field
    qtbot.waitUntil(field.is_saved)
    assert field.saved_row.isVisibleTo(wizard.ai) and not field.edit.isVisibleTo(wizard.ai)
    assert "sk-saved-before" not in field.saved_label.text() and field.edit.text() == ""
    assert field.has_value() and field.typed() == ""
    next_page(qtbot, wizard)
    assert next_page(qtbot, wizard) == AI  # the saved key is enough to go on
    click(qtbot, field.replace_button)
    assert field.edit.isVisible() and field.keep_button.isVisible()
    assert not field.has_value()  # replacing: the new value must be typed
    type_into(qtbot, field.edit, "sk-the-new-one")
    assert field.typed() == "sk-the-new-one"
    click(qtbot, field.keep_button)
    assert field.typed() == "" and field.has_value()


def test_a_save_failure_is_shown_and_the_wizard_stays_open(qtbot, aloop, settings_file, styled_app):
    async def failing_save(settings: Settings) -> None:
        raise OSError("the disk is full")

    wizard = make_wizard(qtbot, settings_file, KeyringStandIn(), save=failing_save)
    wizard.welcome_page.demo.setChecked(True)
    next_page(qtbot, wizard)
    click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    qtbot.waitUntil(lambda: "the disk is full" in wizard.summary_page.status.text())
    assert wizard.isVisible() and wizard.saved_settings is None
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()


def test_settings_values_the_wizard_does_not_show_are_kept(qtbot, aloop, settings_file, styled_app):
    base = Settings(polling_interval_minutes=2.0, m365_graph_endpoint="http://127.0.0.1:9/",
                    escalation_people={"outage:MEDIUM": ["duty@contoso.com"]})
    wizard = make_wizard(qtbot, settings_file, KeyringStandIn(), settings=base)
    final = wizard.final_settings()
    assert final.polling_interval_minutes == 2.0 and final.m365_graph_endpoint == "http://127.0.0.1:9/"
    assert final.escalation_people == {"outage:MEDIUM": ["duty@contoso.com"]}
    assert replace(final, setup_done=False, mail_source="demo") == replace(base, mail_source="demo")


def test_a_secret_looked_up_again_unchanged_is_no_change(qtbot) -> None:
    from emailbot_gui.config.secrets import HUBSPOT_TOKEN
    from emailbot_gui.ui.wizard.draft_secrets import SAVED
    from emailbot_gui.ui.wizard.secret_field import SecretField

    field = SecretField(lambda: HUBSPOT_TOKEN, placeholder="token")
    qtbot.addWidget(field)
    changes: list[None] = []
    field.changed.connect(lambda: changes.append(None))
    field.set_source(SAVED)
    field.set_persistent(False)
    assert len(changes) == 2 and field.is_saved()
    field.set_source(SAVED)  # a focus change looks it up again: a passed connection test must stay valid
    field.set_persistent(False)
    assert len(changes) == 2


def test_the_certificate_path_is_looked_up_when_editing_ends_not_per_keystroke(qtbot, aloop, settings_file, tmp_path,
                                                                               styled_app, monkeypatch):
    wizard = make_wizard(qtbot, settings_file, KeyringStandIn())
    next_page(qtbot, wizard)
    mail = wizard.mail
    mail.auth.setCurrentIndex(mail.auth.findData("app_certificate"))
    looked_up: list[str] = []
    real_is_file = Path.is_file
    pem = tmp_path / "app.pem"

    def is_file(path: Path) -> bool:
        if path.name == pem.name:
            looked_up.append(str(path))
        return real_is_file(path)

    monkeypatch.setattr(Path, "is_file", is_file)

    type_into(qtbot, mail.certificate, str(pem))  # a network share may take seconds to answer each look
    assert looked_up == [] and not mail.certificate.problem.isVisible()
    mail.certificate.edit.editingFinished.emit()  # focus leaves the field, or Enter
    assert looked_up == [str(pem)] and mail.certificate.problem.text() == "There is no file at this path."

    pem.write_text("-----BEGIN PRIVATE KEY-----\n")
    mail.certificate.edit.editingFinished.emit()  # looked up again: the file is there now
    assert not mail.certificate.problem.isVisible() and len(looked_up) == 2
