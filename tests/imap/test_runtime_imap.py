"""End to end: the app's runtime built for mail_source "imap" polls a message from the IMAP server into the
queue, once, leaving it unread on the server; saves an attachment; and marks handled mail there (flag and move)
after the undo window, leaving an undone close and mail a colleague moved away alone, reporting a refusal to
Health and trying again with the settings of the moment."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from pathlib import Path

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.secrets import IMAP_PASSWORD, SMTP_PASSWORD, MemorySecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.services.events import Event, HealthChanged, IntegrationState
from emailbot_gui.services.runtime import Mode, Runtime, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.imap.servers import HOST, PASSWORD, USER
from tests.imap.servers import SMTP_PASSWORD as SMTP_SECRET
from tests.test_attachments import PDF, message

_targets = itertools.count(1)


def imap_settings_for(imap_server, smtp_server, folder: str, sent_folder: str) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(operator_name="tester", mail_source="imap", imap_host=HOST, imap_port=imap_server.port,
                        imap_security="none", imap_username=USER, imap_folder=folder, smtp_host=HOST,
                        smtp_port=smtp_server.port, smtp_security="none", imap_sent_folder=sent_folder,
                        undo_seconds=0).validate()


SECRETS = {IMAP_PASSWORD: PASSWORD, SMTP_PASSWORD: SMTP_SECRET}


async def test_the_runtime_polls_imap_into_the_queue(tmp_path: Path, imap_server, smtp_server, folder,
                                                     sent_folder):
    imap_server.append(folder, b"From: Customer <c1@example.org>\r\nTo: support@example.test\r\n"
                               b"Subject: My invoice is wrong\r\nMessage-ID: <rt1@example.org>\r\n\r\n"
                               b"Please correct the amount on invoice 42.\r\n")
    settings = imap_settings_for(imap_server, smtp_server, folder, sent_folder)
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), settings, Mode(),
                                  secrets=MemorySecretStore(SECRETS), start_health=False)
    try:
        assert runtime.loop.source.name == f"imap:{USER}@{HOST}/{folder}"
        first = await runtime.loop.poll()
        await runtime.loop.process_pending()
        again = await runtime.loop.poll()  # nothing new: the cursor was saved with the batch
        rows = await runtime.store.queue_page(QueueQuery(), 0, 10)
        assert [r.subject for r in rows] == ["My invoice is wrong"]
        assert (first.fetched, again.fetched, again.duplicates) == (1, 0, 0)
        assert "\\Seen" not in "".join(imap_server.flags(folder).values())
    finally:
        await runtime.close()


async def test_the_console_saves_an_attachment_of_imap_mail(tmp_path: Path, imap_server, smtp_server, folder,
                                                            sent_folder):
    imap_server.append(folder, message("report.pdf"))
    settings = imap_settings_for(imap_server, smtp_server, folder, sent_folder)
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), settings, Mode(),
                                  secrets=MemorySecretStore(SECRETS), start_health=False)
    try:
        await runtime.loop.poll()
        [row] = await runtime.console.queue_page(QueueQuery(), 0, 10)
        saved = await runtime.console.save_attachment(row.id, 1, tmp_path / "report.pdf")
        assert (tmp_path / "report.pdf").read_bytes() == PDF and saved.filename == "report.pdf"
    finally:
        await runtime.close()


# ---- handled mail marked in the IMAP folder ---------------------------------------------------------------

def question(n: int) -> bytes:
    return (f"From: Customer {n} <c{n}@example.org>\r\nTo: support@example.test\r\nSubject: Question {n}\r\n"
            f"Message-ID: <rq{n}@example.org>\r\n\r\nPlease tell me about plan {n}.\r\n").encode()


async def started(tmp_path: Path, settings: Settings) -> tuple[Runtime, dict[str, int]]:
    """The runtime, polled and processed; subject -> email id."""
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"), settings, Mode(),
                                  secrets=MemorySecretStore(SECRETS), start_health=False)
    assert runtime.marker is not None
    runtime.marker.delay = 0.0  # batch without waiting (the undo window is still waited out)
    await runtime.loop.run_until_exhausted()
    rows = await runtime.console.queue_page(QueueQuery(), 0, 100)
    return runtime, {r.subject: r.id for r in rows}


async def test_handled_mail_is_flagged_and_moved_and_an_undone_close_is_not(tmp_path: Path, imap_server,
                                                                           smtp_server, folder, sent_folder):
    for n in range(1, 5):
        imap_server.append(folder, question(n))
    target = f"Handled{next(_targets)}"
    settings = replace(imap_settings_for(imap_server, smtp_server, folder, sent_folder),
                       imap_processed_keyword="\\Seen", imap_processed_folder=target, undo_seconds=0.5).validate()
    runtime, ids = await started(tmp_path, settings)
    console = runtime.console
    assert runtime.marker is not None
    try:
        await console.approve(ids["Question 1"])  # the reply is held for the undo window, then sent
        await console.reject(ids["Question 2"], "spam")
        await console.close(ids["Question 3"], "noise")
        assert await console.undo(ids["Question 3"]) == EmailState.AWAITING_REVIEW  # within the window
        for _ in range(100):
            if (await console.detail(ids["Question 1"])).state is EmailState.SENT:
                break
            await asyncio.sleep(0.05)
        await runtime.marker.wait_idle()
        assert (await console.detail(ids["Question 1"])).state is EmailState.SENT and len(smtp_server.received) == 1
        await runtime.marker.wait_idle()
        moved = imap_server.flags_by_subject(target)
        assert sorted(moved) == ["Question 1", "Question 2"] and all("\\Seen" in f for f in moved.values())
        stayed = imap_server.flags_by_subject(folder)
        assert sorted(stayed) == ["Question 3", "Question 4"]  # back in review, and never touched
        assert not any("\\Seen" in f for f in stayed.values())
        assert runtime.marker.marked == 2
        assert {h.name: h for h in console.health()}["mail"].state is not IntegrationState.DEGRADED
    finally:
        await runtime.close()


async def test_mail_moved_away_by_a_colleague_is_not_retried(tmp_path: Path, imap_server, smtp_server, folder,
                                                             sent_folder):
    uid = imap_server.append(folder, question(1))
    settings = replace(imap_settings_for(imap_server, smtp_server, folder, sent_folder),
                       imap_processed_keyword="\\Flagged", undo_seconds=0.5).validate()
    runtime, ids = await started(tmp_path, settings)
    assert runtime.marker is not None
    try:
        await runtime.console.close(ids["Question 1"], "noise")
        with imap_server.client() as c:  # within the undo window, a colleague files it elsewhere
            c.select(f'"{folder}"')
            assert c.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")[0] == "OK" and c.expunge()[0] == "OK"
        await runtime.marker.wait_idle()
        assert runtime.marker.marked == 0 and not runtime.marker._pending  # nothing left to try again
        health = {h.name: h for h in runtime.console.health()}["mail"]
        assert health.state is not IntegrationState.DEGRADED and not health.last_error
    finally:
        await runtime.close()


async def test_a_refused_flag_is_reported_and_tried_again_with_the_settings_of_the_moment(
        tmp_path: Path, imap_server, smtp_server, folder, sent_folder):
    imap_server.append(folder, question(1))
    imap_server.append(folder, question(2))
    settings = replace(imap_settings_for(imap_server, smtp_server, folder, sent_folder),
                       imap_processed_keyword="$EmailBotHandled").validate()  # pymap keeps no keywords
    runtime, ids = await started(tmp_path, settings)
    assert runtime.marker is not None and runtime.integrations is not None
    reported = asyncio.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, HealthChanged) and any(h.name == "mail" and h.state is IntegrationState.DEGRADED
                                                    for h in event.health):
            reported.set()

    runtime.events.subscribe(on_event)
    try:
        await runtime.console.close(ids["Question 1"], "noise")
        await asyncio.wait_for(reported.wait(), 10)
        health = {h.name: h for h in runtime.console.health()}["mail"]
        assert "marking handled mail" in health.last_error and "does not keep the flag $EmailBotHandled" in \
            health.last_error and "\\Seen" in health.last_error  # names the flags it does keep
        assert not any("$EmailBotHandled" in f for f in imap_server.flags(folder).values())
        # The operator picks a flag the server keeps; the next attempt (a second later) uses it, no restart.
        await runtime.integrations.apply(replace(settings, imap_processed_keyword="\\Flagged"),
                                         secrets_changed=False)
        await runtime.marker.wait_idle()
        flags = imap_server.flags_by_subject(folder)
        assert "\\Flagged" in flags["Question 1"] and "\\Flagged" not in flags["Question 2"]
        assert runtime.marker.marked == 1
    finally:
        await runtime.close()
