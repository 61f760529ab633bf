"""End to end: the app's runtime built for mail_source "gmail" (against the local Gmail fake) polls a message
into the queue exactly once, leaves it unread in Gmail, sends through the Gmail sink, and closes the
connectors' HTTP client when it closes; handled mail gets the label (created once) and leaves the inbox after
the undo window, an undone close does not, and a refused batchModify is reported to Health and tried again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.secrets import GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN, MemorySecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.services.events import HealthChanged, IntegrationState
from emailbot_gui.services.runtime import Mode, Runtime, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.gmail.conftest import hooks_for
from tests.gmail.fake_gmail import CLIENT_ID, CLIENT_SECRET, MAILBOX, FakeGmail, mail

LABEL = "EmailBot/Handled"


async def test_the_runtime_polls_gmail_into_the_queue_once(tmp_path: Path, fake):
    fake.deliver(mail(1, subject="My invoice is wrong"))
    settings = Settings(operator_name="tester", mail_source="gmail", gmail_mailbox=MAILBOX, gmail_client_id=CLIENT_ID,
                        undo_seconds=0).validate()
    secrets = MemorySecretStore({GMAIL_CLIENT_SECRET: CLIENT_SECRET, GMAIL_REFRESH_TOKEN: fake.issue_refresh_token()})
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), settings, Mode(), secrets=secrets,
                                  hooks=hooks_for(fake), start_health=False)
    try:
        assert runtime.loop.source.name == f"gmail:{MAILBOX}" and runtime.console.dispatcher.sink.name == "gmail"
        first = await runtime.loop.poll()
        await runtime.loop.process_pending()
        again = await runtime.loop.poll()  # nothing new: the history cursor was saved with the batch
        rows = await runtime.store.queue_page(QueueQuery(), 0, 10)
        assert [r.subject for r in rows] == ["My invoice is wrong"]
        assert (first.fetched, again.fetched, again.duplicates) == (1, 0, 0)
        assert all("UNREAD" in m.labels for m in fake.messages.values())  # read without being marked read
        assert fake.requests("/history") and not fake.requests("/modify")
    finally:
        await runtime.close()
    assert runtime.gmail is not None and runtime.gmail._closed


# ---- handled mail marked in Gmail -------------------------------------------------------------------------

async def started(tmp_path: Path, fake: FakeGmail, **settings: Any) -> tuple[Runtime, dict[str, int]]:
    """The runtime, polled and processed; Gmail message id -> email id."""
    config = Settings(operator_name="tester", mail_source="gmail", gmail_mailbox=MAILBOX, gmail_client_id=CLIENT_ID,
                      gmail_initial_sync_days=0, **{"undo_seconds": 0, **settings}).validate()
    secrets = MemorySecretStore({GMAIL_CLIENT_SECRET: CLIENT_SECRET, GMAIL_REFRESH_TOKEN: fake.issue_refresh_token()})
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), config, Mode(), secrets=secrets,
                                  hooks=hooks_for(fake), start_health=False)
    assert runtime.marker is not None
    runtime.marker.delay = 0.0  # batch without waiting (the undo window is still waited out)
    await runtime.loop.run_until_exhausted()
    rows = await runtime.console.queue_page(QueueQuery(), 0, 100)
    return runtime, {(await runtime.console.detail(r.id)).email.provider_id: r.id for r in rows}


async def test_handled_gmail_mail_is_labelled_and_archived_and_an_undone_close_is_not(tmp_path: Path, fake):
    replied, rejected, undone, untouched = (fake.deliver(mail(n)) for n in range(1, 5))
    runtime, ids = await started(tmp_path, fake, gmail_processed_label=LABEL, gmail_archive_handled=True,
                                 undo_seconds=0.5)
    console = runtime.console
    assert runtime.marker is not None
    try:
        await console.approve(ids[replied.id])  # the reply is held for the undo window, then sent
        await console.reject(ids[rejected.id], "spam")
        await console.close(ids[undone.id], "noise")
        assert await console.undo(ids[undone.id]) == EmailState.AWAITING_REVIEW
        for _ in range(100):
            if (await console.detail(ids[replied.id])).state is EmailState.SENT:
                break
            await asyncio.sleep(0.05)
        await runtime.marker.wait_idle()
        assert (await console.detail(ids[replied.id])).state is EmailState.SENT and len(fake.sent) == 1
        await runtime.marker.wait_idle()
        label = fake.label_named(LABEL)
        for handled in (replied, rejected):
            assert fake.messages[handled.id].labels == ["UNREAD", label]  # archived, labelled, still unread
        for other in (undone, untouched):
            assert fake.messages[other.id].labels == ["INBOX", "UNREAD"]
        sent = fake.sent[0][0]
        assert fake.messages[sent.id].labels == ["SENT"]  # the reply itself is not the console's to mark
        assert len(fake.requests(r"/labels$", "POST")) == 1 and runtime.marker.marked == 2
    finally:
        await runtime.close()


async def test_a_refused_batch_modify_is_reported_and_tried_again(tmp_path: Path, fake):
    stored = fake.deliver(mail(1))
    runtime, ids = await started(tmp_path, fake, gmail_archive_handled=True)
    fake.fail(r"/messages/batchModify$", status=403, times=1,
              body={"error": {"code": 403, "message": "Mail service not enabled",
                              "errors": [{"message": "Mail service not enabled", "domain": "global",
                                          "reason": "failedPrecondition"}], "status": "PERMISSION_DENIED"}})
    assert runtime.marker is not None
    shown: list[tuple[IntegrationState, str]] = []
    runtime.events.subscribe(lambda e: shown.extend(
        (h.state, h.last_error) for h in e.health if h.name == "mail") if isinstance(e, HealthChanged) else None)
    try:
        await runtime.console.close(ids[stored.id], "noise")
        assert (await runtime.console.detail(ids[stored.id])).state is EmailState.DONE  # the queue did not wait
        await runtime.marker.wait_idle()
        degraded = [error for state, error in shown if state is IntegrationState.DEGRADED]
        assert degraded and "marking handled mail" in degraded[0] and "403" in degraded[0]
        assert fake.messages[stored.id].labels == ["UNREAD"]  # the second attempt worked ...
        health = {h.name: h for h in runtime.console.health()}["mail"]
        assert health.state is IntegrationState.OK and not health.last_error  # ... and Health says so at once
        assert [h.status for h in fake.requests(r"/messages/batchModify$")] == [403, 204]
        assert not fake.requests(r"/labels")  # archiving alone needs no label
    finally:
        await runtime.close()
