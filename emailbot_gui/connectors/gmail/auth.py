"""Access tokens for the Gmail API, in the two modes a support team uses:

- `InstalledAppAuth`: a Desktop OAuth client; a person signed in once (see `consent.py`) and the refresh
  token they granted is exchanged for access tokens (`grant_type=refresh_token`);
- `ServiceAccountAuth`: a Workspace service account with domain-wide delegation acting as the shared
  mailbox, app-only like Microsoft 365's app mode: a signed JWT (RS256) exchanged with the JWT bearer grant.

Both keep the current access token in memory until shortly before it expires, fetch one at a time (six
downloads in flight need one token, not six), and fetch a new one when the API refused the current one.
Secrets come from the caller (the keyring in production) and are never logged."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from emailbot_gui.connectors.gmail.config import SCOPES, TOKEN_URL
from emailbot_gui.connectors.gmail.errors import GmailAuthError, ReconsentRequired
from emailbot_gui.connectors.gmail.token_endpoint import JWT_BEARER, GoogleTokens, request_tokens

EXPIRY_MARGIN = 60.0  # renew this long before Google's expiry: a request must not carry a dying token
ASSERTION_LIFETIME = 3600  # Google accepts at most one hour


class _CachedTokenAuth:
    def __init__(self, *, token_url: str, scopes: Sequence[str], timeout: float,
                 transport: httpx.AsyncBaseTransport | None, clock: Callable[[], float]) -> None:
        self.token_url = token_url
        self.scopes = tuple(scopes)
        self.timeout = timeout
        self.transport = transport
        self.clock = clock
        self.exchanges = 0  # token requests sent to Google (tests and diagnostics)
        self._current: GoogleTokens | None = None
        self._lock = asyncio.Lock()

    @property
    def granted_scopes(self) -> tuple[str, ...]:
        return self._current.scopes if self._current is not None else ()

    async def token(self, *, rejected: str | None = None) -> str:
        async with self._lock:
            current = self._current
            if current is None or current.access_token == rejected or \
                    current.expires_at - EXPIRY_MARGIN <= self.clock():
                self.exchanges += 1
                current = self._current = await self._fetch()
            return current.access_token

    async def _fetch(self) -> GoogleTokens:
        raise NotImplementedError

    async def _request(self, form: Mapping[str, str], secrets: Sequence[str], what: str) -> GoogleTokens:
        return await request_tokens(self.token_url, form, requested=self.scopes, secrets=secrets, what=what,
                                    timeout=self.timeout, transport=self.transport, clock=self.clock)


RefreshTokenSaver = Callable[[str], Awaitable[None]]


class InstalledAppAuth(_CachedTokenAuth):
    """A Desktop OAuth client (id and secret; Google does not treat a desktop secret as confidential, but
    it is still kept out of logs) with the refresh token a person granted. `initial` seeds the cache with
    the tokens of a fresh sign-in; `save_refresh_token` is called if Google ever hands out a new one."""

    def __init__(self, client_id: str, client_secret: str, refresh_token: str, *, token_url: str = TOKEN_URL,
                 scopes: Sequence[str] = SCOPES, initial: GoogleTokens | None = None,
                 save_refresh_token: RefreshTokenSaver | None = None, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(token_url=token_url, scopes=scopes, timeout=timeout, transport=transport, clock=clock)
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._save_refresh_token = save_refresh_token
        self._current = initial

    async def _fetch(self) -> GoogleTokens:
        if not self._refresh_token:
            raise ReconsentRequired("Gmail is not signed in: sign in with Google first", reason="no_refresh_token")
        tokens = await self._request({"grant_type": "refresh_token", "refresh_token": self._refresh_token,
                                      "client_id": self.client_id, "client_secret": self._client_secret},
                                     (self._refresh_token, self._client_secret), "refreshing the Google sign-in")
        if tokens.refresh_token and tokens.refresh_token != self._refresh_token:
            self._refresh_token = tokens.refresh_token
            if self._save_refresh_token is not None:
                await self._save_refresh_token(tokens.refresh_token)
        return tokens


@dataclass(frozen=True, slots=True)
class ServiceAccountKey:
    """The parts of a service account's JSON key file that signing needs."""

    client_email: str
    private_key_id: str
    private_key: RSAPrivateKey = field(repr=False)

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any]) -> ServiceAccountKey:
        try:
            data = json.loads(text) if isinstance(text, str) else dict(text)
        except ValueError:
            raise GmailAuthError("the service account key is not JSON (download it again from Google Cloud "
                                 "→ IAM → Service accounts → Keys)") from None
        if not isinstance(data, dict) or data.get("type") != "service_account":
            raise GmailAuthError("the key is not a service account key (its \"type\" is not \"service_account\")")
        try:
            key = load_pem_private_key(str(data["private_key"]).encode(), password=None)
            email = str(data["client_email"])
        except (KeyError, ValueError, TypeError):
            raise GmailAuthError("the service account key has no usable private_key or client_email") from None
        if not isinstance(key, RSAPrivateKey):
            raise GmailAuthError("the service account's private key is not an RSA key")
        return cls(client_email=email, private_key_id=str(data.get("private_key_id") or ""), private_key=key)


class ServiceAccountAuth(_CachedTokenAuth):
    """Domain-wide delegation: the service account (`key`) acts as `subject`, the shared mailbox. The
    Workspace admin must have allowed the account's client id for exactly these scopes."""

    def __init__(self, key: ServiceAccountKey, subject: str, *, token_url: str = TOKEN_URL,
                 scopes: Sequence[str] = SCOPES, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(token_url=token_url, scopes=scopes, timeout=timeout, transport=transport, clock=clock)
        self.key = key
        self.subject = subject

    def assertion(self) -> str:
        now = int(self.clock())
        claims = {"iss": self.key.client_email, "sub": self.subject, "scope": " ".join(self.scopes),
                  "aud": self.token_url, "iat": now, "exp": now + ASSERTION_LIFETIME}
        headers = {"kid": self.key.private_key_id} if self.key.private_key_id else None
        return jwt.encode(claims, self.key.private_key, algorithm="RS256", headers=headers)

    async def _fetch(self) -> GoogleTokens:
        assertion = self.assertion()
        try:
            return await self._request({"grant_type": JWT_BEARER, "assertion": assertion}, (assertion,),
                                        f"service account {self.key.client_email} acting as {self.subject}")
        except ReconsentRequired as exc:
            if exc.reason == "unauthorized_client":
                raise ReconsentRequired(
                    f"{exc} (in the Admin console, Security → API controls → Domain-wide delegation, allow "
                    f"this service account's client id for: {', '.join(self.scopes)})",
                    status=exc.status, reason=exc.reason) from None
            raise
