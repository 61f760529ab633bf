"""Attachments of local mail (the demo mailbox, a mail folder): decoded from the message file again on
request with their exact bytes, and untrusted attachment names turned into safe file names."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.folder import MailFolderSource
from emailbot_gui.mail.attachments import attachment_content
from emailbot_gui.services.attachments import safe_filename
from emailbot_gui.services.console import OperationError
from emailbot_gui.services.runtime import Mode, Runtime, build_runtime
from emailbot_gui.store.views import QueueQuery

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\r\n%%EOF"
FORWARDED = b"From: a@b.example\r\nSubject: inner\r\n\r\nthe forwarded text\r\n"


def message(name: str = "../../etc/report.pdf") -> bytes:
    body = base64.encodebytes(PDF).decode()
    return f"""From: Dana <dana@northwind.example>
To: support@contoso.test
Subject: Invoice attached
Date: Tue, 03 Mar 2026 09:00:00 +0000
Message-ID: <att-1@northwind.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

See the attachments.
--b1
Content-Type: image/png
Content-Disposition: inline
Content-ID: <logo@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename="{name}"
Content-Transfer-Encoding: base64

{body}
--b1
Content-Type: message/rfc822
Content-Disposition: attachment; filename="fwd.eml"

{FORWARDED.decode()}
--b1--
""".replace("\n", "\r\n").encode()


@pytest.mark.parametrize(("name", "expected"), [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\System32\\evil.dll", "evil.dll"),
    ("C:evil.exe", "C_evil.exe"),
    ("CON", "_CON"),
    ("con.txt", "_con.txt"),
    ("LPT1.tar.gz", "_LPT1.tar.gz"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override that shows "exe.pdf"
    ("  .hidden  ", "hidden"),
    ("a\x00b\x1fc.txt", "abc.txt"),
    ('what?*<>|".txt', "what______.txt"),
    ("", "attachment-3.pdf"),
    ("...", "attachment-3.pdf"),
])
def test_untrusted_names_become_safe_file_names(name: str, expected: str) -> None:
    assert safe_filename(name, "application/pdf", 2) == expected


def test_long_names_keep_their_extension_and_fit_every_file_system() -> None:
    name = safe_filename("é" * 300 + ".docx")
    assert name.endswith(".docx") and len(name.encode()) <= 200


def test_the_nth_attachment_is_decoded_as_the_parser_lists_it() -> None:
    info, data = attachment_content(message(), 1)
    assert (info.filename, info.content_type, data) == ("report.pdf", "application/pdf", PDF)
    inline, _ = attachment_content(message(), 0)
    assert inline.inline
    enclosed, forwarded = attachment_content(message(), 2)
    assert enclosed.filename == "fwd.eml" and b"the forwarded text" in forwarded and b"Subject: inner" in forwarded
    with pytest.raises(IndexError):
        attachment_content(message(), 3)


async def test_a_folder_source_reads_a_message_again_by_its_provider_id(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(message())
    (folder / "b.eml").write_bytes(message("other.pdf"))
    source = MailFolderSource(folder)
    batch = await source.fetch(None, 10)
    wanted = batch.messages[1]
    assert await source.read_raw(wanted.provider_id) == wanted.raw
    fresh = MailFolderSource(folder)  # after a restart: found by scanning
    assert await fresh.read_raw(wanted.provider_id) == wanted.raw
    assert await fresh.read_raw("0" * 40) is None
    await source.aclose()
    await fresh.aclose()


async def test_the_demo_mailbox_reads_the_shipped_message_again(tmp_path: Path) -> None:
    from emailbot_gui.connectors.demo import DemoMailSource

    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "a.eml").write_bytes(message())
    demo = DemoMailSource(MailFolderSource(folder))
    [arrived] = (await demo.fetch(None, 10)).messages
    assert arrived.raw != message()  # restamped with the time it "arrived"
    assert await demo.read_raw(arrived.provider_id) == message()  # the attachments are the shipped ones
    await demo.aclose()


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "invoice.eml").write_bytes(message())
    rt = await build_runtime(AppPaths.resolve(tmp_path / "data"), Settings(operator_name="Tester"),
                             Mode(mail_dir=folder), start_health=False)
    await rt.loop.run_until_exhausted()
    yield rt
    await rt.close()


async def test_the_console_saves_an_attachment_of_folder_mail(runtime: Runtime, tmp_path: Path) -> None:
    [row] = await runtime.console.queue_page(QueueQuery(), 0, 10)
    email = (await runtime.console.detail(row.id)).email
    assert runtime.console.attachment_file_name(email, 1) == "report.pdf"
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()
    saved = await runtime.console.save_attachment(row.id, 1, target)
    assert target.read_bytes() == PDF and saved.size == len(PDF) and saved.filename == "report.pdf"
    assert [p.name for p in target.parent.iterdir()] == ["report.pdf"]  # no temporary file left

    with pytest.raises(OperationError, match="is a folder"):
        await runtime.console.save_attachment(row.id, 1, target.parent)
    (tmp_path / "mail" / "invoice.eml").unlink()
    with pytest.raises(OperationError, match="no longer in the mail folder"):
        await runtime.console.save_attachment(row.id, 1, tmp_path / "again.pdf")
    assert not (tmp_path / "again.pdf").exists()
