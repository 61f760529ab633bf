"""Microsoft 365 in the running console, against the local Graph fake: people found in the directory as the
operator types (merged with the configured ones), attachments saved with their exact bytes (and refused
above the size cap), handled mail categorized / moved once final, and the Teams chat's id and link in the
audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address
from emailbot_gui.services.console import DirectoryUnavailable, OperationError
from emailbot_gui.services.events import HealthChanged, IntegrationState
from emailbot_gui.services.runtime import Mode, Runtime, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.graph.conftest import sign_in
from tests.graph.fake_graph import FakeGraph
from tests.integrations.conftest import m365_settings, store_m365_secret

CATEGORY = "EmailBot: handled"
BINARY = bytes(range(256)) * 41 + b"\r\n\x00end"  # every byte value, CR LF and NUL: nothing may be re-encoded


@pytest.fixture
async def start(tmp_path: Path, secrets, hooks) -> AsyncIterator[Callable[..., Any]]:
    started: list[Runtime] = []

    async def start_runtime(settings: Settings) -> Runtime:
        store_m365_secret(secrets)
        runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), settings, Mode(), secrets=secrets,
                                      hooks=hooks, start_health=False)
        started.append(runtime)
        if runtime.marker is not None:
            runtime.marker.delay = 0.0  # batch without waiting, so the tests need not sleep
        return runtime

    yield start_runtime
    for runtime in started:
        await runtime.close()


async def polled(runtime: Runtime) -> dict[str, int]:
    """Poll the fake mailbox until done; Graph message id -> the console's email id."""
    await runtime.loop.run_until_exhausted()
    rows = await runtime.console.queue_page(QueueQuery(), 0, 100)
    return {(await runtime.console.detail(r.id)).email.provider_id: r.id for r in rows}


# ---- directory type-ahead ------------------------------------------------------------------------------

async def test_type_ahead_finds_directory_users_and_merges_the_configured_people(start, fake: FakeGraph) -> None:
    runtime = await start(m365_settings(fake, escalation_people={
        "*": ["nina@contoso.test", "helpdesk@contoso.test"]}))
    console = runtime.console
    with pytest.raises(DirectoryUnavailable, match="Sign in to Microsoft 365") as refused:
        await console.search_people("ni")  # the operator has not signed in yet: configured people still come
    assert refused.value.people == [Address("nina@contoso.test")]

    await sign_in(runtime.graph)
    found = await console.search_people("ni")
    # Nina is configured (address only) and in the directory: one entry, with her directory name.
    assert found == [Address("nina@contoso.test", "Nina Network"), Address("nils@contoso.test", "Nils Nyberg")]
    [search] = fake.requests("^/users$")
    assert search.query["$search"] == '"displayName:ni" OR "mail:ni"'
    assert await console.search_people("help") == [Address("helpdesk@contoso.test")]  # configured only
    assert await console.search_people("secur") == [Address("sam.security@contoso.test", "Sam Security")]
    assert await console.search_people("   ") == []


async def test_a_failing_directory_is_reported_with_the_configured_matches(start, fake: FakeGraph) -> None:
    runtime = await start(m365_settings(fake, escalation_people={"*": ["nils.backup@contoso.test"]}))
    await sign_in(runtime.graph)
    fake.fail("^/users$", status=503, times=20, headers={"Retry-After": "0"})
    with pytest.raises(DirectoryUnavailable, match="directory search failed") as failed:
        await runtime.console.search_people("nils")
    assert failed.value.people == [Address("nils.backup@contoso.test")]


# ---- attachments -----------------------------------------------------------------------------------------

async def test_an_attachment_is_saved_with_its_exact_bytes(start, fake: FakeGraph, tmp_path: Path) -> None:
    [mid] = fake.mailbox.add_messages(1, attachments=2)
    with fake.mailbox.lock:
        second = fake.mailbox.messages[mid]["_attachments"][1]
        second.update(name="../..\\Quarterly report.pdf", contentType="application/pdf", size=len(BINARY),
                      _bytes=BINARY)
    runtime = await start(m365_settings(fake))
    email_id = (await polled(runtime))[mid]
    email = (await runtime.console.detail(email_id)).email
    assert [a.filename for a in email.attachments] == ["log0.txt", "../..\\Quarterly report.pdf"]  # as sent
    assert runtime.console.attachment_file_name(email, 1) == "Quarterly report.pdf"

    fake.reset_log()
    target = tmp_path / "saved.pdf"
    saved = await runtime.console.save_attachment(email_id, 1, target)
    assert target.read_bytes() == BINARY and saved.size == len(BINARY)
    assert fake.count(rf"/messages/{mid}/attachments$", "GET", inner=True) == 1  # listed again for its id
    assert fake.count(rf"/messages/{mid}/attachments/AAMkAtt\d+-1/\$value$", "GET") == 1
    assert not list(tmp_path.glob(".emailbot-*"))  # no temporary file left behind


async def test_attachments_of_another_source_are_not_fetched(start, fake: FakeGraph, tmp_path: Path) -> None:
    [mid] = fake.mailbox.add_messages(1, attachments=1)
    runtime = await start(m365_settings(fake))
    email_id = (await polled(runtime))[mid]
    with fake.mailbox.lock:
        fake.mailbox.messages[mid]["_attachments"].clear()  # gone from the mailbox since it was read
    with pytest.raises(OperationError, match="no longer in the message"):
        await runtime.console.save_attachment(email_id, 0, tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()
    with pytest.raises(OperationError, match="no such attachment"):
        await runtime.console.save_attachment(email_id, 5, tmp_path / "x.txt")


# ---- handled mail marked in the mailbox -----------------------------------------------------------------

async def test_a_sent_email_is_categorized_and_moved(start, fake: FakeGraph) -> None:
    first, second = fake.mailbox.add_messages(2)
    with fake.mailbox.lock:
        fake.mailbox.messages[first]["categories"] = ["Red category"]
    runtime = await start(m365_settings(fake, m365_processed_category=CATEGORY, m365_processed_folder="archive"))
    ids = await polled(runtime)
    fake.reset_log()

    await runtime.console.approve(ids[first])
    await runtime.console.wait_idle()
    assert runtime.marker is not None
    await runtime.marker.wait_idle()

    assert (await runtime.console.detail(ids[first])).state is EmailState.SENT
    assert fake.mailbox.messages[first]["categories"] == ["Red category", CATEGORY]
    assert fake.mailbox.messages[first]["_folder"] == "archive"
    patches = fake.requests(r"^/users/.+/messages/[^/]+$", "PATCH", inner=True)
    moves = fake.requests(r"/move$", "POST", inner=True)
    assert [h.path.rsplit("/", 1)[-1] for h in patches] == [first]  # the original, not the reply's draft
    assert [h.path.rsplit("/", 2)[-2] for h in moves] == [first]
    assert fake.mailbox.messages[second]["categories"] == [] and fake.mailbox.messages[second]["_folder"] == "inbox"

    await runtime.console.reject(ids[second], "spam")  # rejected is final too
    await runtime.marker.wait_idle()
    assert fake.mailbox.messages[second]["categories"] == [CATEGORY]
    assert runtime.marker.marked == 2


async def test_an_undone_close_is_never_marked_and_a_held_reply_is_marked_once_sent(start, fake: FakeGraph
                                                                                   ) -> None:
    closed, replied = fake.mailbox.add_messages(2)
    runtime = await start(m365_settings(fake, m365_processed_category=CATEGORY, undo_seconds=0.5))
    ids = await polled(runtime)
    fake.reset_log()
    await runtime.console.close(ids[closed], "noise")
    await runtime.console.approve(ids[replied])
    assert await runtime.console.undo(ids[closed]) == EmailState.AWAITING_REVIEW  # within the window
    assert runtime.marker is not None
    await runtime.marker.wait_idle()  # it waited out the window before looking
    for _ in range(50):  # the held reply goes when its window ends, without another call
        if (await runtime.console.detail(ids[replied])).state is EmailState.SENT:
            break
        await asyncio.sleep(0.05)
    await runtime.marker.wait_idle()
    assert (await runtime.console.detail(ids[replied])).state is EmailState.SENT and len(fake.mailbox.sends) == 1
    assert fake.mailbox.messages[closed]["categories"] == []  # back in review: not handled
    assert fake.mailbox.messages[replied]["categories"] == [CATEGORY] and runtime.marker.marked == 1


async def test_nothing_is_marked_when_the_settings_are_empty(start, fake: FakeGraph) -> None:
    [mid] = fake.mailbox.add_messages(1)
    runtime = await start(m365_settings(fake))
    ids = await polled(runtime)
    fake.reset_log()
    await runtime.console.approve(ids[mid])
    await runtime.console.wait_idle()
    assert runtime.marker is not None
    await runtime.marker.wait_idle()
    assert len(fake.mailbox.sends) == 1
    assert fake.count(rf"/messages/{mid}$", "PATCH", inner=True) == 0 and fake.count(r"/move$", inner=True) == 0
    assert fake.count(rf"/messages/{mid}\?", inner=True) == 0 and runtime.marker.marked == 0
    assert fake.mailbox.messages[mid]["categories"] == []


async def test_a_failed_marking_is_retried_and_reported_without_holding_up_the_queue(start, fake: FakeGraph
                                                                                     ) -> None:
    [mid] = fake.mailbox.add_messages(1)
    runtime = await start(m365_settings(fake, m365_processed_folder="archive"))
    ids = await polled(runtime)
    fake.fail(r"/move$", status=403, inner=True, times=1,
              body={"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}})
    shown = mail_health_shown(runtime)
    await runtime.console.close(ids[mid], "noise")
    assert (await runtime.console.detail(ids[mid])).state is EmailState.DONE  # the queue did not wait
    assert runtime.marker is not None
    await runtime.marker.wait_idle()
    degraded = [error for state, error in shown if state is IntegrationState.DEGRADED]
    assert degraded and "marking handled mail" in degraded[0] and "403" in degraded[0]
    assert fake.mailbox.messages[mid]["_folder"] == "archive"  # the second attempt worked ...
    health = {h.name: h for h in runtime.console.health()}["mail"]
    assert health.state is IntegrationState.OK and not health.last_error  # ... and Health says so at once
    assert fake.count(r"/move$", "POST", inner=True) == 2


def mail_health_shown(runtime: Runtime) -> list[tuple[IntegrationState, str]]:
    """Each state and error Health shows for the mailbox from now on."""
    shown: list[tuple[IntegrationState, str]] = []
    runtime.events.subscribe(lambda e: shown.extend(
        (h.state, h.last_error) for h in e.health if h.name == "mail") if isinstance(e, HealthChanged) else None)
    return shown


# ---- Teams escalation in the audit trail ----------------------------------------------------------------

async def test_the_teams_chat_id_and_link_go_to_the_audit_trail(start, fake: FakeGraph) -> None:
    [mid] = fake.mailbox.add_messages(1)
    runtime = await start(m365_settings(fake, teams_escalation_enabled=True))
    await sign_in(runtime.graph)
    email_id = (await polled(runtime))[mid]
    await runtime.console.escalate(email_id, [Address("nina@contoso.test", "Nina Network")], "Printer down",
                                   "Please have a look.")
    await runtime.console.wait_idle()

    [chat] = fake.teams.chats.values()
    [entry] = [a for a in await runtime.console.audit(email_id) if a.action == "escalated"]
    assert entry.details["external_id"] == chat["id"] and entry.details["link"] == chat["webUrl"]
    assert entry.details["link"].startswith("https://teams.microsoft.com/")
    [item] = [i for i in await runtime.console.outbox() if i.email_id == email_id]
    assert item.external_id == chat["id"] and item.link == chat["webUrl"]
