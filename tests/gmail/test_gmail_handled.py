"""GmailMailbox against the Gmail fake: the label for handled mail is found by name or created once and then
reused, added only to handled mail; archiving removes INBOX and nothing else; a label created meanwhile by
someone else (409) is found instead; a label deleted in Gmail is looked up again after the failure."""

from __future__ import annotations

import pytest

from emailbot_gui.connectors.base import ARCHIVE, HandledMessage
from emailbot_gui.connectors.gmail import GmailError
from tests.gmail.fake_gmail import mail

LABEL = "EmailBot/Handled"


def handled(*stored) -> list[HandledMessage]:  # type: ignore[no-untyped-def]
    return [HandledMessage(s.id, s.header("Message-ID")) for s in stored]


async def test_the_label_is_created_once_reused_and_added_to_handled_mail_only(fake, build):
    first, second, third = (fake.deliver(mail(n)) for n in range(3))
    mailbox = build().mailbox
    outcome = await mailbox.mark_handled(handled(first), tag=LABEL)
    assert outcome.changed == 1 and not outcome.failed
    label_id = fake.label_named(LABEL)
    assert fake.labels[label_id]["type"] == "user"
    assert fake.messages[first.id].labels == ["INBOX", "UNREAD", label_id]  # still in the inbox, still unread
    assert fake.messages[second.id].labels == ["INBOX", "UNREAD"]

    await mailbox.mark_handled(handled(third), tag=LABEL)
    assert fake.messages[third.id].labels == ["INBOX", "UNREAD", label_id]
    assert len(fake.requests(r"/labels$", "POST")) == 1 and len(fake.requests(r"/labels$", "GET")) == 1
    [modify, _] = fake.requests(r"/messages/batchModify$", "POST")
    assert modify.status == 204


async def test_an_existing_label_is_found_by_name_whatever_its_case(fake, build):
    stored = fake.deliver(mail(1))
    existing = fake.add_label("emailbot/handled")  # a colleague made it in Gmail
    await build().mailbox.mark_handled(handled(stored), tag=LABEL)
    assert fake.messages[stored.id].labels[-1] == existing and not fake.requests(r"/labels$", "POST")


async def test_archiving_removes_inbox_and_keeps_the_other_labels(fake, build):
    starred = fake.deliver(mail(1), labels=("INBOX", "UNREAD", "STARRED"))
    other = fake.deliver(mail(2))
    outcome = await build().mailbox.mark_handled(handled(starred), move_to=ARCHIVE)
    assert outcome.changed == 1
    assert fake.messages[starred.id].labels == ["UNREAD", "STARRED"]
    assert fake.messages[other.id].labels == ["INBOX", "UNREAD"]
    assert not fake.requests(r"/labels$")  # archiving alone needs no label


async def test_label_and_archive_in_one_request(fake, build):
    stored = fake.deliver(mail(1))
    await build().mailbox.mark_handled(handled(stored), tag=LABEL, move_to=ARCHIVE)
    assert fake.messages[stored.id].labels == ["UNREAD", fake.label_named(LABEL)]
    assert len(fake.requests(r"/messages/batchModify$")) == 1


async def test_a_label_created_meanwhile_by_someone_else_is_found_after_the_conflict(fake, build):
    stored = fake.deliver(mail(1))
    fake.fail(r"/labels$", method="GET", status=200, body={"labels": []})  # listed just before it was made
    existing = fake.add_label(LABEL)
    await build().mailbox.mark_handled(handled(stored), tag=LABEL)
    [create] = fake.requests(r"/labels$", "POST")
    assert create.status == 409
    assert fake.messages[stored.id].labels[-1] == existing
    assert [i for i, lbl in fake.labels.items() if lbl["name"].lower() == LABEL.lower()] == [existing]


async def test_a_label_deleted_in_gmail_is_looked_up_again_after_the_failure(fake, build):
    first, second = fake.deliver(mail(1)), fake.deliver(mail(2))
    mailbox = build().mailbox
    await mailbox.mark_handled(handled(first), tag=LABEL)
    with fake.lock:
        del fake.labels[fake.label_named(LABEL)]  # deleted in Gmail's settings
    with pytest.raises(GmailError, match="400"):
        await mailbox.mark_handled(handled(second), tag=LABEL)
    await mailbox.mark_handled(handled(second), tag=LABEL)  # the marker's next attempt
    assert fake.messages[second.id].labels[-1] == fake.label_named(LABEL)
    assert len(fake.requests(r"/labels$", "POST")) == 2


async def test_gmail_cannot_move_to_a_folder(fake, build):
    stored = fake.deliver(mail(1))
    with pytest.raises(GmailError, match="only out of the inbox"):
        await build().mailbox.mark_handled(handled(stored), move_to="Handled")
    assert not fake.requests(r"/messages/batchModify$")
