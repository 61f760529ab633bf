"""Local stand-ins for Salesforce and HubSpot that speak their real request/response shapes, run by
werkzeug (pytest-httpserver) on 127.0.0.1, plus a server that accepts connections and never answers.

The fake Salesforce parses the SOSL/SOQL it receives as strictly as the real one: an unescaped reserved
character inside the search phrase, or a broken string literal, is a 400 MALFORMED_SEARCH/QUERY, so a
client bug shows up as an error instead of passing silently. Every request is kept in `requests`."""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SOSL_RESERVED = set("?&|!{}[]()^~*:\\\"'+-")
SOQL_UNESCAPE = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


class Malformed(ValueError):
    pass


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")


def read_sosl_phrase(q: str) -> tuple[str, int]:
    """Parse `FIND {"..."}`: the unescaped phrase and where the statement goes on."""
    if not q.startswith('FIND {"'):
        raise Malformed("expected FIND {\"...\"}")
    out, i = [], len('FIND {"')
    while i < len(q):
        ch = q[i]
        if ch == "\\":
            nxt = q[i + 1]
            if nxt not in SOSL_RESERVED:
                raise Malformed(f"invalid escape \\{nxt}")
            out.append(nxt)
            i += 2
            continue
        if ch == '"':
            if q[i:i + 2] != '"}':
                raise Malformed("phrase must end with \"}")
            return "".join(out), i + 2
        if ch in SOSL_RESERVED:
            raise Malformed(f"unescaped reserved character {ch!r} in the search term")
        out.append(ch)
        i += 1
    raise Malformed("unterminated phrase")


def read_soql_literal(text: str, start: int, *, like: bool = False) -> tuple[str, int]:
    """Parse a SOQL string literal at text[start] == "'"; LIKE keeps \\% and \\_ as escaped markers."""
    if text[start] != "'":
        raise Malformed("expected a string literal")
    out, i = [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1]
            if nxt in SOQL_UNESCAPE:
                out.append(SOQL_UNESCAPE[nxt])
            elif like and nxt in "%_":
                out.append("\x00" + nxt)  # a literal % or _
            else:
                raise Malformed(f"invalid escape \\{nxt}")
            i += 2
            continue
        if ch == "'":
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise Malformed("unterminated string literal")


def like_match(pattern: str, value: str) -> bool:
    regex, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\x00":
            regex += re.escape(pattern[i + 1])
            i += 2
            continue
        regex += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
        i += 1
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL) is not None


@dataclass
class FakeSalesforce:
    """An org with contacts, accounts, contracts and cases."""

    client_id: str = "3MVG9-test-client"
    client_secret: str = "s3cr3t-client-secret-value"
    api_version: str = "v60.0"
    contacts: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    widen_search: bool = False  # ignore the WHERE filter (a server that returns more than asked)
    fail_next: list[tuple[int, Any]] = field(default_factory=list)  # (status, body) for the next API calls
    after_case_created: Any = None  # called in the server thread after a case was stored, before answering
    _hook_due: Any = None
    usage: int = 100
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_contact(self, cid: str, email: str, name: str, account_id: str | None = None, **extra: Any) -> None:
        self.contacts.append({"Id": cid, "Email": email, "Name": name, "AccountId": account_id, **extra})

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    @property
    def searches(self) -> list[str]:
        return [r["q"] for r in self.requests if r["path"].endswith("/search/")]

    def __call__(self, request: Request) -> Response:
        with self.lock:
            response = self._handle(request)
            hook, self._hook_due = self._hook_due, None
        if hook is not None:  # outside the lock: a hook may hold this answer back while others go on
            hook()
        return response

    def _handle(self, request: Request) -> Response:
        path = request.path
        entry = {"method": request.method, "path": path, "q": request.args.get("q", ""),
                 "auth": request.headers.get("Authorization", ""), "body": request.get_data(as_text=True)}
        self.requests.append(entry)
        if path == "/services/oauth2/token":
            form = parse_qs(entry["body"])
            if form.get("grant_type") != ["client_credentials"] or form.get("client_id") != [self.client_id] \
                    or form.get("client_secret") != [self.client_secret]:
                return _json({"error": "invalid_client", "error_description": "invalid client credentials"}, 400)
            self.tokens_issued += 1
            token = f"00Dtoken!{self.tokens_issued}"
            self.valid_tokens.add(token)
            return _json({"access_token": token, "instance_url": self.base_url, "token_type": "Bearer",
                          "id": "https://login.salesforce.com/id/00D/005", "issued_at": "1700000000000",
                          "signature": "sig"})
        prefix = f"/services/data/{self.api_version}/"
        if not path.startswith(prefix):
            return _json([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}], 404)
        if entry["auth"].removeprefix("Bearer ") not in self.valid_tokens:
            return _json([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], 401)
        self.usage += 1
        headers = {"Sforce-Limit-Info": f"api-usage={self.usage}/15000"}
        if self.fail_next:
            status, body = self.fail_next.pop(0)
            return _json(body, status, headers)
        try:
            data, status = self._route(request, path[len(prefix):])
        except Malformed as exc:
            code = "MALFORMED_SEARCH" if path.endswith("/search/") else "MALFORMED_QUERY"
            return _json([{"message": str(exc), "errorCode": code}], 400, headers)
        return _json(data, status, headers)

    def _route(self, request: Request, rest: str) -> tuple[Any, int]:
        if rest == "search/":
            return {"searchRecords": self._sosl(request.args["q"])}, 200
        if rest == "query/":
            return self._soql(request.args["q"]), 200
        if rest == "limits/":
            return {"DailyApiRequests": {"Max": 15000, "Remaining": 15000 - self.usage}}, 200
        if rest.startswith("sobjects/Account/"):
            account = self.accounts.get(rest.split("/")[2])
            if account is None:
                return [{"message": "not found", "errorCode": "NOT_FOUND"}], 404
            fields = request.args.get("fields", "").split(",")
            return {"attributes": {"type": "Account"}, **{f: account.get(f) for f in fields}}, 200
        if rest == "sobjects/Case/" and request.method == "POST":
            body = json.loads(request.get_data(as_text=True))
            case_id = f"500{len(self.cases) + 1:015d}"
            self.cases.append({"Id": case_id, "CaseNumber": f"{len(self.cases) + 1001:08d}", "IsClosed": False,
                               "CreatedDate": f"2026-03-0{min(9, len(self.cases) + 1)}T10:00:00.000+0000", **body})
            self._hook_due = self.after_case_created
            return {"id": case_id, "success": True, "errors": []}, 201
        return [{"message": f"unknown resource {rest}", "errorCode": "NOT_FOUND"}], 404

    def _sosl(self, q: str) -> list[dict[str, Any]]:
        phrase, i = read_sosl_phrase(q)
        head = " IN EMAIL FIELDS RETURNING Contact("
        if not q[i:].startswith(head):
            raise Malformed("expected IN EMAIL FIELDS RETURNING Contact(")
        i += len(head)
        where = q.index(" WHERE Email = ", i)
        fields = [f.strip() for f in q[i:where].split(",")]
        literal, end = read_soql_literal(q, where + len(" WHERE Email = "))
        if q[end:] != " ORDER BY LastModifiedDate DESC LIMIT 5)":
            raise Malformed(f"unexpected tail {q[end:]!r}")
        # SOSL matches tokens: a phrase search finds every address containing the phrase.
        hits = [c for c in self.contacts if phrase.casefold() in (c.get("Email") or "").casefold()]
        if not self.widen_search:
            hits = [c for c in hits if (c.get("Email") or "").casefold() == literal.casefold()]
        return [{"attributes": {"type": "Contact", "url": f"/services/data/{self.api_version}/sobjects/Contact/"
                                                          f"{c['Id']}"}, **{f: c.get(f) for f in fields}}
                for c in hits]

    def _soql(self, q: str) -> dict[str, Any]:
        m = re.match(r"SELECT (.+?) FROM (\w+) WHERE (\w+) (=|LIKE) ", q)
        if m is None:
            raise Malformed(f"unsupported query {q!r}")
        fields, sobject, column, op = [f.strip() for f in m[1].split(",")], m[2], m[3], m[4]
        value, end = read_soql_literal(q, m.end(), like=op == "LIKE")
        rest = q[end:]
        if sobject == "Case":
            rows = [c for c in self.cases if (like_match(value, str(c.get(column) or "")) if op == "LIKE"
                                              else str(c.get(column)) == value)]
            if "IsClosed = false" in rest:
                rows = [c for c in rows if not c.get("IsClosed")]
        elif sobject == "Contract":
            rows = [c for c in self.contracts if c.get(column) == value and c.get("StatusCode") == "Activated"]
        else:
            raise Malformed(f"unsupported object {sobject}")
        records = [{"attributes": {"type": sobject}, **{f: r.get(f) for f in fields}} for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}


@dataclass
class FakeHubSpot:
    """A HubSpot account: contacts, companies, tickets, a ticket pipeline, and v4 associations."""

    token: str = "pat-na1-11111111-2222-3333-4444-555555555555"
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    assoc: dict[tuple[str, str, str], list[tuple[str, int]]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    search_lag: bool = False  # new tickets are not in the search index yet (as in HubSpot)
    after_ticket_created: Any = None
    portal_id: int = 4242
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_contact(self, cid: str, email: str, first: str, last: str, company_id: str | None = None) -> None:
        self.contacts[cid] = {"email": email, "firstname": first, "lastname": last, "phone": "+1 555 0100"}
        if company_id:
            self.assoc.setdefault(("contacts", cid, "companies"), []).append((company_id, 1))

    def add_ticket(self, tid: str, contact_id: str, subject: str, stage: str, **props: Any) -> None:
        self.tickets[tid] = {"subject": subject, "hs_pipeline": "0", "hs_pipeline_stage": stage,
                             "hs_ticket_priority": "MEDIUM", "createdate": f"2026-02-{int(tid) % 28 + 1:02d}T09:00:00Z",
                             **props}
        self.assoc.setdefault(("contacts", contact_id, "tickets"), []).append((tid, 15))

    def __call__(self, request: Request) -> Response:
        with self.lock:
            return self._handle(request)

    def _handle(self, request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True) or "null")
        self.requests.append({"method": request.method, "path": request.path, "body": body,
                              "args": dict(request.args), "auth": request.headers.get("Authorization", "")})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"status": "error", "message": "Authentication credentials not found.",
                          "category": "INVALID_AUTHENTICATION"}, 401)
        if self.fail_next:
            status, data, headers = self.fail_next.pop(0)
            return _json(data, status, headers)
        data, status = self._route(request, body)
        return _json(data, status, {"X-HubSpot-RateLimit-Secondly": "10",
                                    "X-HubSpot-RateLimit-Secondly-Remaining": "9"})

    def _route(self, request: Request, body: Any) -> tuple[Any, int]:
        p = request.path
        if p == "/crm/v3/objects/contacts/search":
            (group,) = body["filterGroups"]
            (flt,) = group["filters"]
            assert flt["propertyName"] == "email" and flt["operator"] == "EQ"
            hits = [(cid, c) for cid, c in self.contacts.items()
                    if c["email"].casefold() == str(flt["value"]).casefold()]
            return {"total": len(hits), "results": [
                {"id": cid, "properties": {k: c.get(k) for k in body.get("properties", [])} | {"hs_object_id": cid},
                 "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z", "archived": False}
                for cid, c in hits]}, 200
        m = re.fullmatch(r"/crm/v4/objects/contacts/(\d+)/associations/(\w+)", p)
        if m:
            rows = self.assoc.get(("contacts", m[1], m[2]), [])
            return {"results": [{"toObjectId": int(oid), "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": "Primary" if type_id == 1 else None}]}
                for oid, type_id in rows]}, 200
        m = re.fullmatch(r"/crm/v3/objects/companies/(\d+)", p)
        if m and m[1] in self.companies:
            props = request.args.get("properties", "").split(",")
            return {"id": m[1], "properties": {k: self.companies[m[1]].get(k) for k in props}}, 200
        if p == "/crm/v3/objects/tickets/batch/read":
            results = [{"id": i["id"], "properties": {k: self.tickets[i["id"]].get(k) for k in body["properties"]}}
                       for i in body["inputs"] if i["id"] in self.tickets]
            return {"status": "COMPLETE", "results": results}, 200
        if p == "/crm/v3/pipelines/tickets":
            return {"results": [{"id": "0", "label": "Support pipeline", "stages": [
                {"id": "1", "label": "New", "metadata": {"ticketState": "OPEN"}},
                {"id": "2", "label": "Waiting on contact", "metadata": {"ticketState": "OPEN"}},
                {"id": "4", "label": "Closed", "metadata": {"ticketState": "CLOSED"}}]}]}, 200
        if p == "/crm/v3/objects/tickets" and request.method == "POST":
            tid = str(9000 + len(self.tickets))
            self.tickets[tid] = dict(body["properties"], createdate="2026-03-02T10:00:00Z",
                                     _indexed=not self.search_lag)
            for a in body.get("associations", []):
                (t,) = a["types"]
                assert t == {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}
                self.assoc.setdefault(("contacts", str(a["to"]["id"]), "tickets"), []).append((tid, 15))
            if self.after_ticket_created is not None:
                self.after_ticket_created()
            return {"id": tid, "properties": body["properties"], "archived": False}, 201
        if p == "/crm/v3/objects/tickets/search":
            (flt,) = body["filterGroups"][0]["filters"]
            hits = [(tid, t) for tid, t in self.tickets.items() if t.get("_indexed", True)
                    and str(t.get(flt["propertyName"]) or "") == flt["value"]]
            return {"total": len(hits), "results": [{"id": tid, "properties": {k: t.get(k) for k in body["properties"]}}
                                                    for tid, t in hits]}, 200
        if p == "/account-info/v3/details":
            return {"portalId": self.portal_id, "timeZone": "UTC"}, 200
        return {"status": "error", "message": f"unknown {p}", "category": "OBJECT_NOT_FOUND"}, 404


def serve(handler: Any) -> HTTPServer:
    """Start a threaded local server on 127.0.0.1 that hands every request to `handler`."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    server.start()
    return server


class HangingServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (a CRM that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()
