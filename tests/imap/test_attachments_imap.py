"""Saving an attachment of an IMAP email: the message is found again in its folder (pymap on 127.0.0.1) by its
Message-ID, told apart from a different message under the same Message-ID by its content hash, and decoded."""

from __future__ import annotations

from pathlib import Path

import pytest

from emailbot_gui.connectors.imap import ImapMailSource
from emailbot_gui.mail.parse import parse_message
from emailbot_gui.services.attachments import AttachmentError, RawMessageAttachmentSource, save_attachment
from tests.imap.servers import PASSWORD
from tests.test_attachments import PDF, message


def source(settings) -> ImapMailSource:  # type: ignore[no-untyped-def]
    return ImapMailSource(settings, lambda: PASSWORD)


async def test_an_attachment_is_fetched_again_from_the_imap_folder(imap_settings, imap_server, folder,
                                                                   tmp_path: Path) -> None:
    # The same Message-ID twice: a resent copy with another attachment must not be mistaken for it.
    imap_server.append(folder, message("other.pdf"))
    imap_server.append(folder, message("report.pdf"))
    src = source(imap_settings)
    batch = await src.fetch(None, 10)
    wanted = batch.messages[1]
    email = parse_message(wanted, src.name)
    assert email.message_id == "<att-1@northwind.example>" and email.attachments[1].filename == "report.pdf"

    assert await src.read_raw(wanted.provider_id, email.message_id) == wanted.raw
    saved = await save_attachment(RawMessageAttachmentSource(src), email, 1, tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").read_bytes() == PDF and saved.size == len(PDF)


async def test_a_message_gone_from_the_folder_gives_a_clear_error(imap_settings, imap_server, folder,
                                                                  tmp_path: Path) -> None:
    imap_server.append(folder, message("report.pdf"))
    src = source(imap_settings)
    [raw] = (await src.fetch(None, 10)).messages
    email = parse_message(raw, src.name)
    assert await src.read_raw(raw.provider_id, "") is None  # without a Message-ID there is nothing to search by
    assert await src.read_raw("0" * 40, email.message_id) is None  # same Message-ID, other bytes
    imap_server.recreate(folder)
    with pytest.raises(AttachmentError, match="no longer in the mail folder"):
        await save_attachment(RawMessageAttachmentSource(src), email, 1, tmp_path / "report.pdf")
    assert not (tmp_path / "report.pdf").exists()


async def test_a_server_that_refuses_the_sign_in_gives_a_clear_error(imap_settings, imap_server, folder,
                                                                    tmp_path: Path) -> None:
    imap_server.append(folder, message("report.pdf"))
    src = source(imap_settings)
    [raw] = (await src.fetch(None, 10)).messages
    email = parse_message(raw, src.name)
    src.password = lambda: "wrong password"
    with pytest.raises(AttachmentError, match=r"did not hand out the message: .*(sign|password|log)"):
        await save_attachment(RawMessageAttachmentSource(src), email, 1, tmp_path / "report.pdf")
