"""A stateful Gmail API and Google OAuth stand-in on 127.0.0.1 (werkzeug, one thread per request), speaking
Gmail's wire format: messages.list/get (minimal, raw, metadata; `fields`), history.list with a history that
expires (404 for a stale startHistoryId), messages.send, getProfile, labels.list/create (409 for a name taken,
compared without case) and messages.batchModify (204 without a body; ids of missing messages ignored, as Gmail
does; an unknown label id is a 400); bearer tokens with scopes (401 with
Google's error body, 403 insufficientPermissions); the consent page (a 302 to the loopback redirect) and the
token endpoint (authorization_code with PKCE, refresh_token, and the JWT bearer grant, whose RS256
signature and claims are verified with the service account's public key). Faults: status codes with
Retry-After and Google's error reasons, resets before or after the work is done. Every request is logged."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

import jwt
from werkzeug.wrappers import Request, Response

from tests.wsgi_server import LocalWsgiServer

MAILBOX = "support@acme.test"
CLIENT_ID = "1234567890-emailbot.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-only-in-tests-Secr3t"
SA_EMAIL = "emailbot@acme-support.iam.gserviceaccount.com"
MODIFY = "https://www.googleapis.com/auth/gmail.modify"
SEND = "https://www.googleapis.com/auth/gmail.send"
READ_SCOPES = {MODIFY, "https://www.googleapis.com/auth/gmail.readonly", "https://mail.google.com/"}
SEND_SCOPES = {SEND, MODIFY, "https://www.googleapis.com/auth/gmail.compose", "https://mail.google.com/"}
LABEL_SCOPES = {MODIFY, "https://www.googleapis.com/auth/gmail.labels", "https://mail.google.com/"}
MODIFY_SCOPES = {MODIFY, "https://mail.google.com/"}
SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT",
                 "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def google_error(status: int, reason: str, message: str) -> dict[str, Any]:
    names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
             409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
    return {"error": {"code": status, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}],
                      "status": names.get(status, "UNKNOWN")}}


def mail(n: int, *, subject: str = "", sender: str = "Ann Customer <ann@customer.test>", body: str = "",
         message_id: str = "", references: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = MAILBOX
    msg["Subject"] = subject or f"Printer {n} is on fire"
    msg["Date"] = "Tue, 02 Jan 2024 10:00:00 +0000"
    msg["Message-ID"] = message_id or f"<mail-{n}@customer.test>"
    if references:
        msg["References"] = references
    msg.set_content(body or f"Hello,\nmessage number {n}.\nRegards, Ann")
    return bytes(msg)


@dataclass
class Stored:
    id: str
    thread_id: str
    raw: bytes
    labels: list[str]
    history_id: int
    internal_date: int  # ms
    size_override: int = 0

    @property
    def size(self) -> int:
        return self.size_override or len(self.raw)

    def header(self, name: str) -> str:
        return str(message_from_bytes(self.raw, policy=policy.default).get(name, ""))


@dataclass
class Fault:
    path: str  # regex searched in the path
    method: str | None = None
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    reset: bool = False  # close the connection before doing anything
    reset_after: bool = False  # do the work, then close the connection without answering
    expire_tokens: bool = False  # revoke every access token issued so far, then handle (-> 401)


@dataclass
class Hit:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int = 0
    started: float = 0.0
    ended: float = 0.0


@dataclass
class Issued:
    scopes: set[str]
    subject: str
    expired: bool = False


class FakeGmail:
    def __init__(self) -> None:
        self.messages: dict[str, Stored] = {}
        self.history: list[tuple[int, str, list[str]]] = []  # (history id, message id, labels): messageAdded
        self.history_floor = 0  # history before this id has expired
        self._history_ids = itertools.count(9000, 7)
        self.history_id = next(self._history_ids)
        self._ids = itertools.count(0x18C2F1A300000000)
        self.tokens: dict[str, Issued] = {}
        self.refresh_tokens: dict[str, set[str]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.grant_scopes: set[str] | None = None  # what the consent screen grants (None: everything asked)
        self.sa_public_key: Any = None
        self.sa_allowed_scopes: set[str] = {MODIFY, SEND}  # the admin console's domain-wide delegation
        self.grants: list[str] = []
        self.rewrite_message_ids = False  # give sent mail a Message-ID of Gmail's own
        self.sent: list[tuple[Stored, dict[str, Any]]] = []
        # The mailbox's labels as labels.list shows them: Gmail's own, then the user's ("Label_<n>").
        self.labels: dict[str, dict[str, Any]] = {
            name: {"id": name, "name": name, "type": "system"} for name in SYSTEM_LABELS}
        self._label_ids = itertools.count(1)
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        self.lock = threading.RLock()
        self.url = ""
        self._server: LocalWsgiServer | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeGmail:
        self._server = LocalWsgiServer(self, "fake-gmail")
        self.url = self._server.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def api(self) -> str:
        return f"{self.url}/gmail/v1"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def authorization_url(self) -> str:
        return f"{self.url}/o/oauth2/v2/auth"

    # ---- test helpers ---------------------------------------------------------------------------------

    def deliver(self, raw: bytes, *, labels: tuple[str, ...] = ("INBOX", "UNREAD"), size: int = 0,
                thread_id: str = "") -> Stored:
        with self.lock:
            mid = f"{next(self._ids):x}"
            self.history_id = next(self._history_ids)
            stored = Stored(mid, thread_id or mid, raw, list(labels), self.history_id,
                            int(time.time() * 1000) + len(self.messages), size)
            self.messages[mid] = stored
            self.history.append((self.history_id, mid, list(labels)))
            return stored

    def expire_history(self) -> None:
        """Google forgets the history so far: every older startHistoryId is answered 404."""
        with self.lock:
            self.history_id = next(self._history_ids)
            self.history_floor = self.history_id

    def expire_tokens(self) -> None:
        with self.lock:
            for issued in self.tokens.values():
                issued.expired = True

    def issue_refresh_token(self, scopes: set[str] | None = None) -> str:
        token = "1//" + secrets.token_urlsafe(24)
        self.refresh_tokens[token] = set(scopes or {MODIFY, SEND})
        return token

    def add_label(self, name: str) -> str:
        """A user label made in Gmail's own interface (by a colleague); returns its id."""
        with self.lock:
            label_id = f"Label_{next(self._label_ids)}"
            self.labels[label_id] = {"id": label_id, "name": name, "type": "user", "messageListVisibility": "show",
                                     "labelListVisibility": "labelShow"}
            return label_id

    def label_named(self, name: str) -> str:
        """The id of the label `name` (test assertions); KeyError when there is none."""
        with self.lock:
            return next(i for i, label in self.labels.items() if label["name"] == name)

    def fail(self, path: str, **kw: Any) -> Fault:
        fault = Fault(path, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def requests(self, pattern: str = "", method: str | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if re.search(pattern, h.path) and (method is None or h.method == method)]

    def downloads(self) -> list[str]:
        """Ids of messages fetched with format=raw."""
        return [h.path.rsplit("/", 1)[-1] for h in self.requests(r"/messages/[0-9a-f]+$", "GET")
                if h.query.get("format") == ["raw"] and h.status == 200]

    # ---- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        hit = Hit(request.method, request.path, request.args.to_dict(flat=False), started=time.monotonic())
        with self.lock:
            self.hits.append(hit)
        fault = self._fault(request.method, request.path)
        if fault is not None and fault.reset:
            return self._reset(environ, hit)
        if fault is not None and fault.expire_tokens:
            self.expire_tokens()
        if fault is not None and fault.status is not None:
            status, body, headers = fault.status, fault.body or google_error(fault.status, "backendError", "x"), \
                dict(fault.headers)
        else:
            status, body, headers = self._route(request)
        hit.status, hit.ended = status, time.monotonic()
        if fault is not None and fault.reset_after:
            return self._reset(environ, hit)
        if status in (204, 301, 302):
            return Response(b"", status, headers=headers)(environ, start_response)
        return Response(json.dumps(body), status, headers=headers, content_type="application/json")(
            environ, start_response)

    def _reset(self, environ: dict[str, Any], hit: Hit) -> list[bytes]:
        sock = environ.get("werkzeug.socket")
        if sock is not None:  # linger 0: the client sees a reset, not an orderly close
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.shutdown(socket.SHUT_RDWR)
        hit.ended = time.monotonic()
        return []

    def _fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.path, path) and fault.method in (None, method):
                    fault.times -= 1
                    return fault
        return None

    def _route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.path == "/token" and request.method == "POST":
            status, body = self._token(request.form.to_dict())
            return status, body, {"Cache-Control": "no-store"}
        if request.path == "/o/oauth2/v2/auth" and request.method == "GET":
            return self._authorize(request.args.to_dict())
        match = re.fullmatch(r"/gmail/v1/users/([^/]+)(/.*)", request.path)
        if match is None:
            return 404, google_error(404, "notFound", "Not Found"), {}
        issued = self.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if issued is None or issued.expired:
            return 401, google_error(401, "authError", "Request had invalid authentication credentials."), \
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}
        user, rest = match.group(1), match.group(2)
        if user not in ("me", MAILBOX) or issued.subject != MAILBOX:
            return 403, google_error(403, "forbidden", "Delegation denied for " + issued.subject), {}
        needed = {"/messages/send": SEND_SCOPES, "/messages/batchModify": MODIFY_SCOPES}.get(rest, READ_SCOPES)
        if rest == "/labels" and request.method == "POST":
            needed = LABEL_SCOPES
        if not issued.scopes & needed:
            challenge = ('Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
                         f'scope="{" ".join(sorted(needed))}"')
            return 403, google_error(403, "insufficientPermissions", "Request had insufficient authentication "
                                     "scopes."), {"WWW-Authenticate": challenge}
        with self.lock:
            status, body = self._api(request, rest)
        return status, body, {}

    # ---- the Gmail API --------------------------------------------------------------------------------

    def _api(self, request: Request, rest: str) -> tuple[int, Any]:
        args = request.args
        if rest == "/profile" and request.method == "GET":
            return 200, {"emailAddress": MAILBOX, "messagesTotal": len(self.messages),
                         "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                         "historyId": str(self.history_id)}
        if rest == "/messages" and request.method == "GET":
            return self._list(args.getlist("labelIds"), args.get("q", ""), int(args.get("maxResults", "100")),
                              args.get("pageToken", ""), args.get("includeSpamTrash") == "true")
        if rest == "/messages/send" and request.method == "POST":
            return self._send(request.get_json(silent=True) or {})
        if rest == "/history" and request.method == "GET":
            return self._history(args)
        if rest == "/labels" and request.method == "GET":
            return 200, {"labels": [dict(label) for label in self.labels.values()]}
        if rest == "/labels" and request.method == "POST":
            return self._create_label(request.get_json(silent=True) or {})
        if rest == "/messages/batchModify" and request.method == "POST":
            return self._batch_modify(request.get_json(silent=True) or {})
        got = re.fullmatch(r"/messages/([0-9a-f]+)", rest)
        if got and request.method == "GET":
            stored = self.messages.get(got.group(1))
            if stored is None:
                return 404, google_error(404, "notFound", "Requested entity was not found.")
            return 200, _partial(self._resource(stored, args.get("format", "full"),
                                                args.getlist("metadataHeaders")), args.get("fields", ""))
        return 400, google_error(400, "invalidArgument", f"Invalid request {request.method} {rest}")

    def _resource(self, m: Stored, fmt: str, metadata_headers: list[str]) -> dict[str, Any]:
        item: dict[str, Any] = {"id": m.id, "threadId": m.thread_id, "labelIds": list(m.labels),
                                "snippet": m.raw.decode(errors="replace")[-60:], "sizeEstimate": m.size,
                                "historyId": str(m.history_id), "internalDate": str(m.internal_date)}
        if fmt == "raw":
            item["raw"] = base64.urlsafe_b64encode(m.raw).decode()
        elif fmt == "metadata":
            parsed = message_from_bytes(m.raw, policy=policy.default)
            wanted = {h.lower() for h in metadata_headers}
            item["payload"] = {"mimeType": parsed.get_content_type(), "headers": [
                {"name": k, "value": str(v)} for k, v in parsed.items() if not wanted or k.lower() in wanted]}
        return item

    def _list(self, labels: list[str], q: str, size: int, page_token: str, spam_trash: bool) -> tuple[int, Any]:
        found = [m for m in self.messages.values() if all(label in m.labels for label in labels)]
        if not spam_trash:
            found = [m for m in found if "TRASH" not in m.labels and "SPAM" not in m.labels]
        for term in q.split():
            key, _, value = term.partition(":")
            if key == "rfc822msgid":
                found = [m for m in found if m.header("Message-ID").strip("<>") == value.strip("<>")]
            elif key == "in":
                found = [m for m in found if value.upper() in m.labels]
            elif key == "after":
                found = [m for m in found if m.internal_date // 1000 >= int(value)]
            elif key == "newer_than":
                days = int(value.rstrip("d"))
                found = [m for m in found if m.internal_date >= (time.time() - days * 86400) * 1000]
            else:
                return 400, google_error(400, "invalidArgument", f"Unsupported query {term}")
        found.sort(key=lambda m: m.internal_date, reverse=True)
        offset = int(base64.urlsafe_b64decode(page_token).decode()) if page_token else 0
        page = found[offset:offset + size]
        body: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:  # Gmail leaves "messages" out when there are none
            body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if offset + size < len(found):
            body["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return 200, body

    def _history(self, args: Any) -> tuple[int, Any]:
        try:
            start = int(args.get("startHistoryId", ""))
        except ValueError:
            return 400, google_error(400, "invalidArgument", "Invalid startHistoryId")
        if start < self.history_floor:
            return 404, google_error(404, "notFound", "Requested entity was not found.")
        types = args.getlist("historyTypes")
        label = args.get("labelId", "")
        records = [{"id": str(hid), "messages": [{"id": mid, "threadId": self.messages[mid].thread_id}],
                    "messagesAdded": [{"message": {"id": mid, "threadId": self.messages[mid].thread_id,
                                                   "labelIds": labels}}]}
                   for hid, mid, labels in self.history
                   if hid > start and (not label or label in labels) and (not types or "messageAdded" in types)]
        size = int(args.get("maxResults", "100"))
        offset = int(args.get("pageToken") or 0)
        body: dict[str, Any] = {"historyId": str(self.history_id)}
        if records[offset:offset + size]:
            body["history"] = records[offset:offset + size]
        if offset + size < len(records):
            body["nextPageToken"] = str(offset + size)
        return 200, body

    def _send(self, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            raw = base64.urlsafe_b64decode(str(body["raw"]) + "=" * (-len(str(body["raw"])) % 4))
        except (KeyError, ValueError):
            return 400, google_error(400, "invalidArgument", "'raw' RFC822 payload message string or uploading "
                                     "message via /upload/* URL required")
        thread_id = str(body.get("threadId") or "")
        if thread_id and thread_id not in {m.thread_id for m in self.messages.values()}:
            return 404, google_error(404, "notFound", "Requested entity was not found.")
        if self.rewrite_message_ids:
            parsed = message_from_bytes(raw, policy=policy.SMTP)
            parsed.replace_header("Message-ID", f"<CA{secrets.token_hex(12)}@mail.gmail.com>")
            raw = parsed.as_bytes()
        stored = self.deliver(raw, labels=("SENT",), thread_id=thread_id)
        self.sent.append((stored, dict(body)))
        return 200, {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["SENT"]}

    def _create_label(self, body: dict[str, Any]) -> tuple[int, Any]:
        name = str(body.get("name") or "").strip()
        if not name:
            return 400, google_error(400, "invalidArgument", "Invalid label name")
        if any(label["name"].lower() == name.lower() for label in self.labels.values()):
            return 409, google_error(409, "duplicate", "Label name exists or conflicts")
        label_id = self.add_label(name)
        for key in ("messageListVisibility", "labelListVisibility"):
            if key in body:
                self.labels[label_id][key] = body[key]
        return 200, dict(self.labels[label_id])

    def _batch_modify(self, body: dict[str, Any]) -> tuple[int, Any]:
        ids = [str(i) for i in body.get("ids") or ()]
        add, remove = list(body.get("addLabelIds") or ()), list(body.get("removeLabelIds") or ())
        if not ids:
            return 400, google_error(400, "invalidArgument", "No message ids specified")
        if len(ids) > 1000:
            return 400, google_error(400, "invalidArgument", "Number of ids cannot exceed 1000")
        unknown = [label for label in add + remove if label not in self.labels]
        if unknown:
            return 400, google_error(400, "invalidArgument", f"Invalid label: {unknown[0]}")
        for mid in ids:
            stored = self.messages.get(mid)
            if stored is None:
                continue
            stored.labels = [label for label in stored.labels if label not in remove]
            stored.labels += [label for label in add if label not in stored.labels]
        return 204, None

    # ---- Google's OAuth endpoints ---------------------------------------------------------------------

    def _authorize(self, q: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != CLIENT_ID or not re.fullmatch(r"http://127\.0\.0\.1:\d+/", redirect):
            return 400, {"error": "redirect_uri_mismatch"}, {}
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" \
                or not q.get("code_challenge") or q.get("access_type") != "offline":
            return 400, {"error": "invalid_request"}, {}
        asked = set(q.get("scope", "").split())
        granted = asked if self.grant_scopes is None else asked & self.grant_scopes
        code = "4/" + secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect, "scopes": granted}
        params = {"state": q.get("state", ""), "code": code, "scope": " ".join(sorted(granted))}
        return 302, None, {"Location": f"{redirect}?{urlencode(params)}"}

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if grant == JWT_BEARER:
            return self._jwt_bearer(form.get("assertion", ""))
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        if grant == "authorization_code":
            entry = self.codes.pop(form.get("code", ""), None)
            if entry is None or entry["redirect_uri"] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != entry["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
            refresh = self.issue_refresh_token(entry["scopes"])
            return 200, {**self._access(entry["scopes"], MAILBOX), "refresh_token": refresh}
        if grant == "refresh_token":
            scopes = self.refresh_tokens.get(form.get("refresh_token", ""))
            if scopes is None:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            return 200, self._access(scopes, MAILBOX)
        return 400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"}

    def _jwt_bearer(self, assertion: str) -> tuple[int, dict[str, Any]]:
        try:
            claims = jwt.decode(assertion, self.sa_public_key, algorithms=["RS256"], audience=self.token_url,
                                options={"require": ["iss", "sub", "aud", "iat", "exp", "scope"]})
        except jwt.PyJWTError as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {type(exc).__name__}"}
        if claims["iss"] != SA_EMAIL or claims["exp"] - claims["iat"] > 3600:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT claims."}
        scopes = set(claims["scope"].split())
        if claims["sub"] != MAILBOX or not scopes <= self.sa_allowed_scopes:
            return 401, {"error": "unauthorized_client", "error_description": "Client is unauthorized to "
                         "retrieve access tokens using this method, or client not authorized for any of the "
                         "scopes requested."}
        body = self._access(scopes, claims["sub"])
        del body["scope"]  # Google leaves the scope out of a JWT bearer answer
        return 200, body

    def _access(self, scopes: set[str], subject: str) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = Issued(set(scopes), subject)
        return {"access_token": token, "expires_in": 3599, "scope": " ".join(sorted(scopes)), "token_type": "Bearer"}


def _partial(item: dict[str, Any], fields: str) -> dict[str, Any]:
    """Google's `fields` partial response, for top-level names."""
    if not fields:
        return item
    wanted = {f.strip() for f in fields.split(",")}
    return {k: v for k, v in item.items() if k in wanted}

