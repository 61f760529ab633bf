"""ImapSmtpActionSink against real servers (aiosmtpd and pymap on 127.0.0.1): the reply as the SMTP server
receives it, the copy in Sent, a crash between sending and recording, a send that cannot be confirmed, a
server that files submissions itself (as Gmail does), and escalation by email."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from emailbot_gui.connectors.base import OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.imap import DeliveryUnconfirmed, ImapSmtpActionSink, MailSignInError
from emailbot_gui.connectors.imap.outgoing import delivery_message_id
from emailbot_gui.core.types import Address, Email
from tests.imap.servers import PASSWORD, SMTP_PASSWORD, Received, SmtpServer

ORIGINAL = Email(source="imap:test", provider_id="abc", message_id="<q1@example.org>", subject="Invoice missing",
                 sender=Address("c1@example.org", "Customer One"), received_at=datetime(2026, 12, 7, 10, tzinfo=UTC),
                 reply_to=(Address("billing@example.org", "Billing"),), references=("<t0@example.org>",),
                 body_text="Where is my invoice?\nThanks")


class Progress:
    """The outbox's progress record: checkpoints merge into it (the store does this durably)."""

    def __init__(self, crash_on: str = "") -> None:
        self.data: dict[str, Any] = {}
        self.crash_on = crash_on

    async def checkpoint(self, update: Any) -> None:
        if self.crash_on and self.crash_on in update:
            raise SystemExit(f"simulated crash before recording {self.crash_on}")
        self.data.update(update)


def sink(settings, **kwargs) -> ImapSmtpActionSink:  # type: ignore[no-untyped-def]
    return ImapSmtpActionSink(settings, lambda: PASSWORD, lambda: SMTP_PASSWORD, **kwargs)


def reply(progress: Progress, key: str = "reply:1", email: Email = ORIGINAL) -> OutgoingReply:
    return OutgoingReply(key, email, "Here it is.\n\nBest regards", dict(progress.data), progress.checkpoint)


async def test_the_reply_as_received_threads_with_the_original(imap_settings, smtp_server: SmtpServer):
    progress = Progress()
    receipt = await sink(imap_settings).send_reply(reply(progress))
    [got] = smtp_server.received
    msg = got.message
    expected_id = delivery_message_id("reply:1", ORIGINAL, "support@example.test")
    assert msg["Message-ID"] == expected_id == receipt.external_id == progress.data["message_id"]
    assert msg["In-Reply-To"] == "<q1@example.org>"
    assert msg["References"] == "<t0@example.org> <q1@example.org>"
    assert msg["Subject"] == "Re: Invoice missing"
    assert msg["To"] == "Billing <billing@example.org>" and got.recipients == ["billing@example.org"]
    assert msg["From"] == "support@example.test" == got.sender
    body = msg.get_content()
    assert body.startswith("Here it is.") and "> Where is my invoice?" in body
    # deterministic: the same delivery always gets the same id, another one a different id
    assert delivery_message_id("reply:1", ORIGINAL, "support@example.test") == expected_id
    assert delivery_message_id("reply:2", ORIGINAL, "support@example.test") != expected_id


async def test_an_existing_re_prefix_is_kept_and_from_is_used_without_reply_to(imap_settings, smtp_server):
    email = replace(ORIGINAL, subject="RE: Invoice", reply_to=())
    await sink(imap_settings).send_reply(reply(Progress(), email=email))
    msg = smtp_server.received[0].message
    assert msg["Subject"] == "RE: Invoice" and smtp_server.received[0].recipients == ["c1@example.org"]


async def test_a_copy_is_filed_in_sent_flagged_seen(imap_settings, imap_server, smtp_server, sent_folder):
    receipt = await sink(imap_settings).send_reply(reply(Progress()))
    [copy] = imap_server.messages(sent_folder)
    assert copy["Message-ID"] == receipt.external_id
    assert copy.as_bytes().replace(b"\r\n", b"\n") == smtp_server.received[0].raw.replace(b"\r\n", b"\n")
    assert list(imap_server.flags(sent_folder).values()) == ["\\Seen"]


async def test_without_a_sent_folder_setting_the_folder_named_sent_is_used(imap_settings, imap_server,
                                                                           smtp_server):
    # pymap lists no special-use flags (LIST (SPECIAL-USE) is refused), so detection falls back to "Sent".
    imap_server.create("Sent") if "Sent" not in _folders(imap_server) else None
    receipt = await sink(replace(imap_settings, sent_folder="")).send_reply(reply(Progress(), key="reply:sent"))
    assert receipt.external_id in [m["Message-ID"] for m in imap_server.messages("Sent")]


def _folders(imap_server) -> list[str]:  # type: ignore[no-untyped-def]
    with imap_server.client() as c:
        return [bytes(line).rsplit(b" ", 1)[1].strip(b'"').decode() for line in c.list()[1]]


async def test_a_crash_after_sending_is_resolved_from_sent_and_nothing_is_sent_twice(imap_settings, smtp_server):
    progress = Progress(crash_on="sent_at")  # the process dies after the SMTP transaction and the Sent copy
    with pytest.raises(SystemExit):
        await sink(imap_settings).send_reply(reply(progress))
    assert len(smtp_server.received) == 1 and progress.data["send_requested_at"] and "sent_at" not in progress.data
    restarted = sink(imap_settings)  # the next start: the outbox asks first, as the dispatcher does
    receipt = await restarted.find_delivered("reply:1", progress.data)
    assert receipt is not None and receipt.external_id == progress.data["message_id"]
    direct = await restarted.send_reply(reply(progress))  # even a direct caller does not send again
    assert direct.external_id == receipt.external_id
    assert len(smtp_server.received) == 1


async def test_a_send_requested_but_not_in_sent_is_unconfirmed_and_never_resent(imap_settings, smtp_server):
    clock = [1000.0]
    requested = {"transport": "smtp", "send_requested_at": 1000.0,
                 "message_id": delivery_message_id("reply:9", ORIGINAL, "support@example.test")}
    s = sink(replace(imap_settings, send_grace_seconds=600), clock=lambda: clock[0])
    with pytest.raises(DeliveryUnconfirmed, match="checking again later"):
        await s.find_delivered("reply:9", requested)
    clock[0] += 3600
    with pytest.raises(DeliveryUnconfirmed, match="not sent again automatically"):
        await s.find_delivered("reply:9", requested)
    progress = Progress()
    progress.data.update(requested)
    with pytest.raises(DeliveryUnconfirmed):
        await s.send_reply(reply(progress, key="reply:9"))
    assert smtp_server.received == []


async def test_nothing_requested_means_nothing_delivered(imap_settings, smtp_server):
    assert await sink(imap_settings).find_delivered("reply:1", {}) is None
    assert await sink(imap_settings).find_delivered("reply:1", {"transport": "smtp", "send_requested_at": 0}) is None


async def test_a_server_that_files_submissions_itself_is_found_without_our_copy(imap_settings, imap_server,
                                                                                 smtp_server, sent_folder):
    def file_like_gmail(got: Received) -> None:
        imap_server.append(sent_folder, got.raw, r"(\Seen)")

    smtp_server.handler.on_message = file_like_gmail
    settings = replace(imap_settings, append_sent=False)
    progress = Progress(crash_on="sent_at")
    with pytest.raises(SystemExit):
        await sink(settings).send_reply(reply(progress))
    assert len(imap_server.messages(sent_folder)) == 1  # the server's copy only: we filed none
    assert await sink(settings).find_delivered("reply:1", progress.data) is not None
    assert len(smtp_server.received) == 1


async def test_a_refused_message_is_not_marked_as_requested(imap_settings, smtp_server):
    from emailbot_gui.connectors.imap import SendRejected

    async def refuse(server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 Message rejected as spam"

    original = smtp_server.handler.handle_DATA
    smtp_server.handler.handle_DATA = refuse  # type: ignore[method-assign]
    progress = Progress()
    try:
        with pytest.raises(SendRejected, match="554"):
            await sink(imap_settings).send_reply(reply(progress))
    finally:
        smtp_server.handler.handle_DATA = original  # type: ignore[method-assign]
    assert progress.data["send_requested_at"] == 0  # the next attempt sends; nothing went out
    assert await sink(imap_settings).find_delivered("reply:1", progress.data) is None


async def test_a_wrong_smtp_password_is_a_sign_in_error_before_anything_is_requested(imap_settings, smtp_server):
    progress = Progress()
    bad = ImapSmtpActionSink(imap_settings, lambda: PASSWORD, lambda: "wrong")
    with pytest.raises(MailSignInError, match="535") as caught:
        await bad.send_reply(reply(progress))
    assert imap_settings.smtp_login in str(caught.value)
    assert progress.data == {} and smtp_server.received == []


async def test_escalation_is_an_email_to_the_people(imap_settings, imap_server, smtp_server, sent_folder):
    progress = Progress()
    people = (Address("lead@example.test", "Team Lead"), Address("ops@example.test"))
    receipt = await sink(imap_settings).escalate(OutgoingEscalation(
        "escalation:1", ORIGINAL, people, "Urgent: invoice missing", "Please call the customer today.",
        {}, progress.checkpoint))
    [got] = smtp_server.received
    msg = got.message
    assert sorted(got.recipients) == ["lead@example.test", "ops@example.test"]
    assert msg["Subject"] == "Urgent: invoice missing"
    assert msg["Message-ID"] == delivery_message_id("escalation:1", ORIGINAL, "support@example.test")
    body = msg.get_content()
    assert body.startswith("Please call the customer today.") and "> Where is my invoice?" in body
    assert "Customer One <c1@example.org>" in body
    assert receipt.external_id in [m["Message-ID"] for m in imap_server.messages(sent_folder)]
    assert await sink(imap_settings).find_delivered("escalation:1", progress.data) is not None
