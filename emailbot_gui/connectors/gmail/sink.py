"""The ActionSink the outbox dispatcher drives for Gmail: replies in the original's thread, and
escalations as an email to the escalation people. Never sent twice:

    build the message (deterministic Message-ID from the outbox key)
    checkpoint {message_id, send_requested_at}  -> POST users.messages.send {raw, threadId}

After a crash or a lost answer, `find_delivered` looks the message up: `rfc822msgid:` search first, then
(in case Gmail gave the sent copy a Message-ID of its own) the mail sent since the request, by the
`X-EmailBot-Delivery` header. Found means delivered; not found means "cannot confirm", which is raised and
never resent automatically. A send Google definitely refused (an error answer, not a lost one) clears the
request mark, so the next attempt sends it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.base import Checkpoint, DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.gmail.config import GMAIL_SEND
from emailbot_gui.connectors.gmail.errors import (
    DeliveryNotVisibleYet,
    DeliveryUnconfirmed,
    GmailError,
    GmailNotFound,
    GmailOutcomeUnknown,
)
from emailbot_gui.connectors.gmail.http import GmailClient
from emailbot_gui.connectors.gmail.outgoing import (
    DELIVERY_HEADER,
    escalation_message,
    raw_for_gmail,
    reply_message,
)

log = logging.getLogger(__name__)

NAME = "gmail"
LOOKBACK_SECONDS = 300  # sent-mail scan starts this long before the request (clock skew, Gmail's rounding)
MAX_SCANNED = 50


class GmailActionSink:
    name = NAME

    def __init__(self, client: GmailClient, mailbox: str, *, grace_seconds: float = 600.0,
                 clock: Callable[[], float] = time.time) -> None:
        """`grace_seconds`: how long a requested send may stay unfindable (Gmail's search index lags) before
        it is reported as unconfirmed."""
        self.client = client
        self.mailbox = mailbox
        self.grace_seconds = grace_seconds
        self.clock = clock
        self._user = f"/users/{quote(mailbox, safe='@')}"

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        done = await self._already(reply.idempotency_key, reply.progress)
        if done is not None:
            return done
        thread_id = await self._thread_of(reply.email.provider_id)
        message = reply_message(reply, self.mailbox)
        return await self._send(reply.idempotency_key, message, thread_id, reply.email.provider_id,
                                reply.checkpoint, "reply")

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        done = await self._already(escalation.idempotency_key, escalation.progress)
        if done is not None:
            return done
        message = escalation_message(escalation, self.mailbox)
        return await self._send(escalation.idempotency_key, message, "", escalation.email.provider_id,
                                escalation.checkpoint, "escalation")

    async def _already(self, key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        # The outbox asks find_delivered first; asking again here costs one search on a rare path and keeps
        # a direct caller from sending twice.
        return await self.find_delivered(key, progress) if progress.get("send_requested_at") else None

    async def _send(self, key: str, message: EmailMessage, thread_id: str, original_id: str,
                    checkpoint: Checkpoint, kind: str) -> DeliveryReceipt:
        body: dict[str, str] = {"raw": raw_for_gmail(message)}
        if thread_id:
            body["threadId"] = thread_id
        await checkpoint({"transport": NAME, "kind": kind, "message_id": str(message["Message-ID"]),
                          "delivery_tag": str(message[DELIVERY_HEADER]), "send_requested_at": self.clock()})
        try:
            response = await self.client.request("POST", f"{self._user}/messages/send", json=body, scope=GMAIL_SEND)
        except GmailOutcomeUnknown:
            raise
        except GmailError:
            await checkpoint({"send_requested_at": None})  # refused with an answer: nothing was sent
            raise
        sent = response.json()
        log.info("%s %s sent from %s", kind, key, self.mailbox)
        return self._receipt(sent, thread_id)

    async def _thread_of(self, message_id: str) -> str:
        if not message_id:
            return ""
        try:
            item = await self.client.get(f"{self._user}/messages/{quote(message_id, safe='')}",
                                         params={"format": "minimal", "fields": "id,threadId"})
        except GmailNotFound:
            log.warning("the original of a reply is gone from the mailbox; the reply starts its own thread")
            return ""
        return str(item.get("threadId") or "")

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        if progress.get("transport") != NAME or not progress.get("send_requested_at"):
            return None  # nothing was handed to Gmail: nothing can have been delivered
        message_id = str(progress.get("message_id") or "")
        found = await self._list({"q": f"rfc822msgid:{message_id.strip('<>')}", "includeSpamTrash": "true",
                                  "maxResults": "5"}) if message_id else []
        if not found:
            found = await self._sent_with_tag(str(progress.get("delivery_tag") or ""),
                                              float(progress["send_requested_at"]))
        if found:
            return self._receipt(found[0], "")
        waited = self.clock() - float(progress["send_requested_at"])
        if waited < self.grace_seconds:
            raise DeliveryNotVisibleYet(f"{idempotency_key}: the send was requested {waited:.0f} s ago and Gmail "
                                        f"does not show {message_id} yet; checking again later")
        raise DeliveryUnconfirmed(f"{idempotency_key}: the send was requested but no sent message {message_id} "
                                  f"is in {self.mailbox}; it is not sent again automatically — check Sent Mail")

    async def _list(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        page = await self.client.get(f"{self._user}/messages", params=params)
        return [m for m in page.get("messages") or () if isinstance(m, dict) and m.get("id")]

    async def _sent_with_tag(self, tag: str, requested_at: float) -> list[dict[str, Any]]:
        if not tag:
            return []
        after = int(requested_at - LOOKBACK_SECONDS)
        for item in await self._list({"q": f"in:sent after:{after}", "includeSpamTrash": "true",
                                      "maxResults": str(MAX_SCANNED)}):
            meta = await self.client.get(f"{self._user}/messages/{quote(str(item['id']), safe='')}",
                                         params={"format": "metadata", "metadataHeaders": DELIVERY_HEADER})
            headers = (meta.get("payload") or {}).get("headers") or ()
            if any(isinstance(h, dict) and str(h.get("name", "")).lower() == DELIVERY_HEADER.lower()
                   and str(h.get("value", "")).strip() == tag for h in headers):
                return [item]
        return []

    def _receipt(self, item: Mapping[str, Any], thread_id: str) -> DeliveryReceipt:
        gmail_id = str(item.get("id") or "")
        return DeliveryReceipt(external_id=gmail_id,
                               link=f"https://mail.google.com/mail/u/?authuser={quote(self.mailbox)}#all/{gmail_id}",
                               details={"mailbox": self.mailbox,
                                        "thread_id": str(item.get("threadId") or thread_id)})

