"""Escalation to a Teams group chat, as the signed-in operator.

Graph lets an app post a chat message only with the delegated ChatMessage.Send permission (application
permissions are for migration), so this always runs on the operator's token:

    one $batch: the operator (/me) and every person, looked up by mail or UPN (nothing is created when
    someone is not found) -> checkpoint "chat requested" -> POST /chats (group, topic, members bound with
    user@odata.bind) -> checkpoint chat id + link -> POST /chats/{id}/messages -> checkpoint message id.

A crash after the chat exists resumes with that chat; a crash while posting is resolved by looking for
the message (it carries the outbox key) among the chat's messages. Text from the email is escaped: the
summary quotes untrusted mail and must not become Teams markup."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.base import DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.graph.batch import BatchRequest, run_batch
from emailbot_gui.connectors.graph.errors import GraphError
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.connectors.graph.mailbox import GraphMailbox

log = logging.getLogger(__name__)

NAME = "teams"
MAX_TOPIC = 250
USER_SELECT = "id,displayName,mail,userPrincipalName"


class EscalationError(GraphError):
    """The escalation cannot be made as approved (e.g. a person is not in the directory); nothing was
    created, the operator has to change it."""


class TeamsEscalator:
    name = NAME

    def __init__(self, client: GraphClient, *, mailbox: GraphMailbox | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client  # on the operator's delegated token
        self.mailbox = mailbox  # to fetch the email's Outlook link (on the mail connection's token)
        self.clock = clock

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        progress = dict(escalation.progress)
        if progress.get("message_requested_at") and not progress.get("message_id"):
            # The outbox asks find_delivered first; a direct caller gets the same protection for one GET.
            done = await self.find_delivered(escalation.idempotency_key, progress)
            if done is not None:
                return done
        chat_id, chat_link = str(progress.get("chat_id") or ""), str(progress.get("chat_link") or "")
        if not chat_id:
            members = await self._members(escalation)
            if progress.get("chat_requested_at"):
                chat_id, chat_link = await self._chat_by_topic(escalation.topic, progress["chat_requested_at"])
            if not chat_id:
                await escalation.checkpoint({"transport": NAME, "chat_requested_at": self.clock()})
                chat = await self.client.post("/chats", {"chatType": "group", "topic": escalation.topic[:MAX_TOPIC],
                                                         "members": members})
                chat_id = str(chat.get("id") or "")
                if not chat_id:
                    raise GraphError("creating the chat answered without an id")
                chat_link = str(chat.get("webUrl") or "")
            await escalation.checkpoint({"transport": NAME, "chat_id": chat_id, "chat_link": chat_link})
        web_link = await self._email_link(escalation)
        await escalation.checkpoint({"message_requested_at": self.clock()})
        posted = await self.client.post(f"/chats/{quote(chat_id, safe='')}/messages",
                                        {"body": {"contentType": "html",
                                                  "content": message_html(escalation, web_link)}})
        message_id = str(posted.get("id") or "")
        await escalation.checkpoint({"message_id": message_id})
        log.info("escalation %s posted to a Teams chat", escalation.idempotency_key)
        return DeliveryReceipt(external_id=chat_id, link=chat_link or chat_deep_link(chat_id),
                               details={"message_id": message_id, "email_link": web_link})

    async def _members(self, escalation: OutgoingEscalation) -> list[dict[str, Any]]:
        requests = [BatchRequest("me", "GET", f"/me?$select={USER_SELECT}")]
        for i, person in enumerate(escalation.people):
            address = person.address.strip().replace("'", "''")
            flt = f"mail eq '{address}' or userPrincipalName eq '{address}'"
            requests.append(BatchRequest(f"p{i}", "GET", f"/users?$filter={quote(flt)}&$select={USER_SELECT}"))
        answers = await run_batch(self.client, requests)
        me = answers["me"]
        if not me.ok:
            raise GraphError(f"cannot read the signed-in operator: {me.status} {me.error_code}", status=me.status)
        ids: dict[str, None] = {str(me.body["id"]): None}
        missing = []
        for i, person in enumerate(escalation.people):
            answer = answers[f"p{i}"]
            found = (answer.body or {}).get("value", []) if answer.ok else []
            if not found:
                missing.append(person.address + (f" ({answer.status} {answer.error_code})" if not answer.ok else ""))
                continue
            ids[str(found[0]["id"])] = None
        if missing:
            raise EscalationError("not found in the directory: " + ", ".join(missing))
        if len(ids) < 2:
            raise EscalationError("an escalation chat needs at least one person besides the operator")
        bind = f"{self.client.base_url}/users"
        return [{"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
                 "user@odata.bind": f"{bind}('{uid}')"} for uid in ids]

    async def _chat_by_topic(self, topic: str, since: float) -> tuple[str, str]:
        """A chat created by an attempt whose answer was lost: same topic, created after it started."""
        flt = f"topic eq '{topic[:MAX_TOPIC].replace(chr(39), chr(39) * 2)}'"
        found = await self.client.get("/me/chats", params={"$filter": flt, "$top": "50"})
        for chat in found.get("value", []):
            created = _timestamp(chat.get("createdDateTime"))
            if chat.get("topic") == topic[:MAX_TOPIC] and created is not None and created >= since - 60:
                return str(chat["id"]), str(chat.get("webUrl") or "")
        return "", ""

    async def _email_link(self, escalation: OutgoingEscalation) -> str:
        if self.mailbox is None or not escalation.email.provider_id:
            return ""
        try:
            return await self.mailbox.web_link(escalation.email.provider_id)
        except GraphError as exc:  # the chat is still worth posting without the link
            log.warning("no Outlook link for the escalated email: %s", exc)
            return ""

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        if progress.get("transport") != NAME or not progress.get("chat_id"):
            return None
        chat_id = str(progress["chat_id"])
        link = str(progress.get("chat_link") or "") or chat_deep_link(chat_id)
        if progress.get("message_id"):
            return DeliveryReceipt(external_id=chat_id, link=link, details={"message_id": progress["message_id"]})
        if not progress.get("message_requested_at"):
            return None
        marker = html.escape(_reference(idempotency_key))
        recent = await self.client.get(f"/chats/{quote(chat_id, safe='')}/messages", params={"$top": "50"})
        for message in recent.get("value", []):
            content = str(((message.get("body") or {}).get("content")) or "")
            if marker in content:
                return DeliveryReceipt(external_id=chat_id, link=link, details={"message_id": message.get("id")})
        return None  # posting never took effect: escalate() posts into the existing chat

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        raise TypeError("replies go through the mail transport (GraphActionSink routes them)")


def _reference(key: str) -> str:
    return f"EmailBot ref: {key}"


def message_html(escalation: OutgoingEscalation, web_link: str) -> str:
    lines = "<br>".join(html.escape(line) for line in escalation.message.splitlines())
    e = escalation.email
    parts = [f"<p><b>{html.escape(escalation.topic)}</b></p>", f"<p>{lines}</p>",
             f"<p>From {html.escape(str(e.sender))}, received "
             f"{html.escape(e.received_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC'))}</p>"]
    if web_link.startswith("https://"):
        parts.append(f'<p><a href="{html.escape(web_link, quote=True)}">Open the email in Outlook</a></p>')
    parts.append(f"<p><small>{html.escape(_reference(escalation.idempotency_key))}</small></p>")
    return "".join(parts)


def chat_deep_link(chat_id: str) -> str:
    return f"https://teams.microsoft.com/l/chat/{quote(chat_id, safe='')}/0"


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
