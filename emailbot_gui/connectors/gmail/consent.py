"""Signing in with Google as an installed (desktop) app: the authorization-code flow with PKCE and a
loopback redirect (RFC 8252), as Google documents it for Desktop OAuth clients.

    receiver = LoopbackReceiver() on 127.0.0.1, a free port
    consent_url(...)  -> the caller opens it in the system browser
    the person consents; Google redirects the browser to http://127.0.0.1:PORT/?state=..&code=..
    exchange_code(...) -> GoogleTokens with the refresh token the connector keeps using

`sign_in_installed_app` does all of it. The receiver answers only the redirect that carries the state it
is waiting for (anything else on the port gets a 400 and is otherwise ignored), and never echoes the code."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from emailbot_gui.connectors.gmail.config import AUTHORIZATION_URL, SCOPES, TOKEN_URL
from emailbot_gui.connectors.gmail.errors import GmailAuthError, ReconsentRequired
from emailbot_gui.connectors.gmail.token_endpoint import GoogleTokens, request_tokens

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 16 * 1024
DONE_PAGE = (b"<!doctype html><meta charset=utf-8><title>EmailBot Console</title>"
             b"<p>Signed in. You can close this window and return to EmailBot Console.</p>")
REFUSED_PAGE = (b"<!doctype html><meta charset=utf-8><title>EmailBot Console</title>"
                b"<p>The sign-in was not completed. Return to EmailBot Console to try again.</p>")


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-], within RFC 7636's 43..128
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def consent_url(client_id: str, redirect_uri: str, *, state: str, code_challenge: str,
                scopes: Sequence[str] = SCOPES, authorization_url: str = AUTHORIZATION_URL,
                login_hint: str = "") -> str:
    """Google's consent page. `access_type=offline` and `prompt=consent` make Google hand out a refresh
    token every time, also to a person who consented before (Google omits it otherwise)."""
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": " ".join(scopes), "state": state, "code_challenge": code_challenge,
              "code_challenge_method": "S256", "access_type": "offline", "prompt": "consent"}
    if login_hint:
        params["login_hint"] = login_hint
    return f"{authorization_url}?{urlencode(params)}"


class LoopbackReceiver:
    """A one-shot HTTP listener on 127.0.0.1 for the redirect of the consent page that carries `state`.
    Use as an async context manager; `redirect_uri` is known once entered."""

    def __init__(self, state: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._state = state
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[str] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def __aenter__(self) -> LoopbackReceiver:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def wait_for_code(self, *, timeout: float = 300.0) -> str:
        if self._result is None:
            raise RuntimeError("enter the LoopbackReceiver first")
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise GmailAuthError(f"the Google sign-in was not completed within {timeout:.0f} s") from None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status, page = self._answer(head[:MAX_REQUEST_BYTES])
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            status, page = "400 Bad Request", REFUSED_PAGE
        try:
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                         f"{len(page)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n".encode() + page)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _answer(self, head: bytes) -> tuple[str, bytes]:
        words = head.split(b"\r\n", 1)[0].decode("ascii").split(" ")
        if len(words) < 2:
            return "400 Bad Request", REFUSED_PAGE
        method, parts = words[0], urlsplit(words[1])
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method != "GET" or parts.path != "/" or query.get("state") != self._state:
            return "400 Bad Request", REFUSED_PAGE  # a favicon, a stray or a forged request: keep waiting
        assert self._result is not None
        if self._result.done():
            return "200 OK", DONE_PAGE
        if query.get("code"):
            self._result.set_result(query["code"])
            return "200 OK", DONE_PAGE
        reason = query.get("error", "no code")
        self._result.set_exception(ReconsentRequired(f"Google sign-in was refused: {reason}", reason=reason))
        return "200 OK", REFUSED_PAGE


async def exchange_code(code: str, *, client_id: str, client_secret: str, redirect_uri: str, code_verifier: str,
                        scopes: Sequence[str] = SCOPES, token_url: str = TOKEN_URL, timeout: float = 30.0,
                        transport: httpx.AsyncBaseTransport | None = None,
                        clock: Callable[[], float] = time.time) -> GoogleTokens:
    tokens = await request_tokens(
        token_url, {"grant_type": "authorization_code", "code": code, "client_id": client_id,
                    "client_secret": client_secret, "redirect_uri": redirect_uri, "code_verifier": code_verifier},
        requested=scopes, secrets=(code, client_secret, code_verifier), what="Google sign-in", timeout=timeout,
        transport=transport, clock=clock)
    if not tokens.refresh_token:
        raise GmailAuthError("Google sign-in returned no refresh token (was access_type=offline lost?)")
    missing = [s for s in scopes if s not in tokens.scopes]
    if missing:  # Google's consent screen lets a person untick scopes
        raise ReconsentRequired(f"Google sign-in did not grant {', '.join(missing)}; sign in again and allow "
                                "all requested access", reason="scope_not_granted")
    return tokens


async def sign_in_installed_app(client_id: str, client_secret: str, *, open_browser: Callable[[str], object],
                                scopes: Sequence[str] = SCOPES, login_hint: str = "",
                                authorization_url: str = AUTHORIZATION_URL, token_url: str = TOKEN_URL,
                                timeout: float = 300.0, transport: httpx.AsyncBaseTransport | None = None,
                                clock: Callable[[], float] = time.time) -> GoogleTokens:
    """The whole flow; `open_browser(url)` shows Google's consent page (the UI uses the system browser).
    Returns the tokens; the caller stores `refresh_token` (in the keyring) for `InstalledAppAuth`."""
    pkce, state = Pkce.new(), secrets.token_urlsafe(24)
    async with LoopbackReceiver(state) as receiver:
        open_browser(consent_url(client_id, receiver.redirect_uri, state=state, code_challenge=pkce.challenge,
                                 scopes=scopes, authorization_url=authorization_url, login_hint=login_hint))
        code = await receiver.wait_for_code(timeout=timeout)
        log.info("Google sign-in: authorization code received on %s", receiver.redirect_uri)
        return await exchange_code(code, client_id=client_id, client_secret=client_secret,
                                   redirect_uri=receiver.redirect_uri, code_verifier=pkce.verifier, scopes=scopes,
                                   token_url=token_url, timeout=timeout, transport=transport, clock=clock)
