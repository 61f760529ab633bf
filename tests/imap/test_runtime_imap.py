"""End to end: the app's runtime built for mail_source "imap" polls a message from the IMAP server into the
queue, once, leaving it unread on the server."""

from __future__ import annotations

from pathlib import Path

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.secrets import IMAP_PASSWORD, SMTP_PASSWORD, MemorySecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.services.runtime import Mode, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.imap.servers import HOST, PASSWORD, USER
from tests.imap.servers import SMTP_PASSWORD as SMTP_SECRET
from tests.test_attachments import PDF, message


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
