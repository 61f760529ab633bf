"""Teams escalation as the signed-in operator: people resolved in one $batch, a group chat with members
bound by user@odata.bind and a topic, then a message with summary, urgency, customer context and the
email's Outlook link; resumable after a crash without a second chat or message."""

from __future__ import annotations

from typing import Any

import pytest

from emailbot_gui.connectors.base import OutgoingEscalation
from emailbot_gui.connectors.graph import EscalationError, GraphOutcomeUnknown, SignInRequired, parse_graph_message
from emailbot_gui.core.types import Address, Classification, Enrichment, SourceResult, Urgency
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy
from tests.graph.conftest import sign_in
from tests.graph.fake_teams import USERS
from tests.graph.test_reply import Progress

PEOPLE = (Address("nina@contoso.test", "Nina Network"), Address("sam.security@contoso.test", "Sam"))


async def escalation(connectors: Any, progress: Progress, people: tuple[Address, ...] = PEOPLE) -> OutgoingEscalation:
    batch = await connectors.source.fetch(None, 50)
    email = parse_graph_message(batch.messages[-1], connectors.source.name)
    crm = Enrichment((SourceResult("crm", "found", {"customer": {"company": "Fabrikam", "vip": True},
                                                   "contract": {"support_level": "Gold"}}),))
    proposal = EscalationPolicy([]).suggest(email, Classification("outage", Urgency.CRITICAL, 0.9, "", "t"), crm)
    return OutgoingEscalation("escalation:5", email, people, proposal.topic, proposal.message,
                              dict(progress.state), progress)


async def test_escalation_creates_a_group_chat_and_posts_the_case(fake, build):
    fake.mailbox.add_messages(1, subject="Whole site offline <img src=x onerror=alert(1)>",
                              body_html="<p>Nothing works</p>")
    c = build()
    await sign_in(c)
    progress = Progress()
    esc = await escalation(c, progress)
    fake.reset_log()
    receipt = await c.sink.escalate(esc)

    [chat] = fake.teams.chats.values()
    assert chat["chatType"] == "group" and chat["topic"] == esc.topic and "Whole site offline" in chat["topic"]
    assert chat["_members"] == [USERS[0]["id"], USERS[1]["id"], USERS[2]["id"]]  # operator, Nina, Sam (mail != UPN)
    assert receipt.external_id == chat["id"] and receipt.link == chat["webUrl"]
    [(chat_id, message)] = fake.teams.posts
    html = message["body"]["content"]
    original = fake.mailbox.messages[esc.email.provider_id]
    assert message["body"]["contentType"] == "html" and chat_id == chat["id"]
    assert "Critical" in html and "Fabrikam, Gold support, VIP" in html and "Summary: Nothing works" in html
    assert f'href="{original["webLink"].replace("&", "&amp;")}"' in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # mail text stays text
    assert receipt.details["message_id"] == message["id"]
    routes = [f"{h.method} {h.path}" for h in fake.requests()]
    assert routes == ["POST /$batch", "POST /chats", f"GET /users/support@contoso.test/messages/{original['id']}",
                      f"POST /chats/{chat['id']}/messages"]
    assert [h.path for h in fake.requests(inner=True)] == ["/me", "/users", "/users"]


async def test_unknown_people_stop_the_escalation_before_anything_is_created(fake, build):
    fake.mailbox.add_messages(1)
    c = build()
    await sign_in(c)
    esc = await escalation(c, Progress(), (Address("nobody@contoso.test"),))
    with pytest.raises(EscalationError, match=r"nobody@contoso\.test"):
        await c.sink.escalate(esc)
    assert fake.teams.chats == {}


async def test_escalation_needs_the_operator_sign_in(fake, build):
    fake.mailbox.add_messages(1)
    c = build()
    esc = await escalation(c, Progress())
    with pytest.raises(SignInRequired):
        await c.sink.escalate(esc)
    assert fake.count("/chats") == 0


async def test_a_message_lost_in_transit_is_found_not_posted_twice(fake, build):
    fake.mailbox.add_messages(1)
    c = build(request_timeout=0.5)
    await sign_in(c)
    progress = Progress()
    fake.fail(r"^/chats/.+/messages$", method="POST", lose_response=2.0)
    with pytest.raises(GraphOutcomeUnknown):
        await c.sink.escalate(await escalation(c, progress))
    receipt = await c.sink.find_delivered("escalation:5", progress.state)
    assert receipt is not None and receipt.external_id == progress.state["chat_id"]
    assert len(fake.teams.chats) == 1 and len(fake.teams.posts) == 1


async def test_a_message_that_never_arrived_is_posted_into_the_same_chat(fake, build):
    fake.mailbox.add_messages(1)
    c = build()
    await sign_in(c)
    progress = Progress()
    fake.fail(r"^/chats/.+/messages$", method="POST", reset=True)
    with pytest.raises(GraphOutcomeUnknown):
        await c.sink.escalate(await escalation(c, progress))
    assert await c.sink.find_delivered("escalation:5", progress.state) is None
    receipt = await c.sink.escalate(await escalation(c, progress))
    assert len(fake.teams.chats) == 1 and len(fake.teams.posts) == 1
    assert receipt.external_id == progress.state["chat_id"]


async def test_a_lost_chat_creation_answer_reuses_the_chat(fake, build):
    fake.mailbox.add_messages(1)
    c = build(request_timeout=0.5)
    await sign_in(c)
    progress = Progress()
    fake.fail("^/chats$", method="POST", lose_response=2.0)
    with pytest.raises(GraphOutcomeUnknown):
        await c.sink.escalate(await escalation(c, progress))
    assert "chat_id" not in progress.state and len(fake.teams.chats) == 1
    await c.sink.escalate(await escalation(c, progress))
    assert len(fake.teams.chats) == 1 and len(fake.teams.posts) == 1


async def test_an_approved_escalation_goes_through_the_outbox_to_teams(fake, build, stores):
    from emailbot_gui.core.lifecycle import EmailState
    from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
    from emailbot_gui.services.events import EventHub
    from tests.graph.pipeline import poller, to_review

    fake.mailbox.add_messages(1)
    store = await stores()
    c = build()
    await sign_in(c)
    await poller(store, c.source).poll()
    ids = await store.ids_in_state(EmailState.NEW, 10)
    await to_review(store, ids)
    await store.approve_escalation(ids[0], "olivia", people=[["nina@contoso.test", "Nina Network"]],
                                   topic="[High] Printer: Printer 1 jammed", message="High hardware issue.")
    assert await OutboxDispatcher(store, c.sink, EventHub()).deliver_pending() == 1
    [chat] = fake.teams.chats.values()
    [item] = await store.outbox()
    assert item.external_id == chat["id"] and item.link == chat["webUrl"]  # id and link for the audit trail
    assert (await store.detail(ids[0])).state == EmailState.ESCALATED
