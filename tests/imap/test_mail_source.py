"""ImapMailSource against a real IMAP server (pymap on 127.0.0.1): paging with the cursor, a restart, the
"n:*" quirk, a changed UIDVALIDITY, the size cap, and that reading leaves mail unread."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from emailbot_gui.connectors.imap import ImapMailSource, MailConnectionError, MailSignInError
from emailbot_gui.connectors.imap.mail_source import parse_cursor
from tests.imap.servers import PASSWORD, dead_port


def mail(n: int, *, size: int = 0) -> bytes:
    body = f"Hello, this is message {n}.\r\n" + ("x" * 76 + "\r\n") * (size // 78)
    return (f"From: Customer {n} <c{n}@example.org>\r\nTo: support@example.test\r\nSubject: Question {n}\r\n"
            f"Message-ID: <q{n}@example.org>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\n{body}").encode()


def source(settings, **kwargs) -> ImapMailSource:  # type: ignore[no-untyped-def]
    return ImapMailSource(settings, lambda: PASSWORD, **kwargs)


async def drain(src: ImapMailSource, cursor: str | None, limit: int) -> tuple[list[bytes], str | None, int]:
    """Fetch until the source has nothing more; (raw messages, last cursor, number of calls)."""
    got: list[bytes] = []
    calls = 0
    while True:
        batch = await src.fetch(cursor, limit)
        calls += 1
        got += [m.raw for m in batch.messages]
        cursor = batch.cursor
        if not batch.more:
            return got, cursor, calls


async def test_pages_with_the_cursor_and_resumes_after_a_restart_without_loss_or_duplicates(imap_settings,
                                                                                             imap_server, folder):
    for n in range(1, 6):
        imap_server.append(folder, mail(n))
    first = source(imap_settings)
    batch = await first.fetch(None, 2)
    assert [m.raw for m in batch.messages] == [mail(1), mail(2)] and batch.more
    batch2 = await first.fetch(batch.cursor, 2)
    assert [m.raw for m in batch2.messages] == [mail(3), mail(4)] and batch2.more
    saved = batch2.cursor  # what the store persisted with the batch
    for n in range(6, 8):
        imap_server.append(folder, mail(n))
    restarted = source(imap_settings)  # a new process: only the persisted cursor survives
    rest, cursor, calls = await drain(restarted, saved, 2)
    assert rest == [mail(5), mail(6), mail(7)] and calls == 2
    assert parse_cursor(cursor) == (imap_server.uidvalidity(folder), parse_cursor(cursor)[1])
    again = await restarted.fetch(cursor, 10)
    assert again.messages == [] and not again.more and again.cursor == cursor


async def test_a_cursor_past_the_last_uid_does_not_return_the_last_message_again(imap_settings, imap_server,
                                                                                  folder):
    # "UID SEARCH UID n:*" answers the highest UID even when it is below n; that message must not repeat.
    imap_server.append(folder, mail(1))
    src = source(imap_settings)
    batch = await src.fetch(None, 10)
    assert len(batch.messages) == 1
    for _ in range(2):
        empty = await src.fetch(batch.cursor, 10)
        assert empty.messages == [] and not empty.more and empty.cursor == batch.cursor


async def test_provider_ids_are_stable_and_metadata_is_kept(imap_settings, imap_server, folder):
    imap_server.append(folder, mail(1))
    a = (await source(imap_settings).fetch(None, 5)).messages[0]
    b = (await source(imap_settings).fetch(None, 5)).messages[0]
    assert a.provider_id == b.provider_id and len(a.provider_id) == 40
    assert a.received_at_hint is not None and folder in a.origin


async def test_a_changed_uidvalidity_starts_over_with_the_same_provider_ids(imap_settings, imap_server, folder):
    for n in (1, 2):
        imap_server.append(folder, mail(n))
    src = source(imap_settings)
    before = await src.fetch(None, 10)
    imap_server.recreate(folder)  # new UIDVALIDITY; the same mail comes back under new UIDs
    for n in (1, 2, 3):
        imap_server.append(folder, mail(n))
    after = await src.fetch(before.cursor, 10)
    assert [m.raw for m in after.messages] == [mail(1), mail(2), mail(3)]
    assert src.resyncs == 1
    # what the store already has keeps its id: only message 3 is new to it
    assert {m.provider_id for m in before.messages} < {m.provider_id for m in after.messages}
    assert parse_cursor(after.cursor)[0] == imap_server.uidvalidity(folder) != parse_cursor(before.cursor)[0]


async def test_oversized_mail_is_reported_not_downloaded(imap_settings, imap_server, folder):
    imap_server.append(folder, mail(1))
    imap_server.append(folder, mail(2, size=40_000))
    imap_server.append(folder, mail(3))
    batch = await source(imap_settings, max_bytes=20_000).fetch(None, 10)
    assert [m.raw for m in batch.messages] == [mail(1), mail(3)]
    [(origin, reason)] = batch.unreadable
    assert "<q2@example.org>" in origin and "limit" in reason and "MB" in reason
    assert not batch.more  # and the cursor is past it: it is reported once, not on every poll
    assert (await source(imap_settings, max_bytes=20_000).fetch(batch.cursor, 10)).unreadable == []


async def test_reading_does_not_mark_mail_as_read(imap_settings, imap_server, folder):
    uid = imap_server.append(folder, mail(1))
    await source(imap_settings).fetch(None, 10)
    assert "\\Seen" not in imap_server.flags(folder)[uid]


async def test_a_wrong_password_is_a_sign_in_error_naming_the_account(imap_settings):
    src = ImapMailSource(imap_settings, lambda: "wrong")
    with pytest.raises(MailSignInError) as caught:
        await src.fetch(None, 10)
    assert imap_settings.username in str(caught.value) and f":{imap_settings.imap_port}" in str(caught.value)


async def test_a_dead_port_is_a_connection_error_naming_host_and_port(imap_settings):
    port = dead_port()
    with pytest.raises(MailConnectionError) as caught:
        await source(replace(imap_settings, imap_port=port)).fetch(None, 10)
    assert f"127.0.0.1:{port}" in str(caught.value)


async def test_a_missing_folder_is_a_clear_error(imap_settings):
    from emailbot_gui.connectors.imap import MailProtocolError

    with pytest.raises(MailProtocolError, match="cannot be opened"):
        await source(replace(imap_settings, folder="Nope")).fetch(None, 10)


async def test_implicit_tls_against_a_plain_server_fails_cleanly(imap_settings):
    from emailbot_gui.connectors.imap import Security

    settings = replace(imap_settings, imap_security=Security.SSL)
    with pytest.raises(MailConnectionError, match=r"TLS|dropped|reached|answer"):
        await asyncio.wait_for(source(settings).fetch(None, 1), 10)
