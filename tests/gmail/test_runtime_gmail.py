"""End to end: the app's runtime built for mail_source "gmail" (against the local Gmail fake) polls a message
into the queue exactly once, leaves it unread in Gmail, sends through the Gmail sink, and closes the
connectors' HTTP client when it closes."""

from __future__ import annotations

from pathlib import Path

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.secrets import GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN, MemorySecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.services.runtime import Mode, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.gmail.conftest import hooks_for
from tests.gmail.fake_gmail import CLIENT_ID, CLIENT_SECRET, MAILBOX, mail


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
