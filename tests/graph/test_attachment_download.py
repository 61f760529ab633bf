"""Attachment downloads on the operator's request: the exact bytes, and a size cap that holds even when the
listed size is wrong (nothing above it is downloaded whole, nothing is silently cut short)."""

from __future__ import annotations

import pytest

from emailbot_gui.connectors.graph import GraphAttachment, GraphError, parse_graph_message
from emailbot_gui.services.attachments import AttachmentError, GraphAttachmentSource
from tests.graph.fake_graph import FakeGraph


async def test_an_attachment_above_the_cap_is_refused_before_downloading(build, fake: FakeGraph) -> None:
    [mid] = fake.mailbox.add_messages(1, attachments=1)
    with fake.mailbox.lock:
        fake.mailbox.messages[mid]["_attachments"][0].update(size=2048, _bytes=b"x" * 2048)
    connectors = build()
    batch = await connectors.source.fetch(None, 10)
    email = parse_graph_message(batch.messages[0], connectors.source.name)
    small = GraphAttachmentSource(connectors.mailbox, connectors.source.name, max_bytes=1024)
    fake.reset_log()
    with pytest.raises(AttachmentError, match="above the 1,024 byte limit"):
        await small.fetch(email, 0)
    assert fake.count(r"/\$value$") == 0  # refused from the listed size: nothing downloaded
    assert await GraphAttachmentSource(connectors.mailbox, connectors.source.name).fetch(email, 0) == b"x" * 2048

    # A listed size that lies does not sneak a larger file past the cap, and nothing is cut short either.
    with fake.mailbox.lock:
        fake.mailbox.messages[mid]["_attachments"][0].update(size=10)
    with pytest.raises(AttachmentError, match="larger than the 1024 byte limit"):
        await small.fetch(email, 0)
    with pytest.raises(GraphError, match="larger than"):
        await connectors.mailbox.download_attachment(mid, GraphAttachment("AAMkAtt1-0", "log0.txt", "text/plain", 10,
                                                                          False), max_bytes=1024)


