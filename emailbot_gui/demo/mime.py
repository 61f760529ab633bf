"""Packs demo email text into RFC 5322 / MIME bytes with `email.message.EmailMessage`.

Everything that would normally be random (multipart boundaries, Message-IDs, dates) is passed in or
derived from the content, so the same input always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

MAILBOX = "it-support@contoso-demo.example"
MAILBOX_NAME = "IT Support"
MAIL_DOMAIN = "contoso-demo.example"
CONTENT_LANGUAGE = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "nl": "nl-NL"}


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str
    inline_cid: str = ""  # set: shown inline in the HTML part (multipart/related)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Everything about one message except its body."""

    message_id: str
    sender_name: str
    sender: str
    subject: str
    when: datetime  # timezone-aware, in the sender's offset
    language: str
    to: Sequence[tuple[str, str]] = ((MAILBOX_NAME, MAILBOX),)
    cc: Sequence[tuple[str, str]] = ()
    reply_to: str = ""
    in_reply_to: str = ""
    references: Sequence[str] = ()
    extra_headers: Sequence[tuple[str, str]] = field(default_factory=tuple)


def tiny_png(seed: int) -> bytes:
    """A valid 4x3 PNG whose pixel colours depend on `seed`: a stand-in for a user's screenshot."""
    width, height = 4, 3
    r, g, b = (seed * 53) % 256, (seed * 97) % 256, (seed * 193) % 256
    rows = b"".join(b"\x00" + bytes((r, g, b)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(rows, 9))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def tiny_pdf(title: str) -> bytes:
    """A minimal single-page PDF, enough for a file type sniffer to say 'PDF'."""
    safe = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
            b"4 0 obj << /Title (" + safe + b") >> endobj\n"
            b"trailer << /Root 1 0 R /Info 4 0 R >>\n%%EOF\n")


def empty_zip() -> bytes:
    return b"PK\x05\x06" + b"\x00" * 18


def message_id(prefix: str, index: int, salt: str) -> str:
    digest = hashlib.sha256(f"{prefix}:{index}:{salt}".encode()).hexdigest()[:10]
    return f"<{prefix}-{index:04d}.{digest}@{MAIL_DOMAIN}>"


def _address(name: str, addr: str) -> Address:
    local, _, domain = addr.partition("@")
    return Address(display_name=name, username=local, domain=domain)


def build_message(env: Envelope, *, text: str | None, html: str | None,
                  attachments: Sequence[Attachment] = ()) -> bytes:
    """Serialise one message. `text` and/or `html` must be given; both make multipart/alternative."""
    if text is None and html is None:
        raise ValueError("a message needs a text or an HTML body")
    msg = EmailMessage(policy=policy.default)
    for name, value in env.extra_headers:
        msg[name] = value
    msg["From"] = _address(env.sender_name, env.sender)
    msg["To"] = [_address(n, a) for n, a in env.to]
    if env.cc:
        msg["Cc"] = [_address(n, a) for n, a in env.cc]
    if env.reply_to:
        msg["Reply-To"] = env.reply_to
    msg["Subject"] = env.subject
    msg["Date"] = format_datetime(env.when)
    msg["Message-ID"] = env.message_id
    if env.in_reply_to:
        msg["In-Reply-To"] = env.in_reply_to
    if env.references:
        msg["References"] = " ".join(env.references)

    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        assert html is not None
        msg.set_content(html, subtype="html")
    for att in attachments:
        if att.inline_cid and html is not None:
            payload = msg.get_payload()
            html_part = payload[-1] if isinstance(payload, list) else msg
            assert isinstance(html_part, EmailMessage)
            html_part.add_related(att.data, att.maintype, att.subtype, cid=f"<{att.inline_cid}>",
                                  filename=att.filename, disposition="inline")
        else:
            msg.add_attachment(att.data, att.maintype, att.subtype, filename=att.filename)

    # set_content() drops Content-* headers, so this one goes on last.
    msg["Content-Language"] = CONTENT_LANGUAGE.get(env.language, env.language)
    # The stdlib draws boundaries from the global random generator; fix them for byte-identical output.
    token = env.message_id.strip("<>").split("@")[0]
    for k, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_{token}_{k}")
    return msg.as_bytes(policy=policy.default)


def received_headers(sender_domain: str, when: datetime, *, spf: str, ip: str,
                     token: str) -> list[tuple[str, str]]:
    """A Received line and the receiving server's verdict, as the shared mailbox's MX would add them."""
    dmarc = "pass" if spf == "pass" else "fail"
    return [
        ("Received", f"from mail.{sender_domain} (mail.{sender_domain} [{ip}]) by mx1.{MAIL_DOMAIN} "
                     f"with ESMTPS id {token}; {format_datetime(when)}"),
        ("Authentication-Results", f"mx1.{MAIL_DOMAIN}; spf={spf} smtp.mailfrom={sender_domain}; "
                                   f"dkim={'pass' if spf == 'pass' else 'none'} header.d={sender_domain}; "
                                   f"dmarc={dmarc} header.from={sender_domain}"),
    ]
