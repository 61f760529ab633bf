"""Replies in the thread: createReply (camelCase parameters, tagged with the outbox key) -> PATCH the
approved text above a quote of the original -> send (202), checkpointing each step."""

from __future__ import annotations

from typing import Any

import pytest

from emailbot_gui.connectors.base import OutgoingReply
from emailbot_gui.connectors.graph import GraphOutcomeUnknown, parse_graph_message
from emailbot_gui.connectors.graph.reply_transport import KEY_PROPERTY


class Progress:
    """What the outbox would record: checkpoints merged in order."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []

    async def __call__(self, update: Any) -> None:
        self.steps.append(dict(update))
        self.state.update(update)


async def fetched_email(connectors: Any, **fields: Any) -> Any:
    batch = await connectors.source.fetch(None, 50)
    return parse_graph_message(batch.messages[-1], connectors.source.name)


async def test_reply_goes_into_the_thread_and_is_sent_once(fake, build):
    fake.mailbox.add_messages(1, body_html="<p>Floor 3 says <b>PC LOAD LETTER</b>; I typed &lt;img src=x&gt;.</p>")
    c = build()
    email = await fetched_email(c)
    fake.reset_log()
    progress = Progress()
    reply = OutgoingReply("reply:1", email, "Hello,\n\nWe replaced the tray.\nIt works again.", {}, progress)
    receipt = await c.sink.send_reply(reply)

    drafts = fake.mailbox.in_folder("sentitems")
    assert len(drafts) == 1 and fake.mailbox.sends == [receipt.external_id] == [drafts[0]["id"]]
    sent = drafts[0]
    original = fake.mailbox.messages[email.provider_id]
    assert sent["conversationId"] == original["conversationId"] and sent["_reply_to"] == original["id"]
    assert sent["toRecipients"] == [original["from"]] and sent["subject"] == f"RE: {original['subject']}"
    content = sent["body"]["content"]
    assert sent["body"]["contentType"] == "HTML"
    assert "<p>Hello,</p><p>We replaced the tray.<br>It works again.</p>" in content
    quote = content.split("<blockquote>")[1]
    assert "Floor 3 says PC LOAD LETTER; I typed &lt;img src=x&gt;." in quote  # the original, as escaped text
    assert sent["_props"][KEY_PROPERTY].startswith("reply:1|")
    assert [h.method + " " + h.path.rsplit("/", 1)[-1] for h in fake.requests()] == [
        "POST createReply", f"PATCH {sent['id']}", "POST send"]
    assert [list(step) for step in progress.steps] == [
        ["transport", "draft_requested_at", "draft_id"], ["draft_id", "draft_link"], ["send_requested_at"]]
    assert receipt.link == sent["webLink"]
    found = await c.sink.find_delivered("reply:1", progress.state)
    assert found is not None and found.external_id == sent["id"]


async def test_a_lost_create_reply_answer_reuses_the_tagged_draft(fake, build):
    fake.mailbox.add_messages(1)
    c = build(request_timeout=0.3)
    email = await fetched_email(c)
    progress = Progress()
    fake.fail("/createReply$", lose_response=1.0)
    with pytest.raises(GraphOutcomeUnknown):
        await c.sink.send_reply(OutgoingReply("reply:7", email, "Fixed.", dict(progress.state), progress))
    assert progress.state["draft_id"] == "" and len(fake.mailbox.in_folder("drafts")) == 1
    assert await c.sink.find_delivered("reply:7", progress.state) is None
    receipt = await c.sink.send_reply(OutgoingReply("reply:7", email, "Fixed.", dict(progress.state), progress))
    assert fake.count("/createReply$") == 1 and fake.mailbox.sends == [receipt.external_id]


async def test_a_deleted_draft_is_created_again_before_sending(fake, build):
    fake.mailbox.add_messages(1)
    c = build()
    email = await fetched_email(c)
    progress = Progress()
    fake.fail("/send$", status=500, times=1)
    with pytest.raises(Exception, match="500"):
        await c.sink.send_reply(OutgoingReply("reply:2", email, "Hi", {}, progress))
    assert fake.mailbox.sends == []
    # A human deleted the draft meanwhile; the send was refused (500), so a new draft is safe.
    draft_id = progress.state["draft_id"]
    del fake.mailbox.messages[draft_id]
    progress.state.pop("send_requested_at")
    assert await c.sink.find_delivered("reply:2", progress.state) is None
    receipt = await c.sink.send_reply(OutgoingReply("reply:2", email, "Hi", dict(progress.state), progress))
    assert receipt.external_id != draft_id and fake.mailbox.sends == [receipt.external_id]
