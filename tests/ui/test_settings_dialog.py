"""The Settings dialog: the wizard's forms reused, secrets to the secret store only, integrations switched
on and off through console.apply_settings (a recording fake, then the real console), restart notes."""

from __future__ import annotations

import json

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt

from emailbot_gui.config.secrets import (
    GMAIL_CLIENT_SECRET,
    GMAIL_REFRESH_TOKEN,
    HUBSPOT_TOKEN,
    IMAP_PASSWORD,
    OPENAI_API_KEY,
)
from emailbot_gui.config.settings import Settings, SettingsError
from emailbot_gui.ui.settings_dialog import SettingsDialog
from emailbot_gui.ui.wizard.secret_field import SAVED_TEXT
from tests.ui.fake_console import FakeSettingsConsole, KeyringStandIn

LEFT = Qt.MouseButton.LeftButton
TOKEN = "pat-na1-settings-dialog-token"


def choose(qtbot, radio) -> None:
    """Click a radio button on its indicator (a wide button does not react to a click past its text)."""
    qtbot.mouseClick(radio, LEFT, pos=QPoint(8, radio.height() // 2))


def open_dialog(qtbot, console) -> SettingsDialog:
    dialog = SettingsDialog(console)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def apply(qtbot, dialog) -> None:
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, LEFT)
    qtbot.waitUntil(lambda: (not dialog._saving and "Sav" in dialog.status.text()) or "Not saved" in
                    dialog.status.text())


def test_opens_clean_and_switches_hubspot_on_and_off_at_runtime(qtbot, aloop, styled_app):
    console = FakeSettingsConsole()
    dialog = open_dialog(qtbot, console)
    assert [dialog.nav.item(i).text() for i in range(dialog.nav.count())] == [
        "General", "Mail source", "AI", "Customer context", "Escalation"]
    assert not dialog.apply_button.isEnabled()  # nothing changed yet
    dialog.show_section("hubspot")
    assert dialog.nav.currentItem().text() == "Customer context"

    dialog.hubspot.box.setChecked(True)
    assert dialog.forms.errors() == ["Enter the private app access token."]
    qtbot.keyClicks(dialog.hubspot.token.edit, TOKEN)
    shown = {f.name() for section in dialog.forms.sections for f in section.secret_fields()}
    qtbot.waitUntil(lambda: shown <= set(console.secrets.reads))  # the dialog's look at what is saved, on opening
    reads = len(console.secrets.reads)
    apply(qtbot, dialog)
    assert dialog.status.text() == "Saved and applied."
    assert len(console.secrets.reads) == reads  # what was just written is not read back from the keyring
    assert console.applied[-1].hubspot_enabled
    assert console.secrets.values == {HUBSPOT_TOKEN: TOKEN}
    assert TOKEN not in repr(console.applied[-1])  # the settings carry no secret
    assert dialog.hubspot.token.edit.text() == "" and SAVED_TEXT in dialog.hubspot.token.saved_label.text()
    assert not dialog.apply_button.isEnabled()

    dialog.hubspot.box.setChecked(False)
    apply(qtbot, dialog)
    assert len(console.applied) == 2 and not console.applied[-1].hubspot_enabled
    assert console.secrets.writes == [HUBSPOT_TOKEN]  # switching off writes no secret
    assert console.secrets_changed == [True, False]  # the console rebuilds unchanged connectors only after a secret


def test_changing_the_mail_source_says_a_restart_is_needed(qtbot, aloop, styled_app):
    console = FakeSettingsConsole(settings=Settings(setup_done=True), restart_needed=True)
    dialog = open_dialog(qtbot, console)
    dialog.show_section("mail")
    assert not dialog.mail.restart_note.isVisible()
    choose(qtbot, dialog.mail.source_buttons["m365"])
    assert dialog.mail.restart_note.isVisible()
    for field, text in ((dialog.mail.tenant, "contoso.com"), (dialog.mail.client,
                                                              "0e8f8c2a-5d8e-4a43-9b0e-3c1f2a3b4c5d"),
                        (dialog.mail.mailbox, "help@contoso.com")):
        qtbot.keyClicks(field.edit, text)
    apply(qtbot, dialog)
    assert console.applied[-1].mail_source == "m365"
    assert "restart" in dialog.status.text()
    assert not dialog.mail.restart_note.isVisible()  # the saved source is the new baseline


def test_problems_are_shown_and_nothing_is_applied(qtbot, aloop, styled_app):
    console = FakeSettingsConsole()
    dialog = open_dialog(qtbot, console)
    dialog.show_section("general")
    dialog.salesforce.box.setChecked(True)
    qtbot.keyClicks(dialog.salesforce.token_url.edit, "http://login.example.com/token")
    qtbot.mouseClick(dialog.apply_button, LEFT)
    assert console.applied == []
    assert dialog.nav.currentItem().text() == "Customer context"  # it shows where the problem is
    assert "https://" in dialog.status.text()
    assert dialog.salesforce.token_url.problem.isVisible()


def test_a_refused_setting_is_explained_and_the_dialog_stays(qtbot, aloop, styled_app):
    console = FakeSettingsConsole(fail_apply=SettingsError("setting 'openai_base_url' must be https"))
    dialog = open_dialog(qtbot, console)
    dialog.general.operator.setText("Dana Whitfield")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: "Not saved" in dialog.status.text())
    assert "openai_base_url" in dialog.status.text() and dialog.isVisible()


def test_ok_saves_and_closes(qtbot, aloop, styled_app):
    console = FakeSettingsConsole()
    dialog = open_dialog(qtbot, console)
    dialog.general.operator.setText("Dana Whitfield")
    dialog.general.health.setValue(10)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert console.applied[-1].operator_name == "Dana Whitfield"
    assert console.applied[-1].health_check_interval == 600.0


def test_the_real_console_switches_openai_on_and_off_without_a_restart(qtbot, window, console, run,
                                                                       demo_runtime):
    assert console.usage() is None and not window.status.usage.isVisible()
    window.commands.settings.trigger()
    dialog = window.settings_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.show_section("openai")
    choose(qtbot, dialog.ai.openai_button)
    qtbot.keyClicks(dialog.ai.key_field.edit, "sk-real-console-test")
    dialog.ai.base_url.set_text("http://127.0.0.1:9/v1")  # never contacted: nothing is classified here
    apply(qtbot, dialog)
    assert dialog.status.text() == "Saved and applied."
    assert console.settings.openai_enabled
    assert console.usage() is not None  # OpenAI is on: its usage is counted and shown
    qtbot.waitUntil(window.status.usage.isVisible)
    assert console.secrets.get(OPENAI_API_KEY) == "sk-real-console-test"
    saved = demo_runtime.paths.settings_file.read_text(encoding="utf-8")
    assert json.loads(saved)["openai_enabled"] is True and "sk-real-console-test" not in saved

    choose(qtbot, dialog.ai.local_button)
    apply(qtbot, dialog)
    assert not console.settings.openai_enabled and console.usage() is None
    qtbot.waitUntil(lambda: not window.status.usage.isVisible())
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), LEFT)
    assert not dialog.isVisible()


def test_ctrl_comma_opens_the_settings(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.settings_dialog is not None and window.settings_dialog.isVisible())
    first = window.settings_dialog
    first.reject()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as the app's loop does when idle
    assert not shiboken6.isValid(first)  # a closed dialog deletes itself
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # and open again
    qtbot.waitUntil(lambda: window.settings_dialog is not first and window.settings_dialog.isVisible())
    window.settings_dialog.reject()


def test_the_fake_keyring_stand_in_counts_writes():
    store = KeyringStandIn()
    store.set("a", "b")
    assert store.writes == ["a"] and store.persistent


def test_values_the_forms_show_rounded_are_not_changed_by_opening_them(qtbot, aloop, styled_app):
    from emailbot_gui.connectors.customer_db import ORIGINAL_DESIGN_SCHEMA
    from emailbot_gui.ui.wizard.customer_db_section import mapping_of

    settings = Settings(polling_interval_minutes=0.25, health_check_interval=90.0, openai_temperature=0.15,
                        openai_max_tokens=50, customer_db_mapping=mapping_of(ORIGINAL_DESIGN_SCHEMA),
                        escalation_people={"*": ["duty@contoso.com"], "outage:MEDIUM": ["ops@contoso.com"]})
    dialog = open_dialog(qtbot, FakeSettingsConsole(settings=settings))
    assert dialog.forms.draft_settings() == settings
    assert not dialog.apply_button.isEnabled()


def test_handled_mail_tag_and_folder_apply_at_runtime_without_a_restart(qtbot, aloop, styled_app):
    settings = Settings(setup_done=True, mail_source="m365", m365_tenant_id="contoso.com",
                        m365_client_id="0e8f8c2a-5d8e-4a43-9b0e-3c1f2a3b4c5d", target_mailbox="help@contoso.com")
    console = FakeSettingsConsole(settings=settings)
    dialog = open_dialog(qtbot, console)
    dialog.show_section("mail")
    qtbot.keyClicks(dialog.mail.processed_category.edit, "EmailBot: handled ")
    qtbot.keyClicks(dialog.mail.processed_folder.edit, "archive")
    assert not dialog.mail.restart_needed()  # marking handled mail is applied live
    apply(qtbot, dialog)
    assert console.applied[-1].m365_processed_category == "EmailBot: handled"
    assert console.applied[-1].m365_processed_folder == "archive"
    assert "restart" not in dialog.status.text()


def test_imap_handled_mail_flag_and_folder_are_checked_and_apply_without_a_restart(qtbot, aloop, styled_app):
    settings = Settings(setup_done=True, mail_source="imap", imap_host="imap.example.com",
                        imap_username="s@example.com", smtp_host="smtp.example.com", imap_folder="Support")
    console = FakeSettingsConsole(settings=settings, secrets=KeyringStandIn({IMAP_PASSWORD: "saved"}))
    dialog = open_dialog(qtbot, console)
    dialog.show_section("mail")
    imap = dialog.mail.imap
    qtbot.keyClicks(imap.processed_keyword.edit, "\\Deleted")
    assert any("cannot be used" in e for e in dialog.forms.errors())  # others' EXPUNGE would remove it
    imap.processed_keyword.edit.clear()
    qtbot.keyClicks(imap.processed_keyword.edit, "\\Seen")
    qtbot.keyClicks(imap.processed_folder.edit, "support")
    assert any("another folder" in e for e in dialog.forms.errors())  # the folder the console reads
    imap.processed_folder.edit.clear()
    qtbot.keyClicks(imap.processed_folder.edit, "Handled")
    qtbot.waitUntil(lambda: dialog.forms.errors() == [])  # the saved password is looked up in the background
    assert not dialog.mail.restart_needed()
    apply(qtbot, dialog)
    assert (console.applied[-1].imap_processed_keyword, console.applied[-1].imap_processed_folder) == (
        "\\Seen", "Handled")
    assert "restart" not in dialog.status.text()


def test_gmail_handled_mail_label_and_archive_apply_without_a_restart(qtbot, aloop, styled_app):
    settings = Settings(setup_done=True, mail_source="gmail", gmail_mailbox="support@example.com",
                        gmail_client_id="1234-emailbot.apps.googleusercontent.com")
    console = FakeSettingsConsole(settings=settings, secrets=KeyringStandIn({GMAIL_CLIENT_SECRET: "saved",
                                                                            GMAIL_REFRESH_TOKEN: "1//saved"}))
    dialog = open_dialog(qtbot, console)
    dialog.show_section("mail")
    gmail = dialog.mail.gmail
    qtbot.keyClicks(gmail.processed_label.edit, "inbox")
    assert any("one of Gmail's own labels" in e for e in dialog.forms.errors())
    gmail.processed_label.edit.clear()
    qtbot.keyClicks(gmail.processed_label.edit, "EmailBot/Handled")
    gmail.archive_handled.setChecked(True)
    qtbot.waitUntil(lambda: dialog.forms.errors() == [])  # the saved sign-in is looked up in the background
    assert not dialog.mail.restart_needed()
    apply(qtbot, dialog)
    assert (console.applied[-1].gmail_processed_label, console.applied[-1].gmail_archive_handled) == (
        "EmailBot/Handled", True)
    assert "restart" not in dialog.status.text()
