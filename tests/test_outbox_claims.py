"""Consoles sharing one queue (PostgreSQL, and SQLite opened twice) never deliver the same reply at once: a
delivery is claimed in the store for one console, with a lease; a console that died mid-delivery is taken
over when its lease runs out, and takes its own claims back at once after a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from emailbot_gui.connectors.base import DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.services.events import EventHub
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from tests.test_undo import approve, reviewable


class BlindTransport:
    """A transport that cannot look up what it delivered (as plain SMTP cannot): only the claim keeps two
    consoles from both sending. Each send takes a while, so that two passes overlap."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (idempotency key, console)

    def for_console(self, console: str) -> Any:
        transport = self

        class Sink:
            async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
                await asyncio.sleep(0.2)
                transport.sent.append((reply.idempotency_key, console))
                return DeliveryReceipt(f"sent-by-{console}")

            async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
                raise AssertionError("not used here")

            async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]
                                     ) -> DeliveryReceipt | None:
                return None

        return Sink()


@pytest.fixture(params=["sqlite", "postgresql"])
async def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    yield sqlite_url(tmp_path / "q.db") if request.param == "sqlite" else request.getfixturevalue(
        "fresh_postgres_url")


Console = Callable[[str, str], Awaitable[tuple[EmailStore, OutboxDispatcher]]]


@pytest.fixture
async def consoles(shared_url: str) -> AsyncIterator[tuple[Console, BlindTransport]]:
    """Opens a console on the shared queue: its own store connection and dispatcher, named `claimer`, sending
    through the blind transport as `label`; all closed after the test."""
    transport = BlindTransport()
    opened: list[tuple[EmailStore, OutboxDispatcher]] = []

    async def console(claimer: str, label: str) -> tuple[EmailStore, OutboxDispatcher]:
        store = await EmailStore.open(shared_url)
        opened.append((store, OutboxDispatcher(store, transport.for_console(label), EventHub(), claimer=claimer)))
        return opened[-1]

    yield console, transport
    for store, dispatcher in opened:
        await dispatcher.close()
        await store.close()


async def test_two_consoles_deliver_each_reply_once(consoles: tuple[Console, BlindTransport]) -> None:
    console, transport = consoles
    first, a = await console("host-a:1", "a")
    _, b = await console("host-b:2", "b")
    ids = await reviewable(first, 4)
    for email_id in ids:
        await approve(first, email_id, hold=None)
    delivered = await asyncio.gather(a.deliver_pending(), b.deliver_pending())
    assert sum(delivered) == 4
    assert sorted(key for key, _ in transport.sent) == sorted(f"reply:{i}" for i in ids)  # each exactly once
    assert [(await first.detail(i)).state for i in ids] == [EmailState.SENT] * 4
    assert all(item.claimed_until is None for item in await first.outbox())  # released once delivered


async def test_a_dead_consoles_claim_is_taken_over_when_its_lease_ends(consoles: tuple[Console, BlindTransport]
                                                                       ) -> None:
    console, transport = consoles
    store, survivor = await console("host-b:2", "b")
    [email_id] = await reviewable(store)
    outbox_id = await approve(store, email_id, hold=None)
    assert await store.claim_delivery(outbox_id, "host-a:1", lease=0.5)  # then console A died
    assert await survivor.deliver_pending() == 0 and transport.sent == []  # A's lease still runs
    for _ in range(60):  # the survivor woke itself when the lease ended
        if (await store.detail(email_id)).state == EmailState.SENT:
            break
        await asyncio.sleep(0.05)
    assert (await store.detail(email_id)).state == EmailState.SENT
    assert transport.sent == [(f"reply:{email_id}", "b")]


async def test_a_restarted_console_takes_back_its_own_claim_at_once(consoles: tuple[Console, BlindTransport]
                                                                    ) -> None:
    console, transport = consoles
    store, restarted = await console("host-a:1", "a")
    [email_id] = await reviewable(store)
    outbox_id = await approve(store, email_id, hold=None)
    assert await store.claim_delivery(outbox_id, "host-a:1", lease=600)  # died mid-delivery
    assert not await store.claim_delivery(outbox_id, "host-b:2", lease=600)  # nobody else may, for now
    assert await restarted.deliver_pending() == 1 and len(transport.sent) == 1
