"""Polling a Gmail label through the real triage loop and store: the first sync pages through
messages.list, then history.list brings only what is new — also after a restart with the persisted cursor
and in the middle of a page run — a stale historyId falls back to a full listing without duplicates, and a
mail above 25 MB is reported instead of downloaded."""

from __future__ import annotations

import json

from emailbot_gui.mail.parse import parse_message
from tests.gmail.fake_gmail import mail
from tests.gmail.pipeline import poller


async def queue_subjects(store) -> list[str]:
    rows = await store.load_emails(range(1, 1000))
    return sorted(email.subject for _, email in rows)


async def test_first_sync_pages_through_the_label(fake, build):
    stored = [fake.deliver(mail(n)) for n in range(7)]
    fake.deliver(mail(99, subject="Sent by us"), labels=("SENT",))
    source = build(page_size=3).source
    started_at = fake.history_id
    batches, cursor = [], None
    while True:
        batch = await source.fetch(cursor, 50)
        batches.append(batch)
        cursor = batch.cursor
        if not batch.more:
            break
    assert [len(b.messages) for b in batches] == [3, 3, 1] and [b.more for b in batches] == [True, True, False]
    by_id = {m.provider_id: m for b in batches for m in b.messages}
    assert set(by_id) == {s.id for s in stored}  # the SENT one is not in INBOX
    assert all(by_id[s.id].raw == s.raw for s in stored)
    assert [h.query.get("labelIds") for h in fake.requests(r"/messages$")] == [["INBOX"]] * 3
    assert [h.query.get("maxResults") for h in fake.requests(r"/messages$")] == [["3"]] * 3
    # The history position was taken before the listing began, and kept through the pages.
    assert json.loads(cursor)["history"] == str(started_at) and not json.loads(cursor)["full"]
    assert fake.requests("/profile")[0].started < fake.requests("/messages$")[0].started


async def test_incremental_sync_resumes_after_a_restart_without_loss_or_duplicates(fake, build, stores):
    for n in range(5):
        fake.deliver(mail(n))
    store = await stores()
    connectors = build(page_size=3)
    report = await poller(store, connectors.source).poll()
    assert report.fetched == 5 and report.duplicates == 0

    # Restart: new connectors (nothing in memory), the store reopened; only history is asked.
    await store.close()
    await connectors.aclose()
    for n in range(5, 12):
        fake.deliver(mail(n))
    fake.deliver(mail(50, subject="our own reply"), labels=("SENT",))
    store = await stores()
    connectors = build(page_size=3)
    requests_before = len(fake.hits)
    # A poll that stops after the first history page (the app quit mid-run) ...
    batch = await connectors.source.fetch(await store.cursor(connectors.source.name), 3)
    assert len(batch.messages) == 3 and batch.more and json.loads(batch.cursor)["page"]
    await store.ingest(connectors.source.name, [parse_message(m, connectors.source.name) for m in batch.messages],
                       cursor=batch.cursor)
    await store.close()
    await connectors.aclose()
    # ... and a new start resumes on the next page with the same startHistoryId.
    store = await stores()
    connectors = build(page_size=3)
    report = await poller(store, connectors.source).poll()
    assert report.fetched == 4 and report.duplicates == 0
    new = fake.hits[requests_before:]
    assert not [h for h in new if h.path.endswith("/messages") or h.path.endswith("/profile")]
    history = [h for h in new if h.path.endswith("/history")]
    assert len({h.query["startHistoryId"][0] for h in history}) == 1 and history[0].query["labelId"] == ["INBOX"]
    assert history[0].query["historyTypes"] == ["messageAdded"]
    assert await queue_subjects(store) == sorted(f"Printer {n} is on fire" for n in range(12))

    # Idle: one history request, nothing new.
    fake.hits.clear()
    report = await poller(store, connectors.source).poll()
    assert report.fetched == 0 and [h.path.rsplit("/", 1)[-1] for h in fake.hits] == ["history"]


async def test_a_stale_history_id_falls_back_to_a_full_listing(fake, build, stores):
    for n in range(4):
        fake.deliver(mail(n))
    store = await stores()
    connectors = build(page_size=3)
    await poller(store, connectors.source).poll()
    fake.expire_history()
    fake.deliver(mail(4))
    fake.deliver(mail(5))
    report = await poller(store, connectors.source).poll()
    assert connectors.source.resyncs == 1
    assert [h.status for h in fake.requests("/history")] == [404]
    assert report.fetched == 2 and report.duplicates == 4  # listed again, kept once
    assert len(await queue_subjects(store)) == 6
    # Back on history from the position taken before the new listing.
    fake.deliver(mail(6))
    report = await poller(store, connectors.source).poll()
    assert report.fetched == 1 and fake.requests("/history")[-1].status == 200


async def test_an_oversize_mail_is_reported_not_downloaded(fake, build, stores):
    small = fake.deliver(mail(1))
    big = fake.deliver(mail(2, subject="a huge scan"), size=31 * 1024 * 1024)
    source = build().source
    batch = await source.fetch(None, 10)
    assert [m.provider_id for m in batch.messages] == [small.id]
    assert len(batch.unreadable) == 1
    origin, reason = batch.unreadable[0]
    assert big.id in origin and "31.0 MB" in reason and "25 MB" in reason
    assert fake.downloads() == [small.id]
    # Through the loop it becomes a quarantined item, once.
    store = await stores()
    report = await poller(store, build().source).poll()
    assert report.quarantined == 1 and report.fetched == 1


async def test_a_message_deleted_between_listing_and_download_is_skipped(fake, build):
    keep = fake.deliver(mail(1))
    gone = fake.deliver(mail(2))
    fake.fail(f"/messages/{gone.id}$", status=404, body={"error": {"code": 404, "message": "Requested entity "
              "was not found.", "errors": [{"reason": "notFound"}]}})
    batch = await build().source.fetch(None, 10)
    assert [m.provider_id for m in batch.messages] == [keep.id] and not batch.unreadable


async def test_downloads_run_concurrently_but_bounded(fake, build):
    for n in range(12):
        fake.deliver(mail(n))
    c = build(page_size=12, max_concurrency=4)
    batch = await c.source.fetch(None, 50)
    assert len(batch.messages) == 12
    gets = fake.requests(r"/messages/[0-9a-f]+$")
    overlap = max(sum(1 for o in gets if o.started < h.ended and h.started < o.ended) for h in gets)
    assert overlap <= 4
