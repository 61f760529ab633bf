"""The setup wizard's Gmail / Google Workspace form, driven as a support lead would, against the local Gmail
fake: "Sign in with Google…" opens the consent page through QDesktopServices (a stand-in browser follows
Google's redirect to the console's listener on 127.0.0.1) while the window stays usable; "Test connection"
passes; Finish writes the settings file and the secrets to the keyring (a stand-in), and no secret reaches a
file. The service-account path reads a JSON key file and keeps its contents, not its path."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QWizard

from emailbot_gui.config.secrets import GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN, GMAIL_SERVICE_ACCOUNT_KEY
from emailbot_gui.config.settings import Settings, load_settings
from emailbot_gui.services.integrations import test_integration as check
from emailbot_gui.ui.wizard.google_sign_in import sign_in_google
from emailbot_gui.ui.wizard.setup_wizard import MAIL, SUMMARY, SetupWizard
from tests.gmail.conftest import hooks_for, key_json
from tests.gmail.fake_gmail import CLIENT_ID, CLIENT_SECRET, MAILBOX, SA_EMAIL, FakeGmail, mail
from tests.imap.test_wizard_page import go_on, type_into
from tests.ui.conftest import OFFSCREEN_NOISE
from tests.ui.fake_console import KeyringStandIn

LEFT = Qt.MouseButton.LeftButton


class Browser(QObject):
    """The system browser as QDesktopServices.openUrl reaches it: visits Google's consent page (the fake
    answers with the redirect a person's consent produces) and follows it to the console's listener, in a
    thread of its own like a real browser. `follow=False`: a person who never finishes signing in."""

    def __init__(self, follow: bool = True) -> None:
        super().__init__()
        self.follow = follow
        self.opened: list[str] = []
        self.pages: list[tuple[int, str]] = []
        self.threads: list[threading.Thread] = []

    @Slot(QUrl)
    def visit(self, url: QUrl) -> None:
        self.opened.append(url.toString())
        if self.follow:
            thread = threading.Thread(target=self._load, args=(url.toString(),), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _load(self, url: str) -> None:
        page = httpx.get(url, follow_redirects=True, timeout=10)
        self.pages.append((page.status_code, page.text))


@pytest.fixture
def browser() -> Iterator[Browser]:
    stand_in = Browser()
    QDesktopServices.setUrlHandler("http", stand_in, "visit")  # the fake serves Google's pages on http://127.0.0.1
    yield stand_in
    QDesktopServices.unsetUrlHandler("http")
    for thread in stand_in.threads:
        thread.join(timeout=10)


def open_wizard(qtbot: Any, fake: FakeGmail, secrets: KeyringStandIn, settings_file: Path) -> SetupWizard:
    hooks = hooks_for(fake)
    wizard = SetupWizard(Settings(), secrets, settings_file,
                         tester=lambda name, s, sec: check(name, s, sec, hooks=hooks),
                         google_signer=functools.partial(sign_in_google, hooks=hooks))
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert go_on(qtbot, wizard) == MAIL
    button = wizard.mail.source_buttons["gmail"]
    assert button.isEnabled() and "coming soon" not in button.text()
    qtbot.mouseClick(button, LEFT)
    assert wizard.mail.gmail.isVisible() and not wizard.mail.imap.isVisible()
    return wizard


def run_test(qtbot: Any, wizard: SetupWizard) -> dict[str, tuple[str, str, str]]:
    test = wizard.mail.gmail_test
    qtbot.mouseClick(test.button, LEFT)
    qtbot.waitUntil(lambda: not test.running, timeout=20_000)
    return {name: (status, detail, fix) for status, name, detail, fix in test.view.rows}


def finish(qtbot: Any, wizard: SetupWizard) -> None:
    page = go_on(qtbot, wizard)
    while page != SUMMARY:  # AI, CRM, escalation: optional, skipped
        page = go_on(qtbot, wizard, QWizard.WizardButton.CustomButton1)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    qtbot.waitUntil(lambda: wizard.result() == QDialog.DialogCode.Accepted.value, timeout=10_000)


def files_under(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in folder.rglob("*") if p.is_file()]


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_sign_in_with_google_test_and_finish(qtbot, aloop, tmp_path: Path, fake: FakeGmail, browser: Browser):
    fake.deliver(mail(1))
    secrets = KeyringStandIn()
    settings_file = tmp_path / "config" / "settings.json"
    wizard = open_wizard(qtbot, fake, secrets, settings_file)
    form = wizard.mail.gmail
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert form.sign_in.isVisible() and not form.key_row.isVisible()

    qtbot.mouseClick(form.sign_in.button, LEFT)  # nothing typed yet: the panel says what is missing
    assert "Complete the fields first" in form.sign_in.state.text() and browser.opened == []
    type_into(qtbot, form.mailbox, MAILBOX)
    type_into(qtbot, form.client, "1234-not-a-client-id")
    assert "apps.googleusercontent.com" in form.client.problem.text()
    type_into(qtbot, form.client, CLIENT_ID)
    qtbot.keyClicks(form.client_secret.edit, CLIENT_SECRET)
    assert not next_button.isEnabled() and wizard.mail.errors() == ["Sign in with Google."]

    qtbot.mouseClick(form.sign_in.button, LEFT)
    assert form.sign_in.running and not form.sign_in.button.isEnabled()  # the window did not wait for Google
    qtbot.waitUntil(lambda: not form.sign_in.running, timeout=20_000)
    assert "Signed in with Google" in form.sign_in.state.text(), form.sign_in.state.text()
    assert "gmail.send" in form.sign_in.state.text()
    assert browser.opened[0].startswith(fake.authorization_url) and "login_hint=support%40acme.test" in \
        browser.opened[0]
    assert browser.pages[-1][0] == 200 and "You can close this window" in browser.pages[-1][1]
    assert fake.grants == ["authorization_code"] and secrets.writes == []  # kept in the form until Finish
    assert next_button.isEnabled()

    rows = run_test(qtbot, wizard)
    assert rows["Gmail"][0] == "ok" and f"Connected to {MAILBOX}: 1 messages" in rows["Gmail"][1]
    form.sync_days.setValue(3)
    type_into(qtbot, form.label, "Label_12")

    finish(qtbot, wizard)
    saved = load_settings(settings_file, environ={})
    assert (saved.mail_source, saved.setup_done, saved.gmail_mailbox, saved.gmail_auth_mode, saved.gmail_client_id,
            saved.gmail_label, saved.gmail_initial_sync_days) == (
        "gmail", True, MAILBOX, "installed_app", CLIENT_ID, "Label_12", 3)
    refresh_token = secrets.values[GMAIL_REFRESH_TOKEN]
    assert secrets.values[GMAIL_CLIENT_SECRET] == CLIENT_SECRET and refresh_token in fake.refresh_tokens
    assert GMAIL_SERVICE_ACCOUNT_KEY not in secrets.values
    for content in files_under(tmp_path):
        assert CLIENT_SECRET.encode() not in content and refresh_token.encode() not in content


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_a_sign_in_can_be_cancelled(qtbot, aloop, tmp_path: Path, fake: FakeGmail, browser: Browser):
    browser.follow = False  # the person closes the browser tab
    wizard = open_wizard(qtbot, fake, KeyringStandIn(), tmp_path / "settings.json")
    form = wizard.mail.gmail
    type_into(qtbot, form.mailbox, MAILBOX)
    type_into(qtbot, form.client, CLIENT_ID)
    qtbot.keyClicks(form.client_secret.edit, CLIENT_SECRET)
    qtbot.mouseClick(form.sign_in.button, LEFT)
    qtbot.waitUntil(lambda: len(browser.opened) == 1)
    assert form.sign_in.cancel_button.isVisible()
    qtbot.mouseClick(form.sign_in.cancel_button, LEFT)
    assert "cancelled" in form.sign_in.state.text() and form.sign_in.button.isEnabled()
    assert not form.refresh_token.has_value() and fake.grants == []


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_the_service_account_path_keeps_the_key_not_its_path(qtbot, aloop, tmp_path: Path, tmp_path_factory,
                                                              fake: FakeGmail, sa_private_key):
    keys = tmp_path_factory.mktemp("downloads")
    key_file = keys / "acme-support-1a2b3c.json"
    key_file.write_text(key_json(sa_private_key))
    wrong_file = keys / "client_secret.json"
    wrong_file.write_text(json.dumps({"installed": {"client_id": CLIENT_ID}}))
    secrets = KeyringStandIn()
    settings_file = tmp_path / "config" / "settings.json"
    wizard = open_wizard(qtbot, fake, secrets, settings_file)
    form = wizard.mail.gmail
    form.mode.setCurrentIndex(form.mode.findData("service_account"))
    assert form.key_row.isVisible() and not form.sign_in.isVisible() and not form.client.isVisible()
    type_into(qtbot, form.mailbox, MAILBOX)
    assert wizard.mail.errors() == ["Choose the service account's JSON key file."]

    form.load_key_file(str(wrong_file))  # what the file dialog's fileSelected calls
    assert "not a service account key" in form.key_state.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    form.load_key_file(str(key_file))
    assert SA_EMAIL in form.key_state.text() and wizard.button(QWizard.WizardButton.NextButton).isEnabled()

    rows = run_test(qtbot, wizard)
    assert rows["Gmail"][0] == "ok" and "gmail.modify" in rows["Gmail"][1]
    finish(qtbot, wizard)
    saved = load_settings(settings_file, environ={})
    assert (saved.mail_source, saved.gmail_auth_mode, saved.gmail_mailbox) == ("gmail", "service_account", MAILBOX)
    assert secrets.values[GMAIL_SERVICE_ACCOUNT_KEY] == key_file.read_text()
    assert set(secrets.values) == {GMAIL_SERVICE_ACCOUNT_KEY}
    for content in files_under(tmp_path):
        assert b"PRIVATE KEY" not in content and key_file.name.encode() not in content


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_the_settings_dialog_shows_the_saved_sign_in_and_a_new_one_needs_a_restart(qtbot, aloop, fake: FakeGmail,
                                                                                   browser: Browser):
    from emailbot_gui.ui.settings_dialog import SettingsDialog
    from tests.ui.fake_console import FakeSettingsConsole

    settings = Settings(mail_source="gmail", gmail_mailbox=MAILBOX, gmail_client_id=CLIENT_ID, gmail_label="Label_4",
                        gmail_initial_sync_days=0, setup_done=True)
    old_token = fake.issue_refresh_token()
    console = FakeSettingsConsole(settings=settings, secrets=KeyringStandIn(
        {GMAIL_CLIENT_SECRET: CLIENT_SECRET, GMAIL_REFRESH_TOKEN: old_token}))
    dialog = SettingsDialog(console, google_signer=functools.partial(sign_in_google, hooks=hooks_for(fake)))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.nav.setCurrentRow(1)
    form = dialog.mail.gmail
    qtbot.waitUntil(lambda: "Signed in earlier" in form.sign_in.state.text())
    assert dialog.forms.draft_settings() == settings and not dialog.apply_button.isEnabled()
    assert not dialog.mail.errors() and not dialog.mail.restart_note.isVisible()

    qtbot.mouseClick(form.sign_in.button, LEFT)  # the client secret is the saved one
    qtbot.waitUntil(lambda: not form.sign_in.running, timeout=20_000)
    assert "Signed in with Google" in form.sign_in.state.text()
    assert dialog.mail.restart_note.isVisible() and dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, LEFT)
    qtbot.waitUntil(lambda: console.secrets.writes == [GMAIL_REFRESH_TOKEN])
    assert console.secrets.values[GMAIL_REFRESH_TOKEN] not in (old_token, "")
