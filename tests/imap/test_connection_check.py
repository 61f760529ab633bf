"""The live connection test (wizard, doctor) against the real servers: every step passes, or the failing one
names its server and why; nothing is sent or changed."""

from __future__ import annotations

from dataclasses import replace

from emailbot_gui.connectors.imap import MailConnectionError, MailSignInError, check_connection, describe
from tests.imap.servers import PASSWORD, SMTP_PASSWORD, dead_port


async def test_every_step_passes_and_nothing_is_sent(imap_settings, imap_server, smtp_server, folder):
    imap_server.append(folder, b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n")
    steps = await check_connection(imap_settings, lambda: PASSWORD, lambda: SMTP_PASSWORD)
    assert [s.ok for s in steps] == [True, True, True, True], describe(steps)
    assert steps[1].detail == "1 messages" and "nothing was sent" in steps[3].detail
    assert smtp_server.received == [] and "\\Seen" not in "".join(imap_server.flags(folder).values())
    assert describe(steps).startswith("✓ IMAP sign-in: signed in to 127.0.0.1:")


async def test_wrong_passwords_and_a_dead_port_are_named(imap_settings, smtp_server):
    steps = await check_connection(imap_settings, lambda: "wrong", lambda: "wrong")
    assert [(s.name, s.ok) for s in steps] == [("IMAP sign-in", False), ("SMTP sign-in", False)]
    assert all(isinstance(s.error, MailSignInError) for s in steps)
    port = dead_port()
    steps = await check_connection(replace(imap_settings, smtp_port=port), lambda: PASSWORD, lambda: SMTP_PASSWORD)
    assert steps[-1].ok is False and isinstance(steps[-1].error, MailConnectionError)
    assert f"127.0.0.1:{port}" in steps[-1].detail


async def test_a_missing_folder_fails_its_step(imap_settings, smtp_server):
    steps = await check_connection(replace(imap_settings, folder="Nope"), lambda: PASSWORD, lambda: SMTP_PASSWORD)
    assert [(s.name, s.ok) for s in steps[:2]] == [("IMAP sign-in", True), ("Folder Nope", False)]
