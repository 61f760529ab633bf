"""The MIME messages the Gmail sink sends: a reply in the thread of the original, and an escalation email
to the escalation people (Gmail has no Teams). Plain text; everything taken from the received mail is
untrusted, so header values lose line breaks before they reach a header.

Each message carries a Message-ID derived from the outbox's idempotency key and the original's Gmail id,
and the same value in `X-EmailBot-Delivery`: after a crash the sink finds the sent copy by either, so the
same approval never produces a second mail."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from emailbot_gui.connectors.base import OutgoingEscalation, OutgoingReply
from emailbot_gui.core.types import Address, Email

DELIVERY_HEADER = "X-EmailBot-Delivery"
MAX_QUOTE_CHARS = 20_000
MAX_REFERENCES = 20


def delivery_tag(idempotency_key: str, email: Email) -> str:
    # The outbox key alone ("reply:42") repeats across databases; the original's id makes it unique.
    digest = hashlib.sha256(f"{idempotency_key}\0{email.provider_id}".encode()).hexdigest()
    return digest[:32]


def delivery_message_id(idempotency_key: str, email: Email, mailbox: str) -> str:
    domain = mailbox.rpartition("@")[2] or "emailbot.invalid"
    return f"<emailbot.{delivery_tag(idempotency_key, email)}@{domain}>"


def reply_message(reply: OutgoingReply, mailbox: str, *, now: datetime | None = None) -> EmailMessage:
    e = reply.email
    msg = _message(mailbox, reply.idempotency_key, e, now)
    recipients = e.reply_to or (e.sender,)
    msg["To"] = ", ".join(_formatted(a) for a in recipients if a.address)
    subject = _clean(e.subject)
    msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".rstrip()
    if e.message_id:
        msg["In-Reply-To"] = _clean(e.message_id)
        references = [_clean(r) for r in (*e.references, e.message_id) if r.strip()]
        msg["References"] = " ".join(references[-MAX_REFERENCES:])
    msg.set_content(f"{reply.body_text.rstrip()}\n\n{_attribution(e)}\n{_quoted(e.body_text)}\n")
    return msg


def escalation_message(escalation: OutgoingEscalation, mailbox: str, *, now: datetime | None = None
                       ) -> EmailMessage:
    e = escalation.email
    msg = _message(mailbox, escalation.idempotency_key, e, now)
    msg["To"] = ", ".join(_formatted(p) for p in escalation.people if p.address)
    msg["Subject"] = f"[Escalation] {_clean(escalation.topic) or _clean(e.subject)}"
    msg.set_content(f"{escalation.message.rstrip()}\n\n---- The escalated email ----\n"
                    f"From: {_clean(str(e.sender))}\nReceived: {_when(e)}\nSubject: {_clean(e.subject)}\n"
                    f"Message-ID: {_clean(e.message_id)}\n\n{_quoted(e.body_text)}\n")
    return msg


def raw_for_gmail(msg: EmailMessage) -> str:
    """The `raw` field of users.messages.send: the whole message, base64url."""
    return base64.urlsafe_b64encode(msg.as_bytes(policy=policy.SMTP)).decode("ascii")


def _message(mailbox: str, key: str, email: Email, now: datetime | None) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = mailbox
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = delivery_message_id(key, email, mailbox)
    msg[DELIVERY_HEADER] = delivery_tag(key, email)
    return msg


def _formatted(address: Address) -> str:
    return formataddr((_clean(address.name), _clean(address.address)))


def _clean(value: str) -> str:
    return " ".join(value.split())


def _when(e: Email) -> str:
    return e.received_at.strftime("%a, %d %b %Y %H:%M %Z").strip()


def _attribution(e: Email) -> str:
    return f"On {_when(e)}, {_clean(str(e.sender))} wrote:"


def _quoted(text: str) -> str:
    cut = text[:MAX_QUOTE_CHARS] + ("\n[…]" if len(text) > MAX_QUOTE_CHARS else "")
    return "\n".join(f"> {line}".rstrip() for line in cut.splitlines())
