"""The one way this package talks to the Gmail API: an httpx.AsyncClient wrapper that

- keeps at most `max_concurrency` requests in flight;
- retries what Google refused before doing any work — 429, and 403 `rateLimitExceeded` /
  `userRateLimitExceeded` — honouring `Retry-After` for every request of the client (the quota is per
  user), with exponential backoff and full jitter when the header is absent;
- retries 5xx, timeouts and resets for reads; a send that may have reached Gmail is `GmailOutcomeUnknown`,
  never repeated;
- answers a 401 with exactly one token refresh, then a clear `GmailAuthError`;
- names the missing scope on a 403 for insufficient permissions;
- sends the bearer token only to the configured API origin, and logs neither tokens nor query strings.

The pacing, the origin check and the counts are shared with Graph's client (connectors/paced_client.py); the
request loop is not, because the error formats, which answers are safe to repeat and the error classes
differ."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from emailbot_gui.connectors.gmail.config import GMAIL_MODIFY
from emailbot_gui.connectors.gmail.errors import (
    GmailAuthError,
    GmailError,
    GmailForbidden,
    GmailNotFound,
    GmailOutcomeUnknown,
    GmailThrottled,
    GmailUnavailable,
    InsufficientScope,
)
from emailbot_gui.connectors.paced_client import NOT_SENT, ApiResponse, PacedClient, Sleep
from emailbot_gui.core.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RATE_LIMIT_REASONS = frozenset({"ratelimitexceeded", "userratelimitexceeded"})
RETRY_IDEMPOTENT = frozenset({500, 502, 503, 504})
USER_AGENT = "EmailBotConsole (Gmail connector)"

Params = Mapping[str, str | Sequence[str]]


class TokenProvider(Protocol):
    async def token(self, *, rejected: str | None = None) -> str:
        """A valid access token. `rejected` is a token Google answered 401 to: get a fresh one."""
        ...



@dataclass(frozen=True, slots=True)
class GoogleErrorBody:
    code: int
    message: str
    reason: str  # errors[0].reason, Google's machine-readable cause ("rateLimitExceeded")


def google_error(response: httpx.Response) -> GoogleErrorBody:
    """The `{"error": {"code", "message", "errors": [{"reason"}]}}` body of a Google API error."""
    try:
        err = response.json().get("error", {})
        reasons = [str(e.get("reason", "")) for e in err.get("errors") or [] if isinstance(e, dict)]
        return GoogleErrorBody(int(err.get("code") or response.status_code), str(err.get("message", "")),
                               next((r for r in reasons if r), str(err.get("status", ""))))
    except (ValueError, AttributeError, TypeError):
        return GoogleErrorBody(response.status_code, response.text[:200], "")


class GmailClient(PacedClient):
    def __init__(self, base_url: str, auth: TokenProvider, *, max_concurrency: int = 6, timeout: float = 30.0,
                 max_attempts: int = 5, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 max_wait: float = 120.0, transport: httpx.AsyncBaseTransport | None = None,
                 rng: random.Random | None = None, sleep: Sleep | None = None) -> None:
        super().__init__(base_url, user_agent=USER_AGENT, max_concurrency=max_concurrency, timeout=timeout,
                         max_attempts=max_attempts, backoff_base=backoff_base, backoff_cap=backoff_cap,
                         max_wait=max_wait, transport=transport, rng=rng, sleep=sleep)
        self.auth = auth

    def foreign_origin(self, origin: str) -> Exception:
        return GmailError(f"refusing to send a Gmail token to {origin}")

    async def get(self, path: str, *, params: Params | None = None, scope: str = GMAIL_MODIFY) -> Any:
        return (await self.request("GET", path, params=params, scope=scope)).json()

    async def request(self, method: str, path: str, *, params: Params | None = None, json: Any = None,
                      scope: str = GMAIL_MODIFY, idempotent: bool | None = None) -> ApiResponse:
        """`scope` is the one the request needs, named in the error when the token lacks it."""
        method = method.upper()
        target = self._checked(self.absolute(path))
        route = f"{method} {urlsplit(target).path}"
        repeatable = method in IDEMPOTENT if idempotent is None else idempotent
        refreshed = False
        attempt = 0
        token = await self.auth.token()
        while True:
            attempt += 1
            await self._wait_for_resume()
            try:
                async with self._gate:
                    self._count(route)
                    response = await self._http.request(method, target, params=params, json=json,
                                                        headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                if not isinstance(exc, NOT_SENT) and not repeatable:
                    raise GmailOutcomeUnknown(f"{route}: no answer from Gmail after the request may have "
                                              f"arrived ({type(exc).__name__}); not repeated") from None
                if attempt >= self.max_attempts:
                    raise GmailUnavailable(f"{route}: Gmail did not answer after {attempt} attempts "
                                           f"({type(exc).__name__})") from None
                delay = self.backoff_delay(attempt)
                log.warning("%s failed (%s); retry %d in %.1f s", route, type(exc).__name__, attempt, delay)
                await self.pause(delay)
                continue
            status = response.status_code
            log.debug("%s -> %d (attempt %d)", route, status, attempt)
            if status < 400:
                return ApiResponse(status, response.headers, response.content)
            if status == 401 and not refreshed:
                refreshed = True
                self.stats.token_refreshes += 1
                log.info("%s: access token refused (401); refreshing it once", route)
                token = await self.auth.token(rejected=token)
                attempt -= 1  # the refresh is not a failed attempt
                continue
            body = google_error(response)
            throttled = status == 429 or (status == 403 and body.reason.lower() in RATE_LIMIT_REASONS)
            if (throttled or (status in RETRY_IDEMPOTENT and repeatable)) and attempt < self.max_attempts:
                asked = retry_after_seconds(response.headers)
                if asked is not None and asked > self.max_wait:
                    raise GmailThrottled(f"{route}: Gmail asks to wait {asked:.0f} s ({body.reason or status})",
                                         retry_after=asked, status=status, reason=body.reason)
                if asked is None:
                    delay = self.backoff_delay(attempt)
                else:
                    delay = asked
                    if throttled:  # the quota is the mailbox's: hold back every request of this client
                        self._hold_all(delay)
                log.warning("%s answered %d %s; retry %d in %.1f s", route, status, body.reason, attempt, delay)
                await self.pause(delay)
                continue
            raise _error(route, response, body, repeatable=repeatable, throttled=throttled, scope=scope)



def _error(route: str, response: httpx.Response, body: GoogleErrorBody, *, repeatable: bool, throttled: bool,
           scope: str) -> GmailError:
    status = response.status_code
    text = f"{route}: {status} {body.reason or response.reason_phrase}" + (f" — {body.message}" if body.message
                                                                          else "")
    if throttled:
        return GmailThrottled(text, retry_after=retry_after_seconds(response.headers) or 0.0, status=status,
                              reason=body.reason)
    if status == 401:
        return GmailAuthError(text + " (refused again after a token refresh: sign in again)", status=status,
                              reason=body.reason)
    if status == 403:
        insufficient = body.reason == "insufficientPermissions" or \
            "insufficient_scope" in response.headers.get("www-authenticate", "")
        if insufficient:
            return InsufficientScope(f"{route}: the token lacks the scope {scope}; grant it (sign in again, or "
                                     "add it to the service account's domain-wide delegation)", scope=scope)
        return GmailForbidden(text, status=status, reason=body.reason)
    if status == 404:
        return GmailNotFound(text, status=status, reason=body.reason)
    if status >= 500 and not repeatable:
        return GmailOutcomeUnknown(text + " (the request may have taken effect; not repeated)", status=status,
                                   reason=body.reason)
    if status >= 500:
        return GmailUnavailable(text, status=status, reason=body.reason)
    return GmailError(text, status=status, reason=body.reason)
