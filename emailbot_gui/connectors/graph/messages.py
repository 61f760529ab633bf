"""Graph message resources as the console's `Email`.

Why JSON and not MIME: a delta page already carries every field the console shows (`$select`), so a poll
costs one request per page. Fetching `/messages/{id}/$value` would cost one request per message (or one
per 20 with $batch), which breaks the budget of ceil(N / page size) + 2 requests for N new messages. The
raw MIME stays available on demand (`GraphMailbox.fetch_mime`).

The source hands each message to the pipeline as a `RawMessage` whose bytes are a small JSON envelope;
`parse_graph_message` turns it into an `Email` and falls back to the MIME parser for anything else, so it
can be the pipeline's parser for every source."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from emailbot_gui.connectors.base import RawMessage
from emailbot_gui.core.types import Address, AttachmentInfo, Email
from emailbot_gui.mail.parse import MAX_BYTES, MalformedEmail, parse_message
from emailbot_gui.mail.sanitize import html_to_text

# Only what the console shows or needs to thread and deduplicate; `id` always comes back.
DEFAULT_SELECT = ("internetMessageId", "subject", "from", "sender", "toRecipients", "ccRecipients", "replyTo",
                  "receivedDateTime", "conversationId", "body", "hasAttachments")
ATTACHMENT_SELECT = "id,name,contentType,size,isInline"
_ENVELOPE = b'{"emailbot.graph":1,"message":'
MAX_RECIPIENTS = 500


def envelope(message: dict[str, Any]) -> bytes:
    return _ENVELOPE + json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"}"


def is_graph_envelope(raw: bytes) -> bool:
    return bytes(raw[:len(_ENVELOPE)]) == _ENVELOPE


def parse_graph_message(raw: RawMessage, source: str, *, max_bytes: int = MAX_BYTES) -> Email:
    """The pipeline's parser: Graph JSON envelopes become Emails here, anything else goes to MIME parsing."""
    if not is_graph_envelope(raw.raw):
        return parse_message(raw, source, max_bytes=max_bytes)
    if len(raw.raw) > max_bytes:
        raise MalformedEmail(f"too large: {len(raw.raw)} bytes exceeds the {max_bytes} byte limit")
    try:
        message = json.loads(raw.raw)["message"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedEmail(f"unreadable Graph message: {type(exc).__name__}") from None
    if not isinstance(message, dict):
        raise MalformedEmail("unreadable Graph message: not an object")
    return email_from_graph(message, source, provider_id=raw.provider_id, size=len(raw.raw))


def email_from_graph(m: dict[str, Any], source: str, *, provider_id: str = "", size: int = 0) -> Email:
    defects: list[str] = []
    provider_id = provider_id or str(m.get("id") or "")
    if not provider_id:
        raise MalformedEmail("Graph message without an id")
    message_id = _text(m.get("internetMessageId"), 998)
    if not message_id:
        defects.append("missing Message-ID")
        message_id = f"<{hashlib.sha256(provider_id.encode()).hexdigest()[:32]}@graph.emailbot.invalid>"
    sender = _address(m.get("from")) or _address(m.get("sender"))
    if sender is None:
        defects.append("no sender")
        sender = Address("")
    received = _when(m.get("receivedDateTime"))
    if received is None:
        defects.append("no received date")
        received = datetime.now(UTC)
    body: dict[str, Any] = m["body"] if isinstance(m.get("body"), dict) else {}
    content = _text(body.get("content"), MAX_BYTES)
    if str(body.get("contentType", "")).lower() == "html":
        body_html, body_text = content, html_to_text(content) if content else ""
    else:
        body_html, body_text = "", content
    attachments = tuple(_attachment(a) for a in m.get("attachments") or () if isinstance(a, dict))
    return Email(
        source=source,
        provider_id=provider_id,
        message_id=message_id,
        subject=_text(m.get("subject"), 998),
        sender=sender,
        received_at=received,
        to=_addresses(m.get("toRecipients")),
        cc=_addresses(m.get("ccRecipients")),
        reply_to=_addresses(m.get("replyTo")),
        thread_id=_text(m.get("conversationId"), 998) or message_id,  # Exchange's own thread key
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        size=size,
        parse_defects=tuple(defects),
    )


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _address(recipient: Any) -> Address | None:
    if not isinstance(recipient, dict) or not isinstance(recipient.get("emailAddress"), dict):
        return None
    ea = recipient["emailAddress"]
    address = _text(ea.get("address"), 320)
    name = _text(ea.get("name"), 256)
    if not address and not name:
        return None
    return Address(address, name if name != address else "")


def _addresses(value: Any) -> tuple[Address, ...]:
    if not isinstance(value, list):
        return ()
    found = (_address(r) for r in value[:MAX_RECIPIENTS])
    return tuple(a for a in found if a is not None)


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _attachment(a: dict[str, Any]) -> AttachmentInfo:
    size = a.get("size")
    return AttachmentInfo(filename=_text(a.get("name"), 255) or "(unnamed)",
                          content_type=_text(a.get("contentType"), 255) or "application/octet-stream",
                          size=size if isinstance(size, int) and size >= 0 else 0,
                          content_id=_text(a.get("contentId"), 255), inline=bool(a.get("isInline")))


def received_timestamp(m: dict[str, Any]) -> float | None:
    when = _when(m.get("receivedDateTime"))
    return when.timestamp() if when else None
