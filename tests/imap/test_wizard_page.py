"""The setup wizard's IMAP / SMTP form, driven as a support lead would, with its "Test connection" against the
real servers (pymap, aiosmtpd on 127.0.0.1); Finish writes the settings file and the password to the keyring
(a stand-in that persists in memory), never to a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWizard

from emailbot_gui.config.secrets import IMAP_PASSWORD, SMTP_PASSWORD
from emailbot_gui.config.settings import Settings, load_settings
from emailbot_gui.ui.wizard.section import real_test_integration
from emailbot_gui.ui.wizard.setup_wizard import MAIL, SUMMARY, SetupWizard
from tests.imap.servers import HOST, PASSWORD, USER
from tests.imap.servers import SMTP_PASSWORD as SMTP_SECRET
from tests.ui.conftest import OFFSCREEN_NOISE
from tests.ui.fake_console import KeyringStandIn

LEFT = Qt.MouseButton.LeftButton


def type_into(qtbot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    edit = getattr(field, "edit", field)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def go_on(qtbot, wizard, button: QWizard.WizardButton = QWizard.WizardButton.NextButton) -> int:  # type: ignore[no-untyped-def]
    before = wizard.currentId()
    assert wizard.button(button).isEnabled(), f"{button} is disabled on page {before}"
    qtbot.mouseClick(wizard.button(button), LEFT)
    qtbot.waitUntil(lambda: wizard.currentId() != before)
    return int(wizard.currentId())


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_the_imap_form_tests_the_servers_and_saves_settings_and_keyring(qtbot, aloop, tmp_path: Path,
                                                                         imap_server, smtp_server, folder):
    secrets = KeyringStandIn()
    settings_file = tmp_path / "config" / "settings.json"
    wizard = SetupWizard(Settings(), secrets, settings_file, tester=real_test_integration)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    assert go_on(qtbot, wizard) == MAIL
    mail = wizard.mail
    qtbot.mouseClick(mail.source_buttons["imap"], LEFT)
    form = mail.imap
    assert form.isVisible() and not mail.m365.isVisible()
    assert form.imap_port.value() == 993 and form.smtp_port.value() == 465
    form.smtp_security.setCurrentIndex(form.smtp_security.findData("starttls"))
    assert form.smtp_port.value() == 587  # the usual port follows the security
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # nothing typed yet

    type_into(qtbot, form.imap_host, HOST)
    form.imap_security.setCurrentIndex(form.imap_security.findData("none"))
    assert form.imap_port.value() == 143
    form.imap_port.setValue(imap_server.port)
    type_into(qtbot, form.username, USER)
    type_into(qtbot, form.folder, folder)
    type_into(qtbot, form.smtp_host, HOST)
    form.smtp_security.setCurrentIndex(form.smtp_security.findData("none"))
    form.smtp_port.setValue(smtp_server.port)
    qtbot.keyClicks(form.password.edit, "not-the-password")

    test = mail.imap_test
    qtbot.mouseClick(test.button, LEFT)
    qtbot.waitUntil(lambda: not test.running, timeout=30_000)
    rows = {name: (status, fix) for status, name, _detail, fix in test.view.rows}
    assert rows["IMAP sign-in"][0] == "failing" and "app password" in rows["IMAP sign-in"][1]

    type_into(qtbot, form.password, PASSWORD)
    qtbot.keyClicks(form.smtp_password.edit, SMTP_SECRET)
    qtbot.mouseClick(test.button, LEFT)
    qtbot.waitUntil(lambda: not test.running, timeout=30_000)
    rows = {name: (status, detail) for status, name, detail, _fix in test.view.rows}
    assert {name: status for name, (status, _) in rows.items()} == {
        "IMAP sign-in": "ok", f"Folder {folder}": "ok", "Sent folder": "ok", "SMTP sign-in": "ok"}
    assert "nothing was sent" in rows["SMTP sign-in"][1] and smtp_server.received == []

    page = go_on(qtbot, wizard)
    while page != SUMMARY:  # AI, CRM, escalation: optional, skipped
        page = go_on(qtbot, wizard, QWizard.WizardButton.CustomButton1)
    assert f"IMAP/SMTP, {USER} at {HOST}:{imap_server.port}" in wizard.summary_page.text.text()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    qtbot.waitUntil(lambda: wizard.result() == QDialog.DialogCode.Accepted.value, timeout=10_000)

    saved = load_settings(settings_file, environ={})
    assert saved.mail_source == "imap" and saved.setup_done
    assert (saved.imap_host, saved.imap_port, saved.imap_security, saved.imap_username, saved.imap_folder) == (
        HOST, imap_server.port, "none", USER, folder)
    assert (saved.smtp_host, saved.smtp_port, saved.smtp_security) == (HOST, smtp_server.port, "none")
    assert secrets.values[IMAP_PASSWORD] == PASSWORD and secrets.values[SMTP_PASSWORD] == SMTP_SECRET
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes() and SMTP_SECRET.encode() not in path.read_bytes()
