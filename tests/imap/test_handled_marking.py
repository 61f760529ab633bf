"""ImapMailbox against a real IMAP server (pymap on 127.0.0.1): handled mail gets the flag and/or is moved, and
nothing else in the folder changes; a server without MOVE gets UID COPY + UID EXPUNGE of just those messages
(a colleague's deleted mail stays); a message gone from the folder is reported as gone; a keyword the folder
does not keep is refused with the flags it does keep; a copy with the same Message-ID but other bytes is left
alone."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from emailbot_gui.connectors.base import HandledMessage
from emailbot_gui.connectors.imap import ImapMailbox, ImapSettings, MailProtocolError, Security
from emailbot_gui.connectors.imap.imap_session import ImapSession
from emailbot_gui.connectors.imap.mail_source import content_id
from tests.imap.servers import HOST, PASSWORD, USER, PymapServer

_targets = itertools.count(1)


def mail(n: int, *, body: str = "") -> bytes:
    return (f"From: Customer {n} <c{n}@example.org>\r\nTo: support@example.test\r\nSubject: Question {n}\r\n"
            f"Message-ID: <h{n}@example.org>\r\n\r\n{body or f'Hello, this is message {n}.'}\r\n").encode()


def handled(n: int, raw: bytes | None = None) -> HandledMessage:
    return HandledMessage(content_id(raw or mail(n)), f"<h{n}@example.org>")


def mailbox(settings) -> ImapMailbox:  # type: ignore[no-untyped-def]
    return ImapMailbox(settings, lambda: PASSWORD)


def subjects(server: PymapServer, folder: str) -> list[str]:
    return sorted(str(m["Subject"]) for m in server.messages(folder))


def mark_deleted(server: PymapServer, folder: str, uid: int) -> None:
    """What a colleague's mail program does before its own EXPUNGE."""
    with server.client() as c:
        c.select(f'"{folder}"')
        typ, data = c.uid("STORE", str(uid), "+FLAGS", r"(\Deleted)")
        assert typ == "OK", data


async def test_the_flag_is_set_on_handled_mail_only(imap_settings, imap_server, folder):
    for n in range(1, 4):
        imap_server.append(folder, mail(n))
    outcome = await mailbox(imap_settings).mark_handled([handled(1), handled(3)], tag=r"\Flagged")
    assert (outcome.changed, outcome.failed, outcome.gone) == (2, {}, [])
    flags = imap_server.flags_by_subject(folder)
    assert "\\Flagged" in flags["Question 1"] and "\\Flagged" in flags["Question 3"]
    assert "\\Flagged" not in flags["Question 2"] and "\\Seen" not in "".join(flags.values())  # nothing read


async def test_seen_marks_handled_mail_read(imap_settings, imap_server, folder):
    imap_server.append(folder, mail(1))
    imap_server.append(folder, mail(2))
    await mailbox(imap_settings).mark_handled([handled(2)], tag=r"\Seen")
    flags = imap_server.flags_by_subject(folder)
    assert "\\Seen" in flags["Question 2"] and "\\Seen" not in flags["Question 1"]


async def test_handled_mail_is_moved_and_other_mail_stays(imap_settings, imap_server, folder):
    for n in range(1, 4):
        imap_server.append(folder, mail(n))
    target = f"Handled{next(_targets)}"  # does not exist yet: the server says TRYCREATE, the folder is made
    outcome = await mailbox(imap_settings).mark_handled([handled(2)], tag=r"\Seen", move_to=target)
    assert outcome.changed == 1 and not outcome.failed
    assert subjects(imap_server, folder) == ["Question 1", "Question 3"]
    assert subjects(imap_server, target) == ["Question 2"]
    assert "\\Seen" in "".join(imap_server.flags(target).values())  # tagged first, then moved with its flags


async def test_without_move_only_the_handled_messages_are_expunged(imap_server_without_move):
    server = imap_server_without_move
    with server.client() as c:
        _typ, data = c.capability()
    assert b"MOVE" not in data[0].split() and b"UIDPLUS" in data[0].split()  # what the client is told
    folder, target = f"Support{next(_targets)}", f"Handled{next(_targets)}"
    server.create(folder)
    first, _second, third = (server.append(folder, mail(n)) for n in range(1, 4))
    mark_deleted(server, folder, third)  # a colleague's, waiting for their own EXPUNGE
    settings = ImapSettings(imap_host=HOST, imap_port=server.port, imap_security=Security.NONE, username=USER,
                            folder=folder, smtp_host=HOST, smtp_security=Security.NONE).validate()
    outcome = await mailbox(settings).mark_handled([handled(1)], move_to=target)
    assert outcome.changed == 1 and not outcome.failed
    assert subjects(server, target) == ["Question 1"]
    assert subjects(server, folder) == ["Question 2", "Question 3"]  # the colleague's deleted mail is still there
    flags = server.flags_by_subject(folder)
    assert "\\Deleted" in flags["Question 3"] and "\\Deleted" not in flags["Question 2"]
    assert first not in server.flags(folder)
    assert "\\Deleted" not in "".join(server.flags(target).values())  # the copy is not marked deleted


async def test_without_move_a_retry_after_a_failed_expunge_does_not_copy_twice(imap_server_without_move,
                                                                              monkeypatch):
    server = imap_server_without_move
    folder, target = f"Support{next(_targets)}", f"Handled{next(_targets)}"
    server.create(folder)
    for n in range(1, 4):
        server.append(folder, mail(n))
    settings = ImapSettings(imap_host=HOST, imap_port=server.port, imap_security=Security.NONE, username=USER,
                            folder=folder, smtp_host=HOST, smtp_security=Security.NONE).validate()
    real_add_flags = ImapSession.add_flags

    def connection_lost_after_the_copy(self, uids, flags):  # type: ignore[no-untyped-def]
        if "Deleted" in flags:
            raise MailProtocolError("connection lost")
        return real_add_flags(self, uids, flags)

    with monkeypatch.context() as m:
        m.setattr(ImapSession, "add_flags", connection_lost_after_the_copy)
        with pytest.raises(MailProtocolError):
            await mailbox(settings).mark_handled([handled(1), handled(2)], move_to=target)
    assert subjects(server, target) == ["Question 1", "Question 2"]  # copied, not yet removed from the folder
    server.append(folder, mail(4))
    outcome = await mailbox(settings).mark_handled([handled(1), handled(2), handled(4)], move_to=target)  # retry
    assert outcome.changed == 3 and not outcome.failed
    assert subjects(server, target) == ["Question 1", "Question 2", "Question 4"]  # each once
    assert subjects(server, folder) == ["Question 3"]


async def test_a_message_gone_from_the_folder_is_reported_as_gone(imap_settings, imap_server, folder):
    uid = imap_server.append(folder, mail(1))
    imap_server.append(folder, mail(2))
    mark_deleted(imap_server, folder, uid)
    with imap_server.client() as c:  # a colleague moved it away: deleted and expunged here
        c.select(f'"{folder}"')
        assert c.expunge()[0] == "OK"
    outcome = await mailbox(imap_settings).mark_handled([handled(1), handled(2), HandledMessage("x", "")],
                                                        tag=r"\Flagged", move_to=f"Handled{next(_targets)}")
    assert outcome.changed == 1 and not outcome.failed
    assert sorted(outcome.gone) == sorted([handled(1).provider_id, "x"])  # no Message-ID: cannot be found either


async def test_a_copy_with_the_same_message_id_but_other_bytes_is_left_alone(imap_settings, imap_server, folder):
    imap_server.append(folder, mail(1))
    resent = mail(1, body="A resent copy, with other bytes.")
    imap_server.append(folder, resent)
    await mailbox(imap_settings).mark_handled([handled(1, resent)], tag=r"\Flagged")
    flags = list(imap_server.flags(folder).values())
    assert ["\\Flagged" in f for f in flags] == [False, True]


async def test_a_keyword_the_folder_does_not_keep_is_refused_and_nothing_changes(imap_settings, imap_server,
                                                                                 folder):
    imap_server.append(folder, mail(1))
    target = f"Handled{next(_targets)}"
    with pytest.raises(MailProtocolError, match=r"does not keep the flag \$EmailBotHandled .*\\Seen"):
        await mailbox(imap_settings).mark_handled([handled(1)], tag="$EmailBotHandled", move_to=target)
    assert subjects(imap_server, folder) == ["Question 1"] and subjects(imap_server, target) == []


async def test_nothing_to_do_opens_no_connection(imap_settings):
    dead = replace(imap_settings, imap_port=1)
    outcome = await mailbox(dead).mark_handled([handled(1)])
    assert (outcome.changed, outcome.failed, outcome.gone) == (0, {}, [])
