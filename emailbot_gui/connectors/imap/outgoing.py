"""The emails the console sends through SMTP: a reply in the thread of the original, and an escalation to the
people chosen. Each carries a Message-ID derived from its outbox key, so the same delivery always has the same
id and can be looked up in the Sent folder after a crash.

The bytes are built once per attempt and used both for SMTP and for the Sent copy. Everything taken from the
incoming email (subject, names) is untrusted: line breaks are removed before it goes into a header."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from emailbot_gui.connectors.base import OutgoingEscalation, OutgoingReply
from emailbot_gui.core.types import Address, Email

MAX_QUOTE_CHARS = 20_000
MAX_REFERENCES = 20  # the newest ids of the thread are enough for every mail program to thread it
SYNTHETIC_ID_SUFFIX = "@emailbot.invalid>"  # ids the parser made up for mail without one: not worth citing


@dataclass(frozen=True, slots=True)
class PreparedMail:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    raw: bytes


def delivery_message_id(idempotency_key: str, email: Email, from_address: str) -> str:
    # The outbox key alone ("reply:42") repeats across queue databases; with the original's Message-ID and the
    # mailbox it names one delivery.
    digest = hashlib.sha256(f"{idempotency_key}|{email.message_id}|{from_address.lower()}".encode()).hexdigest()
    domain = from_address.rpartition("@")[2] or "emailbot.invalid"
    return f"<emailbot.{digest[:32]}@{domain}>"


def reply_mail(reply: OutgoingReply, from_address: str, *, now: datetime | None = None) -> PreparedMail:
    e = reply.email
    message_id = delivery_message_id(reply.idempotency_key, e, from_address)
    to = e.reply_to or (e.sender,)
    msg = _message(from_address, to, reply_subject(e.subject), message_id, now)
    original = e.message_id if not e.message_id.endswith(SYNTHETIC_ID_SUFFIX) else ""
    if original:
        msg["In-Reply-To"] = original
        msg["References"] = " ".join([*e.references[-(MAX_REFERENCES - 1):], original])
    msg.set_content(f"{reply.body_text.strip()}\n\n{quoted_original(e)}")
    return PreparedMail(message_id, from_address, tuple(a.address for a in to), msg.as_bytes())


def escalation_mail(escalation: OutgoingEscalation, from_address: str, *, now: datetime | None = None
                    ) -> PreparedMail:
    e = escalation.email
    message_id = delivery_message_id(escalation.idempotency_key, e, from_address)
    msg = _message(from_address, escalation.people, escalation.topic, message_id, now)
    msg.set_content(f"{escalation.message.strip()}\n\n{quoted_original(e)}")
    return PreparedMail(message_id, from_address, tuple(p.address for p in escalation.people), msg.as_bytes())


def reply_subject(subject: str) -> str:
    subject = _one_line(subject)
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def quoted_original(e: Email) -> str:
    """The original below a header line, each line prefixed with "> ", as mail programs quote."""
    text = e.body_text[:MAX_QUOTE_CHARS] + ("\n[…]" if len(e.body_text) > MAX_QUOTE_CHARS else "")
    when = e.received_at.astimezone(UTC).strftime("%a, %d %b %Y %H:%M UTC")
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())
    return f"On {when}, {_one_line(str(e.sender))} wrote:\nSubject: {_one_line(e.subject)}\n\n{quoted}\n"


def _message(from_address: str, to: tuple[Address, ...], subject: str, message_id: str,
             now: datetime | None) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = from_address
    msg["To"] = ", ".join(formataddr((_one_line(a.name), a.address)) for a in to)
    msg["Subject"] = _one_line(subject)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = message_id
    return msg


def _one_line(text: str) -> str:
    return " ".join(text.split())
