"""Replies in the thread through Graph, never sent twice.

    createReply (tagged with the outbox key)  -> checkpoint draft id
    PATCH the draft's body with the approved text (idempotent: the body is a pure function of the reply)
    checkpoint "send requested" -> POST send (202 Accepted)  -> DeliveryReceipt

Ids are immutable (`Prefer: IdType="ImmutableId"`), so the draft keeps its id when Exchange moves it to
Sent Items. After a crash or a lost answer, `find_delivered` looks that id up: not a draft any more means
sent; still a draft means the send never took effect (once a grace period has passed — Exchange needs a
moment to move a sent message); gone means "cannot confirm", which is reported, never resent.

A crash between createReply and its checkpoint leaves a draft whose id was not stored; the draft carries
the key in an extended property, so the next attempt finds and reuses it instead of making another."""

from __future__ import annotations

import hashlib
import html
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.base import DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.graph.errors import DeliveryNotVisibleYet, DeliveryUnconfirmed, GraphError, GraphNotFound
from emailbot_gui.connectors.graph.http import GraphClient

log = logging.getLogger(__name__)

NAME = "graph-mail"
# A named MAPI string property of this app (GUID fixed for EmailBot), holding the outbox key of a draft.
KEY_PROPERTY = "String {6f1c2d4e-8b7a-4f3e-9d2c-5a1b0e7f3c84} Name EmailBotDeliveryKey"
MAX_QUOTE_CHARS = 20_000
_LOOKUP_SELECT = "id,isDraft,webLink,sentDateTime,conversationId"


class GraphReplyTransport:
    """The reply half of the Graph ActionSink (`GraphActionSink` adds Teams escalations)."""

    name = NAME

    def __init__(self, client: GraphClient, mailbox: str, *, grace_seconds: float = 600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.mailbox = mailbox
        self.grace_seconds = grace_seconds
        self.clock = clock
        self._messages = f"/users/{quote(mailbox, safe='@')}/messages"

    def _path(self, message_id: str) -> str:
        return f"{self._messages}/{quote(message_id, safe='')}"

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        progress = dict(reply.progress)
        if progress.get("send_requested_at"):
            # Normally the outbox asked find_delivered already; asking again costs one GET on a rare path.
            done = await self.find_delivered(reply.idempotency_key, progress)
            if done is not None:
                return done
        draft_id = str(progress.get("draft_id") or "")
        link = str(progress.get("draft_link") or "")
        tag = _tag(reply)
        if not draft_id and progress.get("draft_requested_at"):
            found = await self._draft_by_tag(tag)
            if found is not None:
                if not found.get("isDraft", True):
                    return self._receipt(found)
                draft_id, link = str(found["id"]), str(found.get("webLink", ""))
                await reply.checkpoint({"draft_id": draft_id, "draft_link": link})
        body = {"body": {"contentType": "HTML", "content": reply_html(reply)}}
        if draft_id:
            try:
                await self.client.patch(self._path(draft_id), body)
            except GraphNotFound:
                log.warning("the draft of %s is gone; creating it again", reply.idempotency_key)
                draft_id = ""
        if not draft_id:
            draft_id, link = await self._create_draft(reply, tag)
            await self.client.patch(self._path(draft_id), body)
        await reply.checkpoint({"send_requested_at": self.clock()})
        await self.client.request("POST", f"{self._path(draft_id)}/send")  # 202; never repeated blindly
        log.info("reply %s sent from %s", reply.idempotency_key, self.mailbox)
        return DeliveryReceipt(external_id=draft_id, link=link,
                               details={"mailbox": self.mailbox, "draft_id": draft_id})

    async def _create_draft(self, reply: OutgoingReply, tag: str) -> tuple[str, str]:
        if not reply.email.provider_id:
            raise GraphError("the email has no Graph id to reply to")
        await reply.checkpoint({"transport": NAME, "draft_requested_at": self.clock(), "draft_id": ""})
        draft = await self.client.post(
            f"{self._path(reply.email.provider_id)}/createReply",
            {"message": {"singleValueExtendedProperties": [{"id": KEY_PROPERTY, "value": tag}]}})
        draft_id, link = str(draft.get("id") or ""), str(draft.get("webLink") or "")
        if not draft_id:
            raise GraphError("createReply answered without a draft id")
        await reply.checkpoint({"draft_id": draft_id, "draft_link": link})
        return draft_id, link

    async def _draft_by_tag(self, tag: str) -> dict[str, Any] | None:
        value = tag.replace("'", "''")
        flt = (f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' and ep/value eq '{value}')")
        found = await self.client.get(self._messages, params={"$filter": flt, "$select": _LOOKUP_SELECT})
        items = [m for m in found.get("value", []) if isinstance(m, dict) and m.get("id")]
        sent = [m for m in items if not m.get("isDraft", True)]
        return (sent or items)[0] if items else None

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        if progress.get("transport") != NAME or not progress.get("draft_id"):
            return None
        draft_id = str(progress["draft_id"])
        requested = float(progress.get("send_requested_at") or 0)
        waited = self.clock() - requested
        try:
            item = await self.client.get(self._path(draft_id), params={"$select": _LOOKUP_SELECT})
        except GraphNotFound:
            if not requested:
                return None  # the draft was deleted before anything was sent: a new one will be made
            if waited < self.grace_seconds:
                raise DeliveryNotVisibleYet(f"{idempotency_key}: the reply was handed to Exchange and is not "
                                          "visible yet; checking again later") from None
            raise DeliveryUnconfirmed(f"{idempotency_key}: the reply's draft is gone and no sent copy was "
                                      "found (sent and then deleted?). Check Sent Items of "
                                      f"{self.mailbox}; it is not sent again automatically.") from None
        if not item.get("isDraft", True):
            return self._receipt(item)
        if requested and waited < self.grace_seconds:
            raise DeliveryNotVisibleYet(f"{idempotency_key}: the send was requested {waited:.0f} s ago and the "
                                      "message is still a draft; checking again later")
        return None  # a draft that was never sent: send_reply resumes with it

    def _receipt(self, item: Mapping[str, Any]) -> DeliveryReceipt:
        return DeliveryReceipt(external_id=str(item["id"]), link=str(item.get("webLink", "")),
                               details={"mailbox": self.mailbox, "sent_at": item.get("sentDateTime")})

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        raise TypeError("escalations go to Teams (GraphActionSink routes them)")


def _tag(reply: OutgoingReply) -> str:
    # The outbox key alone ("reply:42") repeats across databases; the original's id makes it unique.
    return f"{reply.idempotency_key}|{hashlib.sha256(reply.email.provider_id.encode()).hexdigest()[:16]}"


def reply_html(reply: OutgoingReply) -> str:
    """The approved text above a quote of the original, as Outlook lays out a reply. Deterministic, so
    patching it again after a crash changes nothing; everything from the email is escaped."""
    e = reply.email
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
                         for p in reply.body_text.strip().split("\n\n") if p.strip())
    quote_text = e.body_text[:MAX_QUOTE_CHARS] + ("\n[…]" if len(e.body_text) > MAX_QUOTE_CHARS else "")
    header = (f"<b>From:</b> {html.escape(str(e.sender))}<br>"
              f"<b>Sent:</b> {html.escape(e.received_at.strftime('%A, %d %B %Y %H:%M %Z'))}<br>"
              f"<b>Subject:</b> {html.escape(e.subject)}")
    return (f"<html><body><div>{paragraphs}</div><hr><div>{header}</div>"
            f"<blockquote>{html.escape(quote_text).replace(chr(10), '<br>')}</blockquote></body></html>")
