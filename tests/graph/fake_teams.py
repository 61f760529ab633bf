"""The directory and Teams part of the fake Graph: /me, /users with $search (ConsistencyLevel required)
and $filter, group chats created with members bound by user@odata.bind, and chat messages — posting a
message only with a delegated token, as in Graph."""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.graph.fake_mailbox import Result, error, iso

USERS = [
    {"id": "11111111-0000-4000-8000-000000000001", "displayName": "Olivia Operator",
     "mail": "olivia@contoso.test", "userPrincipalName": "olivia@contoso.test", "jobTitle": "Support lead"},
    {"id": "11111111-0000-4000-8000-000000000002", "displayName": "Nina Network",
     "mail": "nina@contoso.test", "userPrincipalName": "nina@contoso.test", "jobTitle": "Network engineer"},
    {"id": "11111111-0000-4000-8000-000000000003", "displayName": "Sam Security",
     "mail": "sam.security@contoso.test", "userPrincipalName": "sam@contoso.test", "jobTitle": "Security"},
    {"id": "11111111-0000-4000-8000-000000000004", "displayName": "Nils Nyberg",
     "mail": "nils@contoso.test", "userPrincipalName": "nils@contoso.test", "jobTitle": "Field service"},
]
MEMBER_TYPE = "#microsoft.graph.aadUserConversationMember"


@dataclass
class FakeTeams:
    base: str = ""
    users: list[dict[str, str]] = field(default_factory=lambda: [dict(u) for u in USERS])
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (chat id, message) as posted
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, ctx: Any) -> Result | None:
        path, method = ctx.path, ctx.method
        if path == "/me" and method == "GET":
            if ctx.issued.kind != "delegated":
                return error(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
            return 200, self._pick(self.user(ctx.issued.claims["oid"]), ctx.select()), {}
        if path == "/users" and method == "GET":
            return ctx.need({"User.Read.All", "User.ReadBasic.All"}, {"User.ReadBasic.All", "User.Read.All"}) \
                or self.list_users(ctx)
        if path == "/chats" and method == "POST":
            return self._delegated(ctx, {"Chat.Create", "Chat.ReadWrite"}) or self.create_chat(ctx)
        if path == "/me/chats" and method == "GET":
            return self._delegated(ctx, {"Chat.Create", "Chat.ReadWrite", "Chat.Read", "Chat.ReadBasic"}) \
                or self.list_chats(ctx)
        m = re.fullmatch(r"/chats/([^/]+)(/messages)?", path)
        if m:
            chat = self.chats.get(m[1])
            if chat is None:
                return error(404, "NotFound", "chat not found")
            if m[2] and method == "POST":
                if ctx.issued.kind != "delegated":
                    return error(403, "Forbidden", "Application permissions only allow importing messages "
                                 "(Teamwork.Migrate.All); posting needs ChatMessage.Send (delegated).")
                return self._delegated(ctx, {"ChatMessage.Send", "Chat.ReadWrite"}) or self.post(ctx, chat)
            if m[2] and method == "GET":
                top = int(ctx.params.get("$top", "20"))
                return 200, {"value": list(reversed(chat["_messages"]))[:top]}, {}
            if method == "GET":
                return 200, self._public(chat), {}
        return None

    def user(self, uid: str) -> dict[str, str]:
        return next(u for u in self.users if u["id"] == uid)

    @staticmethod
    def _pick(user: dict[str, str], select: list[str] | None) -> dict[str, str]:
        return {k: v for k, v in user.items() if select is None or k in select or k == "id"}

    @staticmethod
    def _delegated(ctx: Any, scopes: set[str]) -> Result | None:
        if ctx.issued.kind != "delegated":
            return error(403, "Forbidden", "This API is not supported for application permissions here.")
        return ctx.need(set(), scopes)

    def list_users(self, ctx: Any) -> Result:
        search, flt = ctx.params.get("$search"), ctx.params.get("$filter", "")
        users = self.users
        if search is not None:
            if ctx.headers.get("ConsistencyLevel", "").lower() != "eventual":
                return error(400, "Request_UnsupportedQuery", "Request with $search query parameter only works "
                             "through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
            terms = re.findall(r'"(displayName|mail):([^"]*)"', search)
            users = [u for u in users if any(_word_prefix(u[f], t) for f, t in terms)]
        elif flt:
            eq = re.findall(r"(mail|userPrincipalName) eq '((?:[^']|'')*)'", flt)
            sw = re.findall(r"startswith\((\w+),'((?:[^']|'')*)'\)", flt)
            if not eq and not sw:
                return error(400, "Request_UnsupportedQuery", "Unsupported query.")
            users = [u for u in users if any(u[f].lower() == v.replace("''", "'").lower() for f, v in eq)
                     or any(u[f].lower().startswith(v.replace("''", "'").lower()) for f, v in sw)]
        top = int(ctx.params.get("$top", "100"))
        return 200, {"value": [self._pick(u, ctx.select()) for u in users[:top]]}, {}

    def create_chat(self, ctx: Any) -> Result:
        body = ctx.body or {}
        if body.get("chatType") != "group" or not isinstance(body.get("members"), list):
            return error(400, "BadRequest", "chatType group with members is required")
        member_ids = []
        for member in body["members"]:
            bind = str(member.get("user@odata.bind", ""))
            m = re.fullmatch(re.escape(self.base) + r"/users\('([^']+)'\)", bind)
            if member.get("@odata.type") != MEMBER_TYPE or not m or m[1] not in {u["id"] for u in self.users}:
                return error(400, "BadRequest", f"invalid member binding {bind!r}")
            member_ids.append(m[1])
        if ctx.issued.claims["oid"] not in member_ids:
            return error(400, "BadRequest", "The creator of the chat must be one of its members.")
        chat_id = f"19:{uuid.uuid4().hex}@thread.v2"
        chat = {"id": chat_id, "topic": body.get("topic"), "chatType": "group",
                "createdDateTime": iso(time.time()), "lastUpdatedDateTime": iso(time.time()),
                "webUrl": f"https://teams.microsoft.com/l/chat/{chat_id}/0?tenantId=contoso-tenant",
                "_members": member_ids, "_messages": []}
        with self.lock:
            self.chats[chat_id] = chat
        return 201, self._public(chat), {}

    def list_chats(self, ctx: Any) -> Result:
        m = re.fullmatch(r"topic eq '((?:[^']|'')*)'", ctx.params.get("$filter", ""))
        topic = m[1].replace("''", "'") if m else None
        oid = ctx.issued.claims["oid"]
        found = [self._public(c) for c in self.chats.values()
                 if oid in c["_members"] and (topic is None or c["topic"] == topic)]
        return 200, {"value": found}, {}

    def post(self, ctx: Any, chat: dict[str, Any]) -> Result:
        body = (ctx.body or {}).get("body") or {}
        if not body.get("content"):
            return error(400, "BadRequest", "a message body is required")
        author = self.user(ctx.issued.claims["oid"])
        message = {"id": str(int(time.time() * 1000) + len(self.posts)), "messageType": "message",
                   "createdDateTime": iso(time.time()), "chatId": chat["id"],
                   "from": {"user": {"id": author["id"], "displayName": author["displayName"]}},
                   "body": {"contentType": body.get("contentType", "text"), "content": body["content"]}}
        with self.lock:
            chat["_messages"].append(message)
            self.posts.append((chat["id"], message))
        return 201, message, {}

    @staticmethod
    def _public(chat: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in chat.items() if not k.startswith("_")}


def _word_prefix(value: str, term: str) -> bool:
    return any(word.lower().startswith(term.lower()) for word in re.split(r"[\s@._-]+", value))
