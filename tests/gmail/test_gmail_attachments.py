"""Saving an attachment of a Gmail email: the message is downloaded again by its Gmail id from the fake Gmail
on 127.0.0.1 and the attachment is decoded from it; a message deleted meanwhile gives a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from emailbot_gui.mail.parse import parse_message
from emailbot_gui.services.attachments import AttachmentError, RawMessageAttachmentSource, save_attachment
from tests.test_attachments import PDF, message


async def test_an_attachment_is_downloaded_again_from_gmail(fake, build, tmp_path: Path) -> None:
    delivered = fake.deliver(message("report.pdf"))
    source = build().source
    [raw] = (await source.fetch(None, 10)).messages
    email = parse_message(raw, source.name)
    assert email.provider_id == delivered.id

    saved = await save_attachment(RawMessageAttachmentSource(source), email, 1, tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").read_bytes() == PDF and saved.filename == "report.pdf"
    assert len(fake.requests(f"/messages/{delivered.id}$")) == 4  # minimal + raw, twice

    with fake.lock:  # deleted in Gmail meanwhile
        del fake.messages[delivered.id]
    with pytest.raises(AttachmentError, match="no longer in the mail folder"):
        await save_attachment(RawMessageAttachmentSource(source), email, 1, tmp_path / "again.pdf")
    assert not (tmp_path / "again.pdf").exists()
