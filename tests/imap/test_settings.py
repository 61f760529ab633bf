"""ImapSettings validation: unencrypted connections only to this computer unless allowed, ports, addresses."""

from __future__ import annotations

import pytest

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
