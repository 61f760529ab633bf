"""Delta sync through the real triage loop and store: incremental rounds, resuming from the persisted
delta link after a restart, 410 -> full resync without duplicates, and the request budget."""

from __future__ import annotations

import json
import math

import pytest

from emailbot_gui.connectors.graph.messages import DEFAULT_SELECT
from emailbot_gui.store.views import QueueQuery
from tests.graph.pipeline import poller


async def test_incremental_sync_resumes_from_the_persisted_delta_link(fake, build, stores):
    fake.mailbox.add_messages(25, attachments=0)
    fake.mailbox.add_messages(1, attachments=2)
    store = await stores()
    connectors = build(page_size=10)
    report = await poller(store, connectors.source).poll()
    assert report.fetched == 26 and report.duplicates == 0
    assert fake.count("/messages/delta") == 3  # ceil(26 / 10)
    cursor = json.loads(await store.cursor(connectors.source.name))
    assert "$deltatoken=" in cursor["link"]

    first = fake.mailbox.delta_requests[0]
    assert first["changeType"] == "created" and first["$select"].split(",") == list(DEFAULT_SELECT)
    assert first["$expand"].startswith("attachments(")
    assert all('IdType="ImmutableId"' in h.prefer and "odata.maxpagesize=10" in h.prefer
               for h in fake.requests("/messages/delta"))
    assert fake.mailbox.mutable_id_answers == 0

    rows = await store.load_emails(range(1, 27))
    email = rows[0][1]
    original = fake.mailbox.messages[email.provider_id]
    assert email.subject == original["subject"] and email.sender.address == original["from"]["emailAddress"]["address"]
    assert email.thread_id == original["conversationId"] and email.message_id == original["internetMessageId"]
    assert "is jammed again" in email.body_text and email.body_html.startswith("<html>")
    assert [a.filename for a in rows[-1][1].attachments] == ["log0.txt", "log1.txt"]

    # Restart: new connectors (nothing in memory) and the store reopened; only new mail is fetched.
    await store.close()
    await connectors.aclose()
    fake.mailbox.add_messages(7)
    fake.reset_log()
    store = await stores()
    connectors = build(page_size=10)
    report = await poller(store, connectors.source).poll()
    assert report.fetched == 7 and report.duplicates == 0
    assert fake.count("/messages/delta") == 1
    assert "$deltatoken" in fake.mailbox.delta_requests[-1]
    assert await store.queue_count(QueueQuery()) == 33


async def test_stale_delta_token_resyncs_the_folder_without_duplicates(fake, build, stores):
    fake.mailbox.add_messages(15)
    store = await stores()
    connectors = build(page_size=10)
    loop = poller(store, connectors.source)
    assert (await loop.poll()).fetched == 15
    fake.mailbox.expire_delta_tokens()  # Graph forgot the sync state
    fake.mailbox.add_messages(5)
    fake.reset_log()
    report = await loop.poll()
    assert fake.requests("/messages/delta")[0].status == 410
    assert connectors.source.resyncs == 1
    assert report.fetched == 5 and report.duplicates == 15
    assert await store.queue_count(QueueQuery()) == 20
    fake.reset_log()
    assert (await loop.poll()).fetched == 0
    assert fake.count("/messages/delta") == 1  # back to incremental


async def test_a_cursor_from_another_configuration_starts_over(fake, build):
    fake.mailbox.add_messages(3)
    connectors = build()
    other = json.dumps({"v": 1, "fp": "something-else", "link": f"{fake.url}/v1.0/anything"})
    batch = await connectors.source.fetch(other, 50)
    assert len(batch.messages) == 3 and "changeType" in fake.mailbox.delta_requests[-1]


async def test_a_link_to_another_host_is_refused(fake, build):
    connectors = build()
    stolen = json.dumps({"v": 1, "fp": connectors.source._fingerprint, "link": "https://attacker.example/v1.0/x"})
    with pytest.raises(Exception, match="refusing to send a Graph token"):
        await connectors.source.fetch(stolen, 50)
    assert fake.count() == 0


@pytest.mark.parametrize("new", [0, 10, 1000])
async def test_request_budget_per_poll(fake, build, stores, new):
    page = 50
    fake.mailbox.final_empty_page = True  # Graph's less favourable shape: a full last page, then an empty one
    store = await stores()
    connectors = build(page_size=page)
    loop = poller(store, connectors.source, batch_size=page)
    fake.mailbox.add_messages(3)
    await loop.poll()  # the initial round; what follows are ordinary polls
    fake.mailbox.add_messages(new)
    fake.reset_log()
    report = await loop.poll()
    requests = fake.count()
    budget = math.ceil(new / page) + 2
    print(f"\nN={new}: {requests} Graph requests for the poll (budget ceil(N/{page})+2 = {budget})")
    assert report.fetched == new
    assert requests <= budget
    if new == 0:
        assert requests == 1  # an idle poll is exactly one request
    fake.reset_log()
    await loop.poll()
    assert fake.count() == 1  # and the next idle poll, too
