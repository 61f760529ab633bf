"""The content of one attachment of a raw RFC 5322 message, for saving it on the operator's request.

The message is walked exactly as `parse.parse_message` walks it (same parser, same caps), so the n-th
attachment here is the n-th `AttachmentInfo` the store keeps for the email. An attached message
(message/rfc822) is returned as the bytes of that message."""

from __future__ import annotations

from email.message import Message

from emailbot_gui.core.types import AttachmentInfo
from emailbot_gui.mail.parse import MAX_BYTES, MalformedEmail, _children, _Defects, _parse_bytes, _Walk


class _KeepingWalk(_Walk):
    """The parser's walk, also keeping each attachment's MIME part."""

    def __init__(self, defects: _Defects) -> None:
        super().__init__(defects)
        self.attachment_parts: list[Message] = []

    def _attachment(self, part: Message, content_type: str, disposition: str | None) -> None:
        super()._attachment(part, content_type, disposition)
        self.attachment_parts.append(part)


def attachment_content(raw: bytes, index: int, *, max_bytes: int = MAX_BYTES) -> tuple[AttachmentInfo, bytes]:
    """The `index`-th attachment's metadata (as the parser lists it) and its decoded bytes.
    Raises MalformedEmail when the message cannot be read, IndexError when it has no such attachment."""
    if len(raw) > max_bytes:
        raise MalformedEmail(f"too large: {len(raw)} bytes exceeds the {max_bytes} byte limit")
    walk = _KeepingWalk(_Defects())
    walk.visit(_parse_bytes(bytes(raw), walk.defects), 0)
    if not 0 <= index < len(walk.attachments):
        raise IndexError(f"the message has {len(walk.attachments)} attachments, not {index + 1}")
    part = walk.attachment_parts[index]
    if part.get_content_maintype() == "message":
        enclosed = _children(part)
        data = enclosed[0].as_bytes() if enclosed else b""
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    return walk.attachments[index], data
