"""ImapSettings validation: unencrypted connections only to this computer unless allowed, ports, addresses; and
the app's settings for marking handled mail: one flag or keyword (never \\Deleted), another folder than the one
read."""

from __future__ import annotations

import pytest

from emailbot_gui.config.settings import Settings, SettingsError, load_settings
from emailbot_gui.connectors.imap import ImapSettings, ImapSettingsError, Security


def settings(**kw) -> ImapSettings:  # type: ignore[no-untyped-def]
    values = {"imap_host": "imap.example.com", "username": "support@example.com", "smtp_host": "smtp.example.com"}
    return ImapSettings(**{**values, **kw})


def test_defaults_are_implicit_tls_and_the_user_name_is_the_address():
    s = settings().validate()
    assert (s.imap_port, s.imap_security, s.smtp_port, s.smtp_security) == (993, Security.SSL, 465, Security.SSL)
    assert s.from_address == "support@example.com" and s.smtp_login == "support@example.com"
    assert s.source_name == "imap:support@example.com@imap.example.com/INBOX"


@pytest.mark.parametrize("field", ["imap_security", "smtp_security"])
def test_no_encryption_only_for_loopback_or_when_allowed(field):
    with pytest.raises(ImapSettingsError, match="no encryption"):
        settings(**{field: Security.NONE}).validate()
    settings(**{field: Security.NONE}, allow_plaintext=True).validate()
    settings(**{field: Security.NONE}, imap_host="127.0.0.1", smtp_host="localhost").validate()


@pytest.mark.parametrize(("kw", "message"), [
    ({"imap_port": 0}, "imap_port"), ({"smtp_port": 70000}, "smtp_port"), ({"username": "bob"}, "address"),
    ({"imap_host": "imap example.com"}, "imap_host"), ({"folder": " "}, "folder")])
def test_invalid_values_name_the_setting(kw, message):
    with pytest.raises(ImapSettingsError, match=message):
        settings(**kw).validate()


@pytest.mark.parametrize("flag", ["\\Seen", "\\Flagged", "\\Answered", "$EmailBotHandled", "Handled_by-bot"])
def test_a_flag_or_keyword_for_handled_mail_is_accepted(flag):
    assert Settings(imap_processed_keyword=flag).validate().imap_processed_keyword == flag


@pytest.mark.parametrize(("field", "value"), [
    ("imap_processed_keyword", "\\Deleted"), ("imap_processed_keyword", "\\recent"),
    ("imap_processed_keyword", "two words"), ("imap_processed_keyword", "(\\Seen)"),
    ("imap_processed_keyword", "a*"), ("imap_processed_keyword", 'say"'), ("imap_processed_keyword", "x]"),
    ("imap_processed_folder", "inbox"), ("imap_processed_folder", "a\nb")])
def test_an_invalid_handled_mail_setting_is_named(field, value):
    with pytest.raises(SettingsError, match=field) as raised:
        Settings(**{field: value}).validate()
    assert raised.value.field == field


def test_the_handled_mail_settings_come_from_the_environment():
    s = load_settings(None, environ={"EMAILBOT_IMAP_PROCESSED_KEYWORD": "\\Seen",
                                     "EMAILBOT_IMAP_PROCESSED_FOLDER": "Archive/Handled"})
    assert (s.imap_processed_keyword, s.imap_processed_folder) == ("\\Seen", "Archive/Handled")
