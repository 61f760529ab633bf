"""A stateful Microsoft Graph stand-in on 127.0.0.1 (werkzeug, one thread per request), with the local
identity platform beside it. Routes live in fake_mailbox / fake_teams; here: bearer-token checks, JSON
batching, fault injection (status codes with Retry-After, delays, answers lost after the work was done,
connection resets, token revocation) and a log of every request for the tests' assertions."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from tests.graph.fake_authority import FakeAuthority
from tests.graph.fake_mailbox import FakeMailbox, Result, error
from tests.graph.fake_teams import USERS, FakeTeams
from tests.wsgi_server import LocalWsgiServer

TENANT = "contoso-tenant"
CLIENT_ID = "0e8f8c2a-5d8e-4a43-9b0e-emailbot-app"
CLIENT_SECRET = "Zq8~S3cr3t.Value_only-in-tests"
MAILBOX = "support@contoso.test"
OPERATOR = USERS[0]


@dataclass
class Fault:
    path: str  # a regex searched in the path below /v1.0
    method: str | None = None
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0  # before handling
    lose_response: float = 0.0  # handle, then hold the answer this long (a client timeout loses it)
    reset: bool = False  # close the connection without answering
    expire_tokens: bool = False  # revoke every token issued so far, then handle (-> 401)
    inner: bool = False  # applies to requests inside a $batch


@dataclass
class Hit:
    method: str
    path: str
    query: dict[str, str]
    prefer: str
    status: int
    started: float
    ended: float
    inner: bool = False


@dataclass
class Ctx:
    method: str
    path: str
    params: dict[str, str]
    headers: Headers
    body: Any
    issued: Any

    @property
    def prefer(self) -> list[str]:
        return [p.strip() for p in self.headers.get("Prefer", "").split(",") if p.strip()]

    @property
    def immutable(self) -> bool:
        return 'IdType="ImmutableId"' in self.prefer

    def max_page_size(self) -> int:
        for p in self.prefer:
            if p.startswith("odata.maxpagesize="):
                return int(p.split("=", 1)[1])
        return 10

    def select(self) -> list[str] | None:
        value = self.params.get("$select")
        return value.split(",") if value else None

    def need(self, app: set[str], delegated: set[str]) -> Result | None:
        claims = self.issued.claims
        granted = set(claims.get("roles", [])) if self.issued.kind == "app" else set(claims.get("scp", "").split())
        if granted & (app if self.issued.kind == "app" else delegated):
            return None
        return error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")


class FakeGraph:
    def __init__(self) -> None:
        self.authority = FakeAuthority(TENANT, CLIENT_ID, CLIENT_SECRET, operator={
            "id": OPERATOR["id"], "upn": OPERATOR["userPrincipalName"], "name": OPERATOR["displayName"]})
        self.mailbox = FakeMailbox(MAILBOX)
        self.teams = FakeTeams()
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server: LocalWsgiServer | None = None
        self.url = ""

    # ---- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeGraph:
        self._server = LocalWsgiServer(self, "fake-graph")
        self.url = self._server.url
        self.mailbox.base = self.teams.base = f"{self.url}/v1.0"
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.stop()

    # ---- test helpers ---------------------------------------------------------------------------------

    def fail(self, path: str, **kw: Any) -> Fault:
        fault = Fault(path, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def count(self, pattern: str = "", method: str | None = None, *, inner: bool = False) -> int:
        return len(self.requests(pattern, method, inner=inner))

    def requests(self, pattern: str = "", method: str | None = None, *, inner: bool = False) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.inner == inner and re.search(pattern, h.path)
                    and (method is None or h.method == method)]

    def reset_log(self) -> None:
        with self.lock:
            self.hits.clear()
            self.max_in_flight = 0

    # ---- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if not request.path.startswith("/v1.0/"):
            result = self.authority.handle(request.method, request.path, request.form.to_dict())
            status, body = result if result is not None else (404, {"error": "not_found"})
            return Response(json.dumps(body), status, content_type="application/json")(environ, start_response)
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        path = request.path.removeprefix("/v1.0")
        hit = self._hit(request.method, path, request.args.to_dict(), request.headers)  # logged on arrival
        try:
            fault = self._fault(request.method, path, inner=False)
            if fault is not None and fault.reset:
                sock = environ.get("werkzeug.socket")
                if sock is not None:  # linger 0: the client sees a reset, not an orderly close
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.shutdown(socket.SHUT_RDWR)
                hit.ended = time.monotonic()
                return []
            status, body, headers = self._top(request, path, fault)
            hit.status, hit.ended = status, time.monotonic()
            if fault is not None and fault.lose_response:
                self.stopping.wait(fault.lose_response)
        finally:
            with self.lock:
                self.in_flight -= 1
        return _response(status, body, headers)(environ, start_response)

    def _top(self, request: Request, path: str, fault: Fault | None) -> Result:
        if fault is not None:
            if fault.expire_tokens:
                self.authority.expire_all()
            if fault.delay:
                self.stopping.wait(fault.delay)
            if fault.status is not None:
                return fault.status, fault.body or {"error": {"code": "injected", "message": "injected"}}, \
                    dict(fault.headers)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        issued = self.authority.check(token)
        if issued is None:
            status, body, _ = error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
            return status, body, {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'}
        body = request.get_json(silent=True) if request.data else None
        ctx = Ctx(request.method, path, request.args.to_dict(), request.headers, body, issued)
        if path == "/$batch" and request.method == "POST":
            return self._batch(ctx)
        return self._dispatch(ctx)

    def _dispatch(self, ctx: Ctx) -> Result:
        for part in (self.mailbox, self.teams):
            result = part.handle(ctx)
            if result is not None:
                return result
        return error(400, "BadRequest", f"Resource not found for the segment '{ctx.path}'.")

    def _batch(self, outer: Ctx) -> Result:
        items = (outer.body or {}).get("requests")
        if not isinstance(items, list) or not 1 <= len(items) <= 20:
            return error(400, "BadRequest", "A batch must hold between 1 and 20 requests.")
        responses = []
        for item in items:
            parts = urlsplit(item["url"])
            path, params = parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))
            headers = Headers(item.get("headers") or {})
            fault = self._fault(item["method"], path, inner=True)
            if fault is not None and fault.status is not None:
                status, body, extra = fault.status, fault.body or {"error": {"code": "injected"}}, dict(fault.headers)
            else:
                ctx = Ctx(item["method"].upper(), path, params, headers, item.get("body"), outer.issued)
                status, body, extra = self._dispatch(ctx)
            hit = self._hit(item["method"], path, params, headers, inner=True)
            hit.status, hit.ended = status, time.monotonic()
            responses.append({"id": item["id"], "status": status,
                              "headers": {"Content-Type": "application/json", **extra}, "body": body})
        return 200, {"responses": responses}, {}

    def _fault(self, method: str, path: str, *, inner: bool) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.inner == inner and re.search(fault.path, path) \
                        and (fault.method is None or fault.method == method):
                    fault.times -= 1
                    return fault
        return None

    def _hit(self, method: str, path: str, query: dict[str, str], headers: Headers, *, inner: bool = False) -> Hit:
        hit = Hit(method, path, query, headers.get("Prefer", ""), 0, time.monotonic(), 0.0, inner)
        with self.lock:
            self.hits.append(hit)
        return hit


def _response(status: int, body: Any, headers: dict[str, str]) -> Response:
    if body is None:
        return Response(b"", status, headers=headers)
    if isinstance(body, bytes):
        return Response(body, status, headers=headers)
    return Response(json.dumps(body), status, headers=headers, content_type="application/json")
