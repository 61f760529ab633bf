"""The crash test: the real OutboxDispatcher and EmailStore with the Graph reply transport. The send is
killed between "draft created" and "sent recorded"; the app is rebuilt from the store (new store
connection, new connectors, new dispatcher) and delivers again; the server must have seen one send."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.services.events import EventHub
from tests.graph.pipeline import poller, to_review


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def approved_reply(fake: Any, build: Any, stores: Any) -> tuple[Any, int]:
    """A fetched email, through review, with an approved reply pending in the outbox."""
    fake.mailbox.add_messages(1)
    store = await stores()
    connectors = build()
    await poller(store, connectors.source).poll()
    ids = await store.ids_in_state(EmailState.NEW, 10)
    await to_review(store, ids)
    await store.approve_reply(ids[0], "olivia", to="user1@customer.example", subject="RE: Printer 1 jammed",
                              body="Hello,\n\nThe printer works again.", in_reply_to="", edited=False)
    await connectors.aclose()
    return store, ids[0]


async def restart_and_deliver(store: Any, stores: Any, build: Any, **settings: Any) -> tuple[Any, int]:
    """What a restarted app does: reopen the store, build everything anew, deliver what is pending."""
    await store.close()
    store = await stores()
    connectors = build(**settings)
    delivered = await OutboxDispatcher(store, connectors.sink, EventHub()).deliver_pending()
    return store, delivered


async def test_killed_after_graph_accepted_the_send_the_restarted_app_sends_nothing_more(fake, build, stores):
    store, email_id = await approved_reply(fake, build, stores)
    connectors = build()
    fake.fail("/send$", method="POST", lose_response=5.0)  # Graph sends; the answer never arrives in time
    task = asyncio.create_task(OutboxDispatcher(store, connectors.sink, EventHub()).deliver_pending())
    assert await asyncio.to_thread(fake.mailbox.sent.wait, 10)
    task.cancel()  # the process dies between "sent" and "recorded as sent"
    with contextlib.suppress(asyncio.CancelledError):
        await task
    [item] = await store.outbox()
    assert item.status == "pending" and item.payload["progress"]["draft_id"]
    assert (await store.detail(email_id)).state == EmailState.APPROVED

    store, delivered = await restart_and_deliver(store, stores, build)
    assert delivered == 1
    assert len(fake.mailbox.sends) == 1 and fake.mailbox.refused_sends == []
    assert fake.count("/createReply$") == 1
    [item] = await store.outbox()
    assert item.status == "delivered" and item.external_id == fake.mailbox.sends[0]
    assert (await store.detail(email_id)).state == EmailState.SENT


async def test_a_send_that_timed_out_is_resolved_by_lookup_not_by_sending_again(fake, build, stores):
    store, email_id = await approved_reply(fake, build, stores)
    connectors = build(request_timeout=0.5)
    fake.fail("/send$", method="POST", lose_response=2.0)
    assert await OutboxDispatcher(store, connectors.sink, EventHub()).deliver_pending() == 0
    [item] = await store.outbox()
    assert item.status == "pending" and "GraphOutcomeUnknown" in item.error
    assert len(fake.mailbox.sends) == 1

    store, delivered = await restart_and_deliver(store, stores, build)
    assert delivered == 1 and len(fake.mailbox.sends) == 1 and fake.mailbox.refused_sends == []
    assert (await store.detail(email_id)).state == EmailState.SENT


async def test_killed_before_the_send_took_effect_the_same_draft_is_sent_once(fake, build, stores):
    clock = Clock()
    store, email_id = await approved_reply(fake, build, stores)
    connectors = build(clock=clock)
    fake.fail("/send$", method="POST", reset=True)  # the connection dies before Graph acts on it
    assert await OutboxDispatcher(store, connectors.sink, EventHub()).deliver_pending() == 0
    assert fake.mailbox.sends == [] and len(fake.mailbox.in_folder("drafts")) == 1

    # Restarted soon after: the draft is still a draft, but Exchange may still be working on the send.
    store, delivered = await restart_and_deliver(store, stores, build, clock=clock)
    assert delivered == 0 and fake.mailbox.sends == []
    [item] = await store.outbox()
    assert "DeliveryNotVisibleYet" in item.error and item.attempts == 1  # looked up again later, for free

    clock.now += 3600  # long after: a draft still unsent means the send never happened
    [draft] = fake.mailbox.in_folder("drafts")
    store, delivered = await restart_and_deliver(store, stores, build, clock=clock)
    assert delivered == 1 and fake.mailbox.sends == [draft["id"]]
    assert fake.count("/createReply$") == 1
    assert (await store.detail(email_id)).state == EmailState.SENT


async def test_a_sent_copy_not_visible_yet_is_awaited_not_resent(fake, build, stores):
    store, email_id = await approved_reply(fake, build, stores)
    connectors = build(request_timeout=0.5)
    fake.mailbox.send_visibility_delay = 30  # Exchange has not moved it to Sent Items yet
    fake.fail("/send$", method="POST", lose_response=2.0)
    await OutboxDispatcher(store, connectors.sink, EventHub()).deliver_pending()
    store, delivered = await restart_and_deliver(store, stores, build)
    assert delivered == 0 and len(fake.mailbox.sends) == 1
    fake.mailbox.send_visibility_delay = 0
    store, delivered = await restart_and_deliver(store, stores, build)
    assert delivered == 1 and len(fake.mailbox.sends) == 1
    assert (await store.detail(email_id)).state == EmailState.SENT
