"""Undo: an operator's decision is taken back while nothing has left the console. A reply or an escalation
is held for the undo window and claimed before it is delivered, so of "undo" and "send" exactly one happens,
on SQLite and on PostgreSQL; after a restart a held reply is still held, then delivered once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.settings import Settings, SettingsError
from emailbot_gui.connectors.demo_outbox import DemoOutbox
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Classification, Proposal, Urgency
from emailbot_gui.pipeline.auto_approval import AUTO_ACTOR
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.services.console import OperationError
from emailbot_gui.services.events import EmailsChanged, EventHub
from emailbot_gui.services.runtime import Mode, Runtime, build_runtime
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.operator_ops import ConflictError
from emailbot_gui.store.views import QueueQuery
from tests.test_store import make_email, to_review


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EmailStore]:
    url = sqlite_url(tmp_path / "q.db") if request.param == "sqlite" else request.getfixturevalue(
        "fresh_postgres_url")
    s = await EmailStore.open(url)
    yield s
    await s.close()


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def reviewable(store: EmailStore, n: int = 1) -> list[int]:
    ids = (await store.ingest("test", [make_email(i) for i in range(1, n + 1)])).new_ids
    await to_review(store, ids)
    return ids


async def approve(store: EmailStore, email_id: int, body: str = "Hi", hold: float | None = 60.0) -> int:
    return await store.approve_reply(email_id, "alice", to="user1@example.test", subject="Re: x", body=body,
                                     in_reply_to="", edited=False, hold_until=later(hold) if hold else None)


def sent_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.eml")) if folder.exists() else []


async def test_an_undone_reply_is_cancelled_and_the_email_is_back_in_review(store: EmailStore) -> None:
    [email_id] = await reviewable(store)
    outbox_id = await approve(store, email_id)
    assert (await store.undo_decision(email_id, "alice", window=10)).state == EmailState.AWAITING_REVIEW
    detail = await store.detail(email_id)
    assert detail.state == EmailState.AWAITING_REVIEW and detail.proposal.reply_text == "Hello"
    [item] = await store.outbox()
    assert item.id == outbox_id and item.status == "cancelled"
    assert not await store.claim_delivery(outbox_id)  # a dispatcher that read it before the undo skips it
    undo = (await store.audit(email_id))[0]
    assert (undo.action, undo.actor, undo.before, undo.after) == ("undo", "alice", "approved", "awaiting_review")
    assert undo.details["undone"] == "approve_reply" and undo.details["outbox_id"] == outbox_id
    with pytest.raises(ConflictError, match="no decision left to undo"):  # undo is not a toggle
        await store.undo_decision(email_id, "alice", window=10)

    # Approved again, with another text: the same idempotency key, the row taken over, the new text sent.
    again = await approve(store, email_id, body="Second thoughts", hold=None)
    [item] = await store.outbox()
    assert again == outbox_id and item.status == "pending" and item.payload["body"] == "Second thoughts"
    assert item.not_before is None and item.started_at is None and item.attempts == 0


async def test_once_a_delivery_has_started_it_can_no_longer_be_undone(store: EmailStore) -> None:
    [email_id] = await reviewable(store)
    outbox_id = await approve(store, email_id)
    assert await store.claim_delivery(outbox_id)
    with pytest.raises(ConflictError, match="being delivered already"):
        await store.undo_decision(email_id, "alice", window=10)
    assert (await store.detail(email_id)).state == EmailState.APPROVED
    [item] = await store.outbox()
    assert item.status == "pending" and item.started_at is not None
    assert (await store.audit(email_id))[0].action == "approve_reply"  # the undo wrote nothing


async def test_undo_and_claim_race_and_exactly_one_wins(store: EmailStore) -> None:
    ids = await reviewable(store, 8)
    outbox_ids = [await approve(store, i) for i in ids]

    async def undo(email_id: int) -> bool:
        try:
            await store.undo_decision(email_id, "alice", window=10)
            return True
        except ConflictError:
            return False

    for email_id, outbox_id in zip(ids, outbox_ids, strict=True):
        undone, claimed = await asyncio.gather(undo(email_id), store.claim_delivery(outbox_id))
        assert undone != claimed, f"email {email_id}: undone {undone}, claimed {claimed}"
        state = (await store.detail(email_id)).state
        assert state == (EmailState.AWAITING_REVIEW if undone else EmailState.APPROVED)


async def test_close_and_reject_can_be_undone_within_the_window_only(store: EmailStore) -> None:
    closed, rejected, late = await reviewable(store, 3)
    await store.close_without_reply(closed, "alice", "out of office")
    await store.reject(rejected, "alice", "wrong category")
    await store.reject(late, "alice", "")
    assert (await store.undo_decision(closed, "alice", window=10)).state == EmailState.AWAITING_REVIEW
    assert (await store.undo_decision(rejected, "alice", window=10)).state == EmailState.AWAITING_REVIEW
    with pytest.raises(ConflictError, match="rejected more than 0 seconds ago"):
        await store.undo_decision(late, "alice", window=0)
    assert (await store.detail(late)).state == EmailState.REJECTED
    assert {a.details["undone"] for a in await store.audit(None) if a.action == "undo"} == {"close", "reject"}


async def test_an_undone_decision_on_a_corrected_email_goes_back_to_overridden(store: EmailStore) -> None:
    [email_id] = await reviewable(store)
    await store.override(email_id, "alice", Classification("outage", Urgency.CRITICAL, 1.0, "op", "operator"),
                         Proposal("We are on it"), "", ("s", "b"))
    await store.approve_escalation(email_id, "alice", people=[["nina@example.test", "Nina"]], topic="Down",
                                   message="Whole floor down", hold_until=later(60))
    assert (await store.undo_decision(email_id, "alice", window=10)).state == EmailState.OVERRIDDEN
    assert (await store.detail(email_id)).classification.category == "outage"  # the correction stays


async def test_an_undone_correction_puts_back_the_classification_and_drops_its_example(store: EmailStore) -> None:
    [email_id] = await reviewable(store)
    before = await store.detail(email_id)
    row_before = (await store.queue_page(QueueQuery(), 0, 10))[0]
    await store.override(email_id, "alice", Classification("outage", Urgency.CRITICAL, 1.0, "op", "operator"),
                         Proposal("We are on it"), "", ("Printer 1 jammed", "body 1"))
    assert await store.training_examples() == [("Printer 1 jammed", "body 1", "outage", "CRITICAL")]
    undone = await store.undo_decision(email_id, "alice", window=10)
    assert (undone.state, undone.action, undone.details["category"]) == (
        EmailState.AWAITING_REVIEW, "override", ["hardware", "outage"])
    after = await store.detail(email_id)
    assert after.classification == before.classification and after.proposal == before.proposal
    row = (await store.queue_page(QueueQuery(), 0, 10))[0]
    assert (row.category, row.urgency, row.confidence) == (row_before.category, row_before.urgency,
                                                          row_before.confidence)
    assert await store.training_examples() == []  # the model will not learn the taken-back label


async def test_a_correction_from_before_undo_existed_is_left_alone(store: EmailStore) -> None:
    """An override audited by an older version kept no copy of what it replaced: undo must not blank it."""
    from sqlalchemy import update

    from emailbot_gui.store.models import AuditEventRow

    [email_id] = await reviewable(store)
    await store.override(email_id, "alice", Classification("outage", Urgency.CRITICAL, 1.0, "op", "operator"),
                         Proposal("We are on it"), "", ("s", "b"))
    async with store.write() as s:
        await s.execute(update(AuditEventRow).where(AuditEventRow.action == "override")
                        .values(details={"category": ["hardware", "outage"], "urgency": ["MEDIUM", "CRITICAL"]}))
    with pytest.raises(ConflictError, match="made by an older version"):
        await store.undo_decision(email_id, "alice", window=10)
    detail = await store.detail(email_id)
    assert detail.state == EmailState.OVERRIDDEN and detail.classification.category == "outage"


async def test_undo_walks_back_decision_by_decision(store: EmailStore) -> None:
    [email_id] = await reviewable(store)
    await store.override(email_id, "alice", Classification("outage", Urgency.CRITICAL, 1.0, "op", "operator"),
                         Proposal("We are on it"), "", ("s", "b"))
    await approve(store, email_id)
    assert (await store.undo_decision(email_id, "alice", window=10)).action == "approve_reply"
    assert (await store.detail(email_id)).state == EmailState.OVERRIDDEN
    undone = await store.undo_decision(email_id, "alice", window=10)  # then the correction before it
    assert (undone.action, undone.state) == ("override", EmailState.AWAITING_REVIEW)
    assert (await store.detail(email_id)).classification.category == "hardware"
    with pytest.raises(ConflictError, match="no decision left to undo"):
        await store.undo_decision(email_id, "alice", window=10)


async def test_sent_and_pipeline_emails_have_nothing_to_undo(store: EmailStore) -> None:
    sent, fresh = await reviewable(store, 2)
    outbox_id = await approve(store, sent, hold=None)
    await store.mark_delivered(outbox_id, "ext", "")
    with pytest.raises(ConflictError, match="this email is sent; there is no decision left to undo"):
        await store.undo_decision(sent, "alice", window=10)
    pipeline = (await store.ingest("test", [make_email(9)])).new_ids[0]
    with pytest.raises(ConflictError, match="this email is new"):
        await store.undo_decision(pipeline, "alice", window=10)
    assert (await store.detail(fresh)).state == EmailState.AWAITING_REVIEW


async def test_the_dispatcher_holds_a_reply_until_its_window_ends_then_wakes_and_sends_it_once(
        tmp_path: Path) -> None:
    store = await EmailStore.open(sqlite_url(tmp_path / "q.db"))
    events = EventHub()
    sent: list[EmailsChanged] = []
    events.subscribe(lambda e: sent.append(e) if isinstance(e, EmailsChanged) and e.reason == "sent" else None)
    dispatcher = OutboxDispatcher(store, DemoOutbox(tmp_path / "out"), events)
    try:
        held, due = await reviewable(store, 2)
        await approve(store, held, hold=0.6)
        await approve(store, due, hold=None)
        assert await dispatcher.deliver_pending() == 1  # only the one not held
        assert (await store.detail(held)).state == EmailState.APPROVED and len(sent_files(tmp_path / "out")) == 1
        for _ in range(100):  # no second call: the dispatcher wakes itself when the window ends
            if (await store.detail(held)).state == EmailState.SENT:
                break
            await asyncio.sleep(0.05)
        assert (await store.detail(held)).state == EmailState.SENT
        assert len(sent_files(tmp_path / "out")) == 2 and [e.ids for e in sent] == [(due,), (held,)]
        assert await dispatcher.deliver_pending() == 0  # and never again
    finally:
        await dispatcher.close()
        await store.close()


async def test_a_restart_inside_the_window_keeps_the_reply_held_then_sends_it(tmp_path: Path) -> None:
    """The app dies while a reply is held: the next start neither sends it early nor forgets it."""
    url = sqlite_url(tmp_path / "q.db")
    store = await EmailStore.open(url)
    [email_id] = await reviewable(store)
    await approve(store, email_id, hold=0.8)
    await store.close()  # no dispatcher ran: a crash

    store = await EmailStore.open(url)
    dispatcher = OutboxDispatcher(store, DemoOutbox(tmp_path / "out"), EventHub())
    try:
        assert await dispatcher.deliver_pending() == 0  # what every start does first
        assert sent_files(tmp_path / "out") == []
        for _ in range(100):
            if (await store.detail(email_id)).state == EmailState.SENT:
                break
            await asyncio.sleep(0.05)
        assert (await store.detail(email_id)).state == EmailState.SENT and len(sent_files(tmp_path / "out")) == 1
    finally:
        await dispatcher.close()
        await store.close()


# ---- through the console, on the demo runtime -----------------------------------------------------------


async def demo_runtime(tmp_path: Path, undo_seconds: float) -> Runtime:
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), Settings(undo_seconds=undo_seconds),
                                  Mode(demo=True))
    await runtime.loop.poll()
    await runtime.loop.process_pending()
    return runtime


async def first_reviewable(runtime: Runtime) -> int:
    rows = await runtime.store.queue_page(QueueQuery(states=frozenset({EmailState.AWAITING_REVIEW})), 0, 5)
    for row in rows:
        if (await runtime.console.detail(row.id)).proposal.reply_text:
            return row.id
    raise AssertionError("no email with a proposed reply")


async def test_the_console_holds_an_operators_reply_and_undo_takes_it_back(tmp_path: Path) -> None:
    runtime = await demo_runtime(tmp_path, undo_seconds=30)
    outbox = runtime.paths.data_dir / "outbox"
    try:
        email_id = await first_reviewable(runtime)
        seen: list[str] = []
        runtime.events.subscribe(lambda e: seen.append(e.reason) if isinstance(e, EmailsChanged) else None)
        await runtime.console.approve(email_id, "Edited reply")
        await runtime.console.wait_idle()
        assert (await runtime.console.detail(email_id)).state == EmailState.APPROVED and sent_files(outbox) == []
        assert await runtime.console.undo(email_id) == EmailState.AWAITING_REVIEW
        assert seen == ["approved", "undone"]
        with pytest.raises(OperationError, match="This email is awaiting review; there is no decision left to undo"):
            await runtime.console.undo(email_id)
        # Auto-approval is not held: no operator is there to undo it.
        await runtime.console.approve(email_id, actor=AUTO_ACTOR)
        await runtime.console.wait_idle()
        assert (await runtime.console.detail(email_id)).state == EmailState.SENT and len(sent_files(outbox)) == 1
    finally:
        await runtime.close()


async def test_an_undone_correction_is_forgotten_by_the_local_model(tmp_path: Path) -> None:
    runtime = await demo_runtime(tmp_path, undo_seconds=30)
    learner = runtime.console.learner
    try:
        email_id = await first_reviewable(runtime)
        shipped = learner.model
        await runtime.console.override(email_id, category="billing_licence", urgency=Urgency.CRITICAL)
        await asyncio.wait_for(learner.retrained.wait(), 60)
        assert learner.corrections == 1 and learner.model is not shipped
        assert await runtime.console.undo(email_id) == EmailState.AWAITING_REVIEW
        await asyncio.wait_for(learner.retrained.wait(), 60)
        assert learner.corrections == 0 and learner.model is shipped  # nothing left to learn: as shipped
    finally:
        await runtime.close()


async def test_quitting_inside_the_window_sends_the_held_reply(tmp_path: Path) -> None:
    runtime = await demo_runtime(tmp_path, undo_seconds=60)
    email_id = await first_reviewable(runtime)
    await runtime.console.approve(email_id)
    await runtime.close()  # the operator quits: nobody can undo it any more, so it goes now
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), Settings(), Mode(demo=True))
    try:
        assert (await runtime.store.detail(email_id)).state == EmailState.SENT
        assert len(sent_files(runtime.paths.data_dir / "outbox")) == 1
    finally:
        await runtime.close()


async def test_quitting_gives_up_on_a_dead_server_and_the_next_start_sends(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import emailbot_gui.services.runtime as runtime_module

    monkeypatch.setattr(runtime_module, "HELD_ON_QUIT_SECONDS", 0.5)
    runtime = await demo_runtime(tmp_path, undo_seconds=60)
    email_id = await first_reviewable(runtime)
    await runtime.console.approve(email_id)
    demo_sink = runtime.console.dispatcher.sink

    class DeadServer:  # takes the request and never answers
        async def find_delivered(self, key: str, progress: object) -> None:
            return None

        async def send_reply(self, reply: object) -> None:
            await asyncio.Event().wait()

        async def escalate(self, escalation: object) -> None:
            await asyncio.Event().wait()

    runtime.console.dispatcher.sink = DeadServer()
    await asyncio.wait_for(runtime.close(), 30)  # the quit does not hang on the held reply
    assert sent_files(demo_sink.folder) == []

    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), Settings(), Mode(demo=True))
    try:  # this console's own claim: taken back at once, and the reply goes out
        assert await runtime.console.deliver_pending() == 1
        assert (await runtime.store.detail(email_id)).state == EmailState.SENT
        assert len(sent_files(demo_sink.folder)) == 1
    finally:
        await runtime.close()


def test_the_undo_window_is_validated() -> None:
    assert Settings(undo_seconds=0).validate().undo_seconds == 0
    with pytest.raises(SettingsError, match="undo_seconds"):
        Settings(undo_seconds=-1).validate()
    with pytest.raises(SettingsError, match="between 0 and 120"):
        Settings(undo_seconds=600).validate()


def test_going_back_to_0004_keeps_what_was_delivered_and_drops_what_was_undone(tmp_path: Path) -> None:
    import sqlite3

    from tests.test_store_batches import _upgrade_to

    url = sqlite_url(tmp_path / "q.db")

    async def decide() -> None:
        store = await EmailStore.open(url)
        try:
            undone, sent = await reviewable(store, 2)
            await approve(store, undone)
            await store.undo_decision(undone, "alice", window=10)
            outbox_id = await approve(store, sent, hold=None)
            await store.mark_delivered(outbox_id, "ext-1", "")
        finally:
            await store.close()

    asyncio.run(decide())
    _upgrade_to("0004", url, down=True)  # what the previous version reads
    con = sqlite3.connect(tmp_path / "q.db")
    columns = {r[1] for r in con.execute("PRAGMA table_info(outbox)")}
    rows = con.execute("SELECT idempotency_key, status FROM outbox").fetchall()
    con.close()
    assert not columns & {"not_before", "started_at", "claimed_by", "claimed_until"}
    assert rows == [("reply:2", "delivered")]  # the cancelled row is gone; nothing before 0005 knew that state
    _upgrade_to("head", url)  # and forward again
