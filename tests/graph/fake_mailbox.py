"""The mailbox part of the fake Graph: messages with immutable ids, delta rounds with skip/delta tokens
(and stale tokens answering 410), createReply / PATCH / send (202) / move, attachments, and the
extended-property filter the reply transport uses to find a draft by its outbox key."""

from __future__ import annotations

import itertools
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Result = tuple[int, Any, dict[str, str]]
FOLDER_IDS = {"inbox": "AQMkAGInbox000", "drafts": "AQMkAGDrafts00", "sentitems": "AQMkAGSent0000",
              "archive": "AQMkAGArchive0"}
READ = ({"Mail.Read", "Mail.ReadWrite"}, {"Mail.Read.Shared", "Mail.ReadWrite.Shared", "Mail.Read"})
WRITE = ({"Mail.ReadWrite"}, {"Mail.ReadWrite.Shared", "Mail.ReadWrite"})
SEND = ({"Mail.Send"}, {"Mail.Send.Shared", "Mail.Send"})
PROP_FILTER = re.compile(r"singleValueExtendedProperties/Any\(ep: ep/id eq '(.+?)' and ep/value eq '(.+?)'\)$")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(status: int, code: str, message: str) -> Result:
    return status, {"error": {"code": code, "message": message,
                              "innerError": {"request-id": str(uuid.uuid4()), "date": iso(time.time())}}}, {}


@dataclass
class Round:
    ids: list[str]  # still to deliver in this round
    end_seq: int  # the round's delta token resumes after this
    select: list[str]
    expand_attachments: bool
    change_type: str


@dataclass
class FakeMailbox:
    address: str
    base: str = ""  # http://127.0.0.1:port/v1.0, set when the server starts
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    rounds: dict[str, Round] = field(default_factory=dict)
    stale_tokens: set[str] = field(default_factory=set)
    final_empty_page: bool = False  # like Graph, end a round that filled its last page with an empty page
    send_visibility_delay: float = 0.0  # a sent message is not found by id for this long
    deny_access: bool = False  # the token has the permission, but the mailbox refuses (access policy)
    sends: list[str] = field(default_factory=list)  # every send that took effect
    sent: threading.Event = field(default_factory=threading.Event)  # set at the first send
    refused_sends: list[str] = field(default_factory=list)
    delta_requests: list[dict[str, str]] = field(default_factory=list)
    mutable_id_answers: int = 0  # answers given without Prefer: IdType="ImmutableId"
    lock: threading.RLock = field(default_factory=threading.RLock)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _sent_at: dict[str, float] = field(default_factory=dict)

    # ---- state ------------------------------------------------------------------------------------------

    def add_messages(self, n: int, *, folder: str = "inbox", attachments: int = 0, **fields: Any) -> list[str]:
        ids = []
        with self.lock:
            for _ in range(n):
                seq = next(self._seq)
                mid = f"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AIMM{seq:06d}"
                now = time.time()
                body = fields.get("body_html", f"<html><body><p>Printer {seq} is jammed again.</p></body></html>")
                m = {"id": mid, "createdDateTime": iso(now), "lastModifiedDateTime": iso(now),
                     "receivedDateTime": iso(now - 60), "sentDateTime": iso(now - 61),
                     "hasAttachments": attachments > 0, "internetMessageId": f"<msg{seq}@customer.example>",
                     "subject": fields.get("subject", f"Printer {seq} jammed"),
                     "bodyPreview": f"Printer {seq} is jammed again.", "importance": "normal",
                     "parentFolderId": FOLDER_IDS[folder], "conversationId": f"AAQkConv{seq:06d}",
                     "isRead": False, "isDraft": False, "categories": [],
                     "webLink": f"https://outlook.office365.com/owa/?ItemID={mid}&exvsurl=1&viewmodel=ReadMessageItem",
                     "body": {"contentType": "html", "content": body},
                     "from": {"emailAddress": {"name": f"Customer {seq}", "address": f"user{seq}@customer.example"}},
                     "sender": {"emailAddress": {"name": f"Customer {seq}", "address": f"user{seq}@customer.example"}},
                     "toRecipients": [{"emailAddress": {"name": "Support", "address": self.address}}],
                     "ccRecipients": [], "bccRecipients": [], "replyTo": [],
                     "_seq": seq, "_folder": folder, "_props": {},
                     "_attachments": [{"id": f"AAMkAtt{seq}-{k}", "name": f"log{k}.txt", "contentType": "text/plain",
                                       "size": 11, "isInline": False, "_bytes": b"hello world"}
                                      for k in range(attachments)]}
                self.messages[mid] = m
                ids.append(mid)
        return ids

    def in_folder(self, folder: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["_folder"] == folder]

    def expire_delta_tokens(self) -> None:
        with self.lock:
            self.stale_tokens.update(self.rounds)

    # ---- routing ----------------------------------------------------------------------------------------

    def handle(self, ctx: Any) -> Result | None:
        m = re.match(r"^/users(?:\('(?P<q>[^']+)'\)|/(?P<p>[^/(]+))(?P<rest>/.*)?$", ctx.path)
        if not m or (m["q"] or m["p"]).lower() != self.address.lower():
            return None
        rest = m["rest"] or ""
        if self.deny_access and rest:
            return error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        folder = re.match(r"^/mailFolders(?:\('(?P<q>[^']+)'\)|/(?P<p>[^/]+))(?P<tail>/.*)?$", rest)
        if folder:
            name = (folder["q"] or folder["p"]).lower()
            if folder["tail"] == "/messages/delta" and ctx.method == "GET":
                return ctx.need(*READ) or self.delta(ctx, name)
            if not folder["tail"] and ctx.method == "GET":
                return ctx.need(*READ) or (200, {"id": FOLDER_IDS.get(name, name), "displayName": name.title(),
                                                  "totalItemCount": len(self.in_folder(name))}, {})
            return None
        msg = re.match(r"^/messages(?:/(?P<id>[^/]+))?(?P<tail>/.*)?$", rest)
        if not msg:
            return None
        if msg["id"] is None:
            return ctx.need(*READ) or self.find(ctx) if ctx.method == "GET" else None
        with self.lock:
            return self.message_route(ctx, msg["id"], msg["tail"] or "")

    def message_route(self, ctx: Any, raw_id: str, tail: str) -> Result | None:
        m = self.lookup(raw_id)
        hidden = m is not None and time.time() - self._sent_at.get(m["id"], 0) < self.send_visibility_delay
        if m is None or hidden:
            return error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        method = ctx.method
        if tail == "" and method == "GET":
            return ctx.need(*READ) or (200, self.project(ctx, m, ctx.select()), {})
        if tail == "" and method == "PATCH":
            allowed = {"body", "categories", "subject", "toRecipients", "ccRecipients", "isRead"}
            if not isinstance(ctx.body, dict) or set(ctx.body) - allowed:
                return error(400, "RequestBodyRead", "Invalid or unsupported properties in the request body.")
            if denied := ctx.need(*WRITE):
                return denied
            m.update(ctx.body)
            m["lastModifiedDateTime"] = iso(time.time())
            return 200, self.project(ctx, m, None), {}
        if tail == "/createReply" and method == "POST":
            return ctx.need(*WRITE) or self.create_reply(ctx, m)
        if tail == "/send" and method == "POST":
            return ctx.need(*SEND) or self.send(m)
        if tail == "/move" and method == "POST":
            if denied := ctx.need(*WRITE):
                return denied
            dest = str((ctx.body or {}).get("destinationId", "")).lower()
            m["_folder"], m["parentFolderId"] = dest, FOLDER_IDS.get(dest, dest)
            return 201, self.project(ctx, m, None), {}
        if tail == "/attachments" and method == "GET":
            return ctx.need(*READ) or (200, {"value": [self.attachment(a) for a in m["_attachments"]]}, {})
        att = re.match(r"^/attachments/([^/]+)/\$value$", tail)
        if att and method == "GET":
            found = [a for a in m["_attachments"] if a["id"] == att[1]]
            if not found:
                return error(404, "ErrorItemNotFound", "attachment not found")
            return 200, found[0]["_bytes"], {"Content-Type": found[0]["contentType"]}
        if tail == "/$value" and method == "GET":
            mime = (f"Message-ID: {m['internetMessageId']}\r\nSubject: {m['subject']}\r\n"
                    f"From: {m['from']['emailAddress']['address']}\r\n\r\n{m['bodyPreview']}\r\n").encode()
            return 200, mime, {"Content-Type": "text/plain"}
        return None

    # ---- operations -------------------------------------------------------------------------------------

    def lookup(self, raw_id: str) -> dict[str, Any] | None:
        if raw_id in self.messages:
            return self.messages[raw_id]
        for m in self.messages.values():
            if self.mutable_id(m) == raw_id:
                return m
        return None

    @staticmethod
    def mutable_id(m: dict[str, Any]) -> str:
        return f"AAMkAD{m['_folder']}{m['_seq']:06d}"  # changes when the item moves, as regular ids do

    def project(self, ctx: Any, m: dict[str, Any], select: list[str] | None, *, expand: bool = False) -> dict:
        if not ctx.immutable:
            self.mutable_id_answers += 1
        public = {k: v for k, v in m.items() if not k.startswith("_")}
        out = {"@odata.type": "#microsoft.graph.message", "@odata.etag": f'W/"CQAAABYAAAA{m["_seq"]}"'}
        out.update({k: v for k, v in public.items() if select is None or k in select or k == "id"})
        out["id"] = m["id"] if ctx.immutable else self.mutable_id(m)
        if expand:
            out["attachments"] = [self.attachment(a) for a in m["_attachments"]]
        return out

    @staticmethod
    def attachment(a: dict[str, Any]) -> dict[str, Any]:
        return {"@odata.type": "#microsoft.graph.fileAttachment",
                **{k: v for k, v in a.items() if not k.startswith("_")}}

    def delta(self, ctx: Any, folder: str) -> Result:
        size = ctx.max_page_size()
        with self.lock:
            token = ctx.params.get("$skiptoken") or ctx.params.get("$deltatoken")
            self.delta_requests.append(dict(ctx.params))
            if token:
                if token in self.stale_tokens or token not in self.rounds:
                    return error(410, "SyncStateNotFound", "The sync state generation is not found. "
                                 "The delta token is expired and data must be synchronized again.")
                current = self.rounds[token]
                if "$deltatoken" in ctx.params:  # a new round from where the last one ended
                    current = Round([m["id"] for m in sorted(self.in_folder(folder), key=lambda m: m["_seq"])
                                     if m["_seq"] > current.end_seq], self._max_seq(), current.select,
                                    current.expand_attachments, current.change_type)
            else:
                since = re.fullmatch(r"receivedDateTime ge (\S+)", ctx.params.get("$filter", ""))
                expand = ctx.params.get("$expand", "")
                if expand and not expand.startswith("attachments"):
                    return error(400, "BadRequest", f"unsupported $expand {expand}")
                current = Round([m["id"] for m in sorted(self.in_folder(folder), key=lambda m: m["_seq"])
                                 if not since or m["receivedDateTime"] >= since[1]], self._max_seq(),
                                [s for s in ctx.params.get("$select", "").split(",") if s],
                                bool(expand), ctx.params.get("changeType", ""))
            page_ids, rest = current.ids[:size], current.ids[size:]
            value = [self.project(ctx, self.messages[i], current.select or None,
                                  expand=current.expand_attachments) for i in page_ids]
            link = f"{self.base}/users('{self.address}')/mailFolders('{folder}')/messages/delta"
            body: dict[str, Any] = {"@odata.context": f"{self.base}/$metadata#Collection(message)", "value": value}
            if rest or (self.final_empty_page and page_ids and len(page_ids) == size):
                new = uuid.uuid4().hex
                self.rounds[new] = Round(rest, current.end_seq, current.select, current.expand_attachments,
                                         current.change_type)
                body["@odata.nextLink"] = f"{link}?$skiptoken={new}"
            else:
                new = uuid.uuid4().hex
                self.rounds[new] = Round([], current.end_seq, current.select, current.expand_attachments,
                                         current.change_type)
                body["@odata.deltaLink"] = f"{link}?$deltatoken={new}"
        return 200, body, {"Preference-Applied": f"odata.maxpagesize={size}"}

    def _max_seq(self) -> int:
        return max((m["_seq"] for m in self.messages.values()), default=0)

    def find(self, ctx: Any) -> Result:
        match = PROP_FILTER.match(ctx.params.get("$filter", ""))
        if not match:
            return error(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")
        prop, value = match[1], match[2].replace("''", "'")
        with self.lock:
            found = [m for m in self.messages.values() if m["_props"].get(prop) == value]
            return 200, {"value": [self.project(ctx, m, ctx.select()) for m in found]}, {}

    def create_reply(self, ctx: Any, original: dict[str, Any]) -> Result:
        body = ctx.body or {}
        if not isinstance(body, dict) or set(body) - {"message", "comment"}:
            # On the wire action parameters are camelCase; "Message"/"Comment" would be refused.
            return error(400, "UnableToDeserializePostBody", "were unable to deserialize the request body")
        draft_id = self.add_messages(1, folder="drafts", subject=f"RE: {original['subject']}",
                                     body_html=f"<html><body><div><br></div><hr>{original['body']['content']}"
                                               "</body></html>")[0]
        draft = self.messages[draft_id]
        draft.update(isDraft=True, isRead=True, conversationId=original["conversationId"],
                     toRecipients=original["replyTo"] or [original["from"]],
                     **{"from": {"emailAddress": {"name": "Support", "address": self.address}}})
        for prop in (body.get("message") or {}).get("singleValueExtendedProperties", []):
            draft["_props"][prop["id"]] = prop["value"]
        draft["_reply_to"] = original["id"]
        return 201, self.project(ctx, draft, None), {}

    def send(self, m: dict[str, Any]) -> Result:
        if not m["isDraft"] or m["_folder"] != "drafts":
            self.refused_sends.append(m["id"])
            return error(400, "ErrorInvalidOperation", "The message has already been sent.")
        self.sends.append(m["id"])
        self.sent.set()
        self._sent_at[m["id"]] = time.time()
        m.update(isDraft=False, _folder="sentitems", parentFolderId=FOLDER_IDS["sentitems"],
                 sentDateTime=iso(time.time()))
        return 202, None, {}

