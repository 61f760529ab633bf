"""CRM cases through the outbox: approved beside the email's state machine, audited with the created
record's id and link, delivered once. A crash between the create request and recording its answer
(the answer lost in flight, or the process dying right after it) never creates a second case."""

from __future__ import annotations

import asyncio
import threading

import pytest

from emailbot_gui.connectors.crm_actions import CRM_CASE_KIND
from emailbot_gui.connectors.demo_outbox import DemoOutbox
from emailbot_gui.connectors.hubspot import HubSpotSource
from emailbot_gui.connectors.salesforce import SalesforceSource
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Urgency
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.services.events import EventHub, Notice
from emailbot_gui.store import operator_ops
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.operator_ops import ConflictError
from tests.crm.conftest import DANA, hs_settings, sf_settings
from tests.test_store import make_email, to_review


class Killed(BaseException):
    """The process dies here (nothing in the app catches a BaseException that is not an Exception)."""


class DyingStore:
    """The store, except that the process dies when the "created" checkpoint is about to be written."""

    def __init__(self, store: EmailStore) -> None:
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    async def save_outbox_progress(self, outbox_id, update):
        if update.get("stage") == "created":
            raise Killed
        await self._store.save_outbox_progress(outbox_id, update)


@pytest.fixture
async def db(tmp_path):
    url = sqlite_url(tmp_path / "q.db")
    store = await EmailStore.open(url)
    (email_id,) = (await store.ingest("test", [make_email(1, sender=Address("dana@northwind.example", "Dana"),
                                                          subject="Printer on fire")])).new_ids
    await to_review(store, [email_id], urgency=Urgency.CRITICAL)
    yield store, url, email_id, tmp_path
    await store.close()


async def approve(store, email_id, target="salesforce"):
    return await store.approve_crm_action(email_id, "op", target=target, payload={
        "target": target, "sender": "dana@northwind.example", "subject": "Printer on fire",
        "description": "It is on fire.", "urgency": "CRITICAL"})


def test_the_store_and_the_connectors_agree_on_the_kind():
    assert operator_ops.CRM_CASE_KIND == CRM_CASE_KIND


async def test_case_is_created_once_audited_and_the_email_stays_reviewable(db, salesforce, sf_fake):
    store, _, email_id, tmp = db
    events = EventHub()
    notices = []
    events.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    await approve(store, email_id)
    with pytest.raises(ConflictError, match="already being created"):
        await approve(store, email_id)
    dispatcher = OutboxDispatcher(store, DemoOutbox(tmp / "out"), events, crm_sinks={"salesforce": salesforce})
    assert await dispatcher.deliver_pending() == 1
    (item,) = await store.outbox_for_email(email_id, CRM_CASE_KIND)
    case = sf_fake.cases[-1]
    assert item.status == "delivered" and item.external_id == case["Id"] and item.idempotency_key == \
        f"crm:salesforce:{email_id}"
    assert item.link == f"{sf_fake.base_url}/lightning/r/Case/{case['Id']}/view"
    assert case["ContactId"] == DANA and case["Priority"] == "High"
    detail = await store.detail(email_id)
    assert detail.state == EmailState.AWAITING_REVIEW
    actions = {a.action: a for a in await store.audit(email_id)}
    created = actions["crm_case_created"]
    assert created.before == created.after == "awaiting_review"
    assert created.details["external_id"] == case["Id"] and created.details["link"] == item.link
    assert actions["crm_case_requested"].details["target"] == "salesforce"
    assert any("Created" in n.text for n in notices)
    with pytest.raises(ConflictError, match="already created"):
        await approve(store, email_id)
    # the email's own life goes on: a reply can still be approved and sent
    await store.approve_reply(email_id, "op", to="dana@northwind.example", subject="Re", body="Hi", in_reply_to="",
                              edited=False)
    assert await dispatcher.deliver_pending() == 1
    assert (await store.detail(email_id)).state == EmailState.SENT
    assert len([c for c in sf_fake.cases if c.get("ContactId") == DANA and "Printer" in c["Subject"]]) == 1


async def test_not_for_rejected_emails(db):
    store, _, email_id, _ = db
    await store.reject(email_id, "op", "spam")
    with pytest.raises(ConflictError, match="rejected"):
        await approve(store, email_id)


async def test_a_failed_case_is_requeued_under_the_same_key(db, salesforce, sf_fake):
    store, _, email_id, tmp = db
    await approve(store, email_id)
    sf_fake.fail_next = [(500, [{"message": "boom", "errorCode": "UNKNOWN_EXCEPTION"}])] * 3
    dispatcher = OutboxDispatcher(store, DemoOutbox(tmp / "out"), EventHub(), max_attempts=1,
                                  crm_sinks={"salesforce": salesforce})
    assert await dispatcher.deliver_pending() == 0
    (item,) = await store.outbox_for_email(email_id, CRM_CASE_KIND)
    assert item.status == "failed" and "UNKNOWN_EXCEPTION" in item.error
    assert (await store.detail(email_id)).state == EmailState.AWAITING_REVIEW
    assert "crm_case_failed" in [a.action for a in await store.audit(email_id)]
    sf_fake.fail_next = []
    again = await approve(store, email_id)
    assert again == item.id
    assert await dispatcher.deliver_pending() == 1
    assert len([c for c in sf_fake.cases if "Printer on fire" in c["Subject"]]) == 1


async def test_unknown_target_fails_without_touching_the_email(db):
    store, _, email_id, tmp = db
    await approve(store, email_id, target="zendesk")
    dispatcher = OutboxDispatcher(store, DemoOutbox(tmp / "out"), EventHub(), max_attempts=1)
    assert await dispatcher.deliver_pending() == 0
    (item,) = await store.outbox_for_email(email_id)
    assert item.status == "failed" and "no CRM target 'zendesk'" in item.error
    assert (await store.detail(email_id)).state == EmailState.AWAITING_REVIEW


async def test_answer_lost_in_flight_then_restart_finds_the_case(db, sf_fake):
    """The process is killed while Salesforce has created the case but its answer is still on the wire."""
    store, url, email_id, tmp = db
    await approve(store, email_id)
    created, release = threading.Event(), threading.Event()

    def hold_the_answer():
        created.set()
        release.wait(10)

    sf_fake.after_case_created = hold_the_answer
    first = SalesforceSource(sf_settings(sf_fake), sf_fake.client_secret)
    task = asyncio.ensure_future(OutboxDispatcher(store, DemoOutbox(tmp / "out"), EventHub(),
                                                  crm_sinks={"salesforce": first}).deliver_pending())
    assert await asyncio.to_thread(created.wait, 10)
    task.cancel()  # kill: between the POST and recording its answer
    with pytest.raises(asyncio.CancelledError):
        await task
    sf_fake.after_case_created = None
    release.set()
    await first.close()
    (item,) = await store.outbox_for_email(email_id)
    assert item.status == "pending" and item.payload["progress"]["stage"] == "creating"
    assert len(sf_fake.cases) == 3  # two seeded, one created

    restarted = await EmailStore.open(url)  # a new process: new store connection, new token
    second = SalesforceSource(sf_settings(sf_fake), sf_fake.client_secret)
    try:
        dispatcher = OutboxDispatcher(restarted, DemoOutbox(tmp / "out"), EventHub(),
                                      crm_sinks={"salesforce": second})
        assert await dispatcher.deliver_pending() == 1
        (item,) = await restarted.outbox_for_email(email_id)
    finally:
        await second.close()
        await restarted.close()
    assert len(sf_fake.cases) == 3, "a second case was created"
    assert item.status == "delivered" and item.external_id == sf_fake.cases[-1]["Id"]
    posts = [r for r in sf_fake.requests if r["method"] == "POST" and r["path"].endswith("/sobjects/Case/")]
    assert len(posts) == 1


@pytest.mark.parametrize("target", ["salesforce", "hubspot"])
async def test_killed_right_after_the_answer_then_restart_finds_the_record(db, sf_fake, hs_fake, target):
    store, url, email_id, tmp = db
    await approve(store, email_id, target)

    def make_sink():
        if target == "salesforce":
            return SalesforceSource(sf_settings(sf_fake), sf_fake.client_secret)
        return HubSpotSource(hs_settings(hs_fake), hs_fake.token)

    def created():
        return sf_fake.cases[2:] if target == "salesforce" else [t for t in hs_fake.tickets.values()
                                                                 if "Printer on fire" in t["subject"]]

    hs_fake.search_lag = True  # HubSpot's search index has not caught up when the app restarts
    sink = make_sink()
    try:
        with pytest.raises(Killed):
            await OutboxDispatcher(DyingStore(store), DemoOutbox(tmp / "out"), EventHub(),
                                   crm_sinks={target: sink}).deliver_pending()
    finally:
        await sink.close()
    assert len(created()) == 1
    restarted = await EmailStore.open(url)
    sink = make_sink()
    try:
        assert await OutboxDispatcher(restarted, DemoOutbox(tmp / "out"), EventHub(),
                                      crm_sinks={target: sink}).deliver_pending() == 1
        (item,) = await restarted.outbox_for_email(email_id)
    finally:
        await sink.close()
        await restarted.close()
    assert len(created()) == 1, "a second record was created"
    assert item.status == "delivered" and item.payload["progress"]["marker"].startswith("EB-")
