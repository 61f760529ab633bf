"""Replies and escalations through users.messages.send, as the fake receives them: the reply's MIME
(threading headers, Re: subject, Reply-To honoured, the quoted original, a Message-ID derived from the
outbox key) and its threadId; never sent twice — a lost answer after the checkpoint is resolved by
`find_delivered` (also when Gmail gave the sent copy its own Message-ID), a requested send that left no
trace is reported unconfirmed and not resent, and a send Google refused outright is sent on the next try."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest

from emailbot_gui.connectors.base import OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.gmail import DeliveryUnconfirmed, GmailError, GmailOutcomeUnknown
from emailbot_gui.connectors.gmail.errors import DeliveryNotVisibleYet
from emailbot_gui.connectors.gmail.outgoing import delivery_message_id
from emailbot_gui.core.types import Address, Email
from emailbot_gui.mail.parse import parse_message
from tests.gmail.fake_gmail import MAILBOX, google_error, mail


class Progress:
    """The outbox row's progress as the store keeps it: checkpoints merge into it durably."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    async def checkpoint(self, update: Any) -> None:
        self.data.update(update)


async def received(fake, build, **kw) -> Email:
    stored = fake.deliver(mail(7, **kw))
    batch = await build().source.fetch(None, 10)
    (raw,) = [m for m in batch.messages if m.provider_id == stored.id]
    return parse_message(raw, "gmail:" + MAILBOX)


def reply(email: Email, progress: Progress, key: str = "reply:41") -> OutgoingReply:
    return OutgoingReply(key, email, "Thanks, Ann.\n\nA technician is on the way.", dict(progress.data),
                         progress.checkpoint)


def sent_mime(fake, index: int = -1):
    stored, body = fake.sent[index]
    return message_from_bytes(base64.urlsafe_b64decode(body["raw"] + "=="), policy=policy.default), body, stored


async def test_the_reply_as_gmail_receives_it(fake, build):
    original = await received(fake, build, sender="Ann <ann@customer.test>", references="<older@customer.test>")
    original = Email(**{**{f: getattr(original, f) for f in original.__slots__},
                        "reply_to": (Address("tickets@customer.test", "Ann's tickets"),)})
    c = build()
    progress = Progress()
    receipt = await c.sink.send_reply(reply(original, progress))
    msg, body, stored = sent_mime(fake)
    assert body["threadId"] == fake.messages[original.provider_id].thread_id == stored.thread_id
    assert msg["From"] == MAILBOX and msg["To"] == "Ann's tickets <tickets@customer.test>"
    assert msg["Subject"] == "Re: Printer 7 is on fire"
    assert msg["In-Reply-To"] == "<mail-7@customer.test>"
    assert msg["References"] == "<older@customer.test> <mail-7@customer.test>"
    expected_id = delivery_message_id("reply:41", original, MAILBOX)
    assert msg["Message-ID"] == expected_id and expected_id.endswith("@acme.test>")
    assert msg["Message-ID"] == delivery_message_id("reply:41", original, MAILBOX)  # deterministic
    assert delivery_message_id("reply:42", original, MAILBOX) != expected_id
    text = msg.get_content().replace("\r\n", "\n")
    assert text.startswith("Thanks, Ann.\n\nA technician is on the way.")
    assert "Ann <ann@customer.test> wrote:" in text and "> message number 7." in text
    assert receipt.external_id == stored.id and receipt.details == {"mailbox": MAILBOX, "thread_id": stored.thread_id}
    assert progress.data["message_id"] == expected_id and progress.data["send_requested_at"]
    assert fake.requests("/messages/send")[0].started > 0 and len(fake.sent) == 1


async def test_a_crash_after_sending_is_resolved_by_looking_never_by_sending_again(fake, build):
    original = await received(fake, build)
    progress = Progress()
    fake.fail("/messages/send", reset_after=True)  # Gmail sent it; the answer never arrived
    with pytest.raises(GmailOutcomeUnknown):
        await build().sink.send_reply(reply(original, progress))
    assert len(fake.sent) == 1 and progress.data["send_requested_at"]
    # The next start: new connectors, the persisted progress; the outbox asks first.
    c = build()
    receipt = await c.sink.find_delivered("reply:41", progress.data)
    assert receipt is not None and receipt.external_id == fake.sent[0][0].id
    # A direct retry does not send either.
    again = await c.sink.send_reply(reply(original, progress))
    assert again.external_id == receipt.external_id and len(fake.sent) == 1
    assert fake.requests(r"/messages$")[-1].query["q"][0].startswith("rfc822msgid:emailbot.")


async def test_found_by_its_header_when_gmail_rewrote_the_message_id(fake, build):
    original = await received(fake, build)
    fake.rewrite_message_ids = True
    progress = Progress()
    fake.fail("/messages/send", reset_after=True)
    with pytest.raises(GmailOutcomeUnknown):
        await build().sink.send_reply(reply(original, progress))
    receipt = await build().sink.find_delivered("reply:41", progress.data)
    assert receipt is not None and receipt.external_id == fake.sent[0][0].id and len(fake.sent) == 1


async def test_a_requested_send_that_left_no_trace_is_unconfirmed_and_not_resent(fake, build):
    original = await received(fake, build)
    progress = Progress()
    fake.fail("/messages/send", reset=True)  # the connection broke: did it arrive? Gmail has no copy.
    with pytest.raises(GmailOutcomeUnknown):
        await build().sink.send_reply(reply(original, progress))
    assert fake.sent == []
    with pytest.raises(DeliveryNotVisibleYet, match="checking again later"):  # Gmail's search may lag a little
        await build().sink.find_delivered("reply:41", progress.data)
    c = build(send_grace_seconds=0)
    with pytest.raises(DeliveryUnconfirmed, match="not sent again automatically"):
        await c.sink.find_delivered("reply:41", progress.data)
    with pytest.raises(DeliveryUnconfirmed):
        await c.sink.send_reply(reply(original, progress))
    assert fake.sent == [] and len(fake.requests("/messages/send")) == 1


async def test_a_send_google_refused_is_sent_on_the_next_attempt(fake, build):
    original = await received(fake, build)
    progress = Progress()
    fake.fail("/messages/send", status=400, body=google_error(400, "invalidArgument", "Invalid To header"))
    with pytest.raises(GmailError, match="Invalid To header"):
        await build().sink.send_reply(reply(original, progress))
    assert not progress.data["send_requested_at"]
    c = build()
    assert await c.sink.find_delivered("reply:41", progress.data) is None
    await c.sink.send_reply(reply(original, progress))
    assert len(fake.sent) == 1


async def test_nothing_requested_means_nothing_delivered(fake, build):
    c = build()
    fake.hits.clear()
    assert await c.sink.find_delivered("reply:41", {}) is None
    assert await c.sink.find_delivered("reply:41", {"transport": "graph-mail", "draft_id": "x"}) is None
    assert fake.hits == []


async def test_an_escalation_is_an_email_to_the_escalation_people(fake, build):
    original = await received(fake, build)
    progress = Progress()
    people = (Address("lead@acme.test", "Lea Lead"), Address("oncall@acme.test"))
    escalation = OutgoingEscalation("escalation:9", original, people, "Printer fire at Ann's",
                                    "Please call Ann today.", {}, progress.checkpoint)
    receipt = await build().sink.escalate(escalation)
    msg, body, stored = sent_mime(fake)
    assert "threadId" not in body and msg["To"] == "Lea Lead <lead@acme.test>, oncall@acme.test"
    assert msg["Subject"] == "[Escalation] Printer fire at Ann's"
    assert msg["Message-ID"] == delivery_message_id("escalation:9", original, MAILBOX)
    text = msg.get_content().replace("\r\n", "\n")
    assert text.startswith("Please call Ann today.") and "Message-ID: <mail-7@customer.test>" in text
    assert receipt.external_id == stored.id
    # Asked again with the recorded progress (a crash before the outbox recorded it): found, not resent.
    assert (await build().sink.find_delivered("escalation:9", progress.data)).external_id == stored.id
    assert len(fake.sent) == 1


def test_header_values_from_the_mail_cannot_inject_headers():
    from emailbot_gui.connectors.gmail.outgoing import reply_message

    evil = Email(source="gmail:x", provider_id="18c", message_id="<a@b>", subject="Hi\r\nBcc: all@victim.test",
                 sender=Address("ann@customer.test", "Ann\nBcc: x@y"), received_at=datetime.now(UTC))
    msg = reply_message(OutgoingReply("reply:1", evil, "ok"), MAILBOX)
    assert msg["Bcc"] is None and "Bcc: all@victim.test" not in msg.as_string().split("\n\n", 1)[0].split("\n")
