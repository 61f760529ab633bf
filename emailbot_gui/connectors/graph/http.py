"""The one way this package talks to Graph: an httpx.AsyncClient wrapper that

- keeps at most `max_concurrency` (4) requests in flight, Exchange's limit per app and mailbox;
- honours 429/503 `Retry-After` for every request of the client (throttling is per mailbox, so one
  throttled answer pauses them all), with exponential backoff and full jitter when the header is absent;
- answers a 401 with exactly one silent token refresh, then a clear `GraphAuthError`;
- retries timeouts and connection resets a limited number of times, then raises `GraphUnavailable` —
  except for a POST that may have reached Graph: that is `GraphOutcomeUnknown`, never repeated blindly;
- sends the bearer token only to the configured Graph origin (delta links come back from the server and
  are persisted, so they are checked before use), and logs neither tokens nor query strings.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from emailbot_gui.connectors.graph.auth import TokenProvider
from emailbot_gui.connectors.graph.errors import (
    GraphAuthError,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphOutcomeUnknown,
    GraphSyncReset,
    GraphThrottled,
    GraphUnavailable,
)
from emailbot_gui.connectors.paced_client import NOT_SENT, ApiResponse, PacedClient, Sleep
from emailbot_gui.core.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RETRY_ANY = frozenset({429, 503})  # refused before any work was done: safe to repeat whatever the method
RETRY_IDEMPOTENT = frozenset({500, 502, 504})
SYNC_RESET_CODES = frozenset({"syncstatenotfound", "syncstateinvalid", "resyncrequired", "invaliddeltatoken"})
USER_AGENT = "EmailBotConsole (Microsoft Graph connector)"



class GraphClient(PacedClient):
    def __init__(self, base_url: str, auth: TokenProvider, *, max_concurrency: int = 4, timeout: float = 30.0,
                 max_attempts: int = 5, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 max_wait: float = 120.0, prefer: Iterable[str] = (), transport: httpx.AsyncBaseTransport | None = None,
                 rng: random.Random | None = None, sleep: Sleep | None = None) -> None:
        super().__init__(base_url, user_agent=USER_AGENT, max_concurrency=max_concurrency, timeout=timeout,
                         max_attempts=max_attempts, backoff_base=backoff_base, backoff_cap=backoff_cap,
                         max_wait=max_wait, transport=transport, rng=rng, sleep=sleep)
        self.auth = auth
        self.default_prefer = tuple(prefer)

    def foreign_origin(self, origin: str) -> Exception:
        return GraphError(f"refusing to send a Graph token to {origin}")

    # ---- convenience -------------------------------------------------------------------------------

    async def get(self, url: str, **kw: Any) -> Any:
        return (await self.request("GET", url, **kw)).json()

    async def post(self, url: str, body: Any = None, **kw: Any) -> Any:
        return (await self.request("POST", url, json=body, **kw)).json()

    async def patch(self, url: str, body: Any, **kw: Any) -> Any:
        return (await self.request("PATCH", url, json=body, **kw)).json()

    # ---- the request loop ---------------------------------------------------------------------------

    async def request(self, method: str, url: str, *, params: Mapping[str, str] | None = None, json: Any = None,
                      content: bytes | None = None, headers: Mapping[str, str] | None = None,
                      prefer: Iterable[str] = (), idempotent: bool | None = None) -> ApiResponse:
        method = method.upper()
        target = self._checked(self.absolute(url))
        route = f"{method} {urlsplit(target).path}"
        repeatable = method in IDEMPOTENT if idempotent is None else idempotent
        preferences = [*self.default_prefer, *prefer]
        extra = dict(headers or {})
        if preferences:
            extra["Prefer"] = ", ".join(preferences)
        refreshed = False
        attempt = 0
        token = await self.auth.token()
        while True:
            attempt += 1
            await self._wait_for_resume()
            started = time.monotonic()
            try:
                async with self._gate:
                    self._count(route)
                    response = await self._http.request(
                        method, target, params=params, json=json, content=content,
                        headers={**extra, "Authorization": f"Bearer {token}"})
            except httpx.TransportError as exc:
                sent = not isinstance(exc, NOT_SENT)
                if sent and not repeatable:
                    raise GraphOutcomeUnknown(f"{route}: no answer from Microsoft Graph after the request may "
                                              f"have arrived ({type(exc).__name__}); not repeated") from None
                if attempt >= self.max_attempts:
                    raise GraphUnavailable(f"{route}: Microsoft Graph did not answer after {attempt} attempts "
                                           f"({type(exc).__name__}: {exc or 'no detail'})") from None
                delay = self.backoff_delay(attempt)
                log.warning("%s failed (%s); retry %d in %.1f s", route, type(exc).__name__, attempt, delay)
                await self.pause(delay)
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            log.debug("%s -> %d in %.0f ms (attempt %d)", route, response.status_code, elapsed_ms, attempt)
            status = response.status_code
            if status < 400:
                return ApiResponse(status, response.headers, response.content)
            if status == 401 and not refreshed:
                refreshed = True
                self.stats.token_refreshes += 1
                log.info("%s: access token refused (401); refreshing it once", route)
                token = await self.auth.token(rejected=token)
                attempt -= 1  # the refresh is not a failed attempt
                continue
            retry = status in RETRY_ANY or (status in RETRY_IDEMPOTENT and repeatable)
            if retry and attempt < self.max_attempts:
                asked = retry_after_seconds(response.headers)
                if asked is None:
                    delay = self.backoff_delay(attempt)
                elif asked > self.max_wait:
                    raise GraphThrottled(f"{route}: Microsoft Graph asks to wait {asked:.0f} s (throttled)",
                                         retry_after=asked, status=status)
                else:
                    # Throttling is per app and mailbox: hold back every request of this client.
                    delay = asked
                    self._hold_all(delay)
                log.warning("%s answered %d; retry %d in %.1f s", route, status, attempt, delay)
                await self.pause(delay)
                continue
            raise _error(route, response, repeatable)



def _error(route: str, response: httpx.Response, repeatable: bool) -> GraphError:
    status = response.status_code
    code, message, request_id = "", "", response.headers.get("request-id", "")
    try:
        err = response.json().get("error", {})
        code, message = str(err.get("code", "")), str(err.get("message", ""))
        request_id = str((err.get("innerError") or {}).get("request-id", request_id))
    except (ValueError, AttributeError):
        message = response.text[:200]
    text = f"{route}: {status} {code or response.reason_phrase}" + (f" — {message}" if message else "")
    kw = {"status": status, "code": code, "request_id": request_id}
    if status == 410 or (status == 400 and code.lower() in SYNC_RESET_CODES):
        return GraphSyncReset(text, **kw)
    if status == 401:
        return GraphAuthError(text + " (refused again after a token refresh: check consent and permissions)", **kw)
    if status == 403:
        return GraphForbidden(text, **kw)
    if status == 404:
        return GraphNotFound(text, **kw)
    if status in (502, 504) and not repeatable:
        return GraphOutcomeUnknown(text + " (the request may have taken effect; not repeated)", **kw)
    if status >= 500 or status in RETRY_ANY:
        if status == 429:
            wait = retry_after_seconds(response.headers) or 0.0
            return GraphThrottled(text, retry_after=wait, status=status, code=code)
        return GraphUnavailable(text, **kw)
    return GraphError(text, **kw)
