"""The real OutboxDispatcher and EmailStore with the Gmail sink: Gmail sends a reply but its answer is lost;
the app is rebuilt from the store (new store connection, new connectors, new dispatcher) and delivers
again — the reply is found by `find_delivered` and recorded, and Gmail has seen one send. A send that left
no trace is looked up again, without spending attempts, through Gmail's grace period, then reported as
unconfirmed; it is never sent again."""

from __future__ import annotations

from typing import Any

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.services.events import EventHub
from tests.gmail.fake_gmail import mail
from tests.gmail.pipeline import poller
from tests.graph.pipeline import to_review


async def approved_reply(fake: Any, build: Any, stores: Any) -> tuple[Any, int]:
    fake.deliver(mail(1))
    store = await stores()
    connectors = build()
    await poller(store, connectors.source).poll()
    ids = await store.ids_in_state(EmailState.NEW, 10)
    await to_review(store, ids)
    await store.approve_reply(ids[0], "olivia", to="ann@customer.test", subject="Re: Printer 1 is on fire",
                              body="Hello,\n\nThe printer works again.", in_reply_to="", edited=False)
    return store, ids[0]


async def restart_and_deliver(store: Any, stores: Any, build: Any) -> tuple[Any, int]:
    await store.close()
    store = await stores()
    dispatcher = OutboxDispatcher(store, build().sink, EventHub())
    delivered = await dispatcher.deliver_pending()
    await dispatcher.close()
    return store, delivered


async def test_a_lost_answer_is_resolved_after_a_restart_without_a_second_send(fake, build, stores):
    store, email_id = await approved_reply(fake, build, stores)
    fake.fail("/messages/send", reset_after=True)
    assert await OutboxDispatcher(store, build().sink, EventHub()).deliver_pending() == 0
    [item] = await store.outbox()
    assert item.status == "pending" and item.payload["progress"]["send_requested_at"] and len(fake.sent) == 1
    store, delivered = await restart_and_deliver(store, stores, build)
    assert delivered == 1 and len(fake.sent) == 1 and len(fake.requests("/messages/send")) == 1
    [item] = await store.outbox()
    assert item.status == "delivered" and item.external_id == fake.sent[0][0].id
    assert (await store.detail(email_id)).state == EmailState.SENT


async def test_a_send_not_found_yet_is_checked_again_without_spending_attempts_then_reported(fake, build, stores):
    store, _ = await approved_reply(fake, build, stores)
    fake.fail("/messages/send", reset=True)  # the connection broke; Gmail has no trace of the message
    await OutboxDispatcher(store, build().sink, EventHub()).deliver_pending()
    [item] = await store.outbox()
    assert item.attempts == 1 and item.status == "pending"

    # Within the grace period Gmail's search may just lag: looked up again, as often as it takes, for free.
    dispatcher = OutboxDispatcher(store, build().sink, EventHub(), max_attempts=2)
    for _ in range(3):
        assert await dispatcher.deliver_pending() == 0
    [item] = await store.outbox()
    assert item.attempts == 1 and item.status == "pending" and "DeliveryNotVisibleYet" in item.error
    await dispatcher.close()

    # After it, the send is unconfirmed for good: an attempt spent, and never sent again.
    store, delivered = await restart_and_deliver(store, stores, lambda: build(send_grace_seconds=0))
    [item] = await store.outbox()
    assert delivered == 0 and "DeliveryUnconfirmed" in item.error and item.attempts == 2
    assert fake.sent == [] and len(fake.requests("/messages/send")) == 1
