"""The store against a real SQLite file: ingest without duplicates, guarded state changes with audit,
the outbox's idempotency, migrations, and clear errors for newer or locked databases."""

import sqlite3
from datetime import UTC, datetime

import pytest

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Classification, Email, Enrichment, Proposal, Urgency
from emailbot_gui.store.db import DatabaseTooNew, sqlite_url
from emailbot_gui.store.email_store import EmailStore, Quarantined
from emailbot_gui.store.instance_lock import AlreadyRunning, InstanceLock
from emailbot_gui.store.operator_ops import ConflictError
from emailbot_gui.store.views import QueueQuery, SortKey


def make_email(n: int, **kw) -> Email:
    values = dict(source="test", provider_id=f"p{n}", message_id=f"<m{n}@example.test>",
                  subject=f"Printer {n} jammed", sender=Address(f"user{n}@example.test", f"User {n}"),
                  received_at=datetime(2026, 11, 1, 8, n % 60, tzinfo=UTC), body_text=f"body {n}")
    values.update(kw)
    return Email(**values)


@pytest.fixture
async def store(tmp_path):
    s = await EmailStore.open(sqlite_url(tmp_path / "q.db"))
    yield s
    await s.close()


async def to_review(store: EmailStore, ids, category="hardware", urgency=Urgency.MEDIUM):
    await store.save_classifications([(i, Classification(category, urgency, 0.7, "why", "test")) for i in ids])
    await store.save_enrichments([(i, Enrichment()) for i in ids])
    await store.save_proposals([(i, Proposal(reply_text="Hello")) for i in ids])


async def test_ingest_skips_known_provider_ids_and_message_ids(store):
    first = await store.ingest("test", [make_email(1), make_email(2)], cursor="c1")
    assert len(first.new_ids) == 2
    same_mail_again = make_email(3, message_id="<m2@example.test>", subject="Printer 2 jammed",
                                 sender=Address("user2@example.test"))
    reused_message_id = make_email(5, message_id="<m2@example.test>")  # another mail, same Message-ID
    again = await store.ingest("test", [make_email(1), same_mail_again, make_email(4), reused_message_id],
                               cursor="c2")
    assert len(again.new_ids) == 2 and again.duplicates == 2
    assert await store.queue_count(QueueQuery()) == 4
    assert await store.cursor("test") == "c2"


async def test_quarantine_is_kept_with_reason(store):
    result = await store.ingest("test", [], [Quarantined("bad1", "x.eml", "not an email: no header lines", b"\0")])
    detail = await store.detail(result.quarantined_ids[0])
    assert detail.state == EmailState.QUARANTINED and "no header" in detail.state_reason
    assert detail.quarantine_raw_size == 1


async def test_pipeline_stages_are_audited_in_order(store):
    ids = (await store.ingest("test", [make_email(1)])).new_ids
    await to_review(store, ids)
    actions = [(a.action, a.before, a.after) for a in reversed(await store.audit(ids[0]))]
    assert actions == [("fetched", "", "new"), ("classified", "new", "classified"),
                       ("enriched", "classified", "enriched"), ("proposed", "enriched", "awaiting_review")]


async def test_stage_does_not_overwrite_an_email_that_moved_on(store):
    ids = (await store.ingest("test", [make_email(1)])).new_ids
    await to_review(store, ids)
    await store.save_classifications([(ids[0], Classification("outage", Urgency.HIGH, 0.9, "", "late"))])
    detail = await store.detail(ids[0])
    assert detail.state == EmailState.AWAITING_REVIEW and detail.classification.category == "hardware"


async def test_approve_writes_outbox_once_and_refuses_a_second_decision(store):
    ids = (await store.ingest("test", [make_email(1)])).new_ids
    await to_review(store, ids)
    outbox_id = await store.approve_reply(ids[0], "alice", to="user1@example.test", subject="Re: x", body="Hi",
                                          in_reply_to="<m1@example.test>", edited=False)
    with pytest.raises(ConflictError):
        await store.approve_reply(ids[0], "bob", to="user1@example.test", subject="Re: x", body="Hi again",
                                  in_reply_to="<m1@example.test>", edited=True)
    with pytest.raises(ConflictError):
        await store.reject(ids[0], "bob", "dup")
    await store.mark_delivered(outbox_id, "ext-1", "")
    await store.mark_delivered(outbox_id, "ext-1", "")  # a repeated acknowledgement is harmless
    items = await store.outbox()
    assert len(items) == 1 and items[0].status == "delivered" and items[0].idempotency_key == f"reply:{ids[0]}"
    assert (await store.detail(ids[0])).state == EmailState.SENT
    approvals = [a for a in await store.audit(ids[0]) if a.action == "approve_reply"]
    assert len(approvals) == 1 and approvals[0].actor == "alice"


async def test_override_records_correction_and_audit(store):
    ids = (await store.ingest("test", [make_email(1)])).new_ids
    await to_review(store, ids)
    await store.override(ids[0], "alice", Classification("outage", Urgency.CRITICAL, 1.0, "op", "operator"),
                         Proposal("We are on it"), "whole floor down", ("Printer 1 jammed", "body 1"))
    detail = await store.detail(ids[0])
    assert detail.state == EmailState.OVERRIDDEN
    assert detail.classification.category == "outage" and detail.proposal.reply_text == "We are on it"
    assert await store.training_examples() == [("Printer 1 jammed", "body 1", "outage", "CRITICAL")]
    entry = (await store.audit(ids[0]))[0]
    assert entry.action == "override" and entry.details["category"] == ["hardware", "outage"]
    rows = await store.queue_page(QueueQuery(urgencies=frozenset({Urgency.CRITICAL})), 0, 10)
    assert [r.id for r in rows] == ids


async def test_delivery_failure_goes_to_failed_after_the_last_attempt_and_retries(store):
    ids = (await store.ingest("test", [make_email(1)])).new_ids
    await to_review(store, ids)
    outbox_id = await store.approve_reply(ids[0], "a", to="x@y", subject="s", body="b", in_reply_to="",
                                          edited=False)
    await store.mark_delivery_failed(outbox_id, "timeout", final=False)
    assert (await store.detail(ids[0])).state == EmailState.APPROVED
    await store.mark_delivery_failed(outbox_id, "timeout", final=True)
    detail = await store.detail(ids[0])
    assert detail.state == EmailState.FAILED and "timeout" in detail.state_reason
    assert await store.retry_failed(ids[0], "a") == EmailState.APPROVED
    assert [o.status for o in await store.outbox()] == ["pending"]


async def test_queue_filters_sorts_pages_and_searches(store):
    emails = [make_email(i, subject=f"VPN {i}" if i % 2 else f"Printer {i}") for i in range(1, 41)]
    ids = (await store.ingest("test", emails)).new_ids
    await to_review(store, ids[:20], category="network_vpn", urgency=Urgency.HIGH)
    assert await store.queue_count(QueueQuery(categories=frozenset({"network_vpn"}))) == 20
    assert await store.queue_count(QueueQuery(states=frozenset({EmailState.NEW}))) == 20
    assert await store.queue_count(QueueQuery(text="vpn")) == 20
    assert await store.queue_count(QueueQuery(text="vpn 1")) == 8  # VPN 1, 11, 13, 15, 17, 19, 21, 31
    assert await store.queue_count(QueueQuery(text="100%")) == 0  # LIKE wildcards are literal
    page1 = await store.queue_page(QueueQuery(sort=SortKey.SUBJECT, descending=False), 0, 15)
    page2 = await store.queue_page(QueueQuery(sort=SortKey.SUBJECT, descending=False), 15, 15)
    subjects = [r.subject for r in page1 + page2]
    assert subjects == sorted(subjects) and len(set(subjects)) == 30


async def test_reopen_resumes_and_migration_is_idempotent(tmp_path):
    url = sqlite_url(tmp_path / "q.db")
    s = await EmailStore.open(url)
    await s.ingest("test", [make_email(1)], cursor="c9")
    await s.close()
    s = await EmailStore.open(url)
    assert await s.cursor("test") == "c9" and await s.queue_count(QueueQuery()) == 1
    await s.close()


async def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "q.db"
    s = await EmailStore.open(sqlite_url(path))
    await s.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        await EmailStore.open(sqlite_url(path))


def test_a_second_instance_on_the_same_folder_is_refused(tmp_path):
    first = InstanceLock(tmp_path)
    first.acquire()
    with pytest.raises(AlreadyRunning, match="already using"):
        InstanceLock(tmp_path).acquire()
    first.release()
    second = InstanceLock(tmp_path)
    second.acquire()
    second.release()


async def test_outbox_progress_is_merged_durably(store):
    ids = (await store.ingest("test", [make_email(1)])).new_ids
    await to_review(store, ids)
    outbox_id = await store.approve_reply(ids[0], "a", to="x@y", subject="s", body="b", in_reply_to="",
                                          edited=False)
    await store.save_outbox_progress(outbox_id, {"draft_id": "AAMk-1"})
    await store.save_outbox_progress(outbox_id, {"draft_patched": True})
    item = (await store.outbox())[0]
    assert item.payload["progress"] == {"draft_id": "AAMk-1", "draft_patched": True}
    assert item.payload["body"] == "b"


def test_json_columns_read_what_the_standard_library_wrote() -> None:
    import math

    from emailbot_gui.store.db import json_text, json_value

    assert json_value(json_text({"a": [1, "é", None], 2: True})) == {"a": [1, "é", None], "2": True}
    assert json_value(json_text({"big": 2**70})) == {"big": 2**70}  # beyond orjson: the standard library
    assert math.isnan(json_value('{"confidence": NaN}')["confidence"])  # as earlier versions stored it
