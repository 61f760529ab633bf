"""HubSpot plumbing: the settings, a per-second token bucket, and the HTTP client that authenticates with a
private app's access token, keeps under HubSpot's per-second limits and honours 429 (Retry-After).

HubSpot's old API keys (`hapikey`) were retired in 2022: only a private app's access token (or an OAuth
token) works, sent as `Authorization: Bearer`. A 401 means the token was revoked or is wrong; a 403
usually that the private app lacks a scope."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from emailbot_gui.connectors.crm_actions import CrmAuthError, CrmError, CrmRateLimited, Secret, as_secret
from emailbot_gui.core.retry_after import retry_after_seconds
from emailbot_gui.core.types import Urgency

log = logging.getLogger(__name__)

_OLD_API_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_PROPERTY_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
REQUIRED_SCOPES = ("crm.objects.contacts.read", "crm.objects.companies.read", "tickets")
API_KEY_RETIRED = ("HubSpot API keys were retired in 2022; create a private app (Settings > Integrations > "
                   "Private apps) with the scopes " + ", ".join(REQUIRED_SCOPES) + " and use its access token")


@dataclass(frozen=True, slots=True)
class HubSpotSettings:
    """Non-secret HubSpot settings; the private app's access token is passed to the source separately.

    `marker_property`: internal name of a custom single-line text ticket property that holds the
    idempotency marker (create it once in HubSpot); empty: the marker is appended to the subject.
    `portal_id`: the account's Hub ID, for links to records; empty: asked from the account-info API."""

    base_url: str = "https://api.hubapi.com"
    app_url: str = "https://app.hubspot.com"
    portal_id: str = ""
    name: str = "hubspot"
    label: str = "HubSpot"
    timeout: float = 10.0
    requests_per_second: float = 9.0  # HubSpot allows 100-190 per 10 s per account, by tier
    search_requests_per_second: float = 4.0  # the CRM search endpoints allow fewer
    max_retries: int = 3
    max_retry_wait: float = 10.0
    ticket_pipeline: str = "0"
    ticket_stage: str = "1"
    marker_property: str = "emailbot_ref"
    support_level_property: str = ""  # a company property, e.g. "support_tier"; empty: none
    priority_by_urgency: Mapping[str, str] = field(default_factory=lambda: {
        "LOW": "LOW", "MEDIUM": "MEDIUM", "HIGH": "HIGH", "CRITICAL": "HIGH"})
    max_tickets: int = 5
    allow_create_ticket: bool = True

    def validate(self) -> HubSpotSettings:
        for name in ("base_url", "app_url"):
            url = getattr(self, name)
            if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                raise ValueError(f"HubSpot {name} must be an https:// URL, got {url!r}")
        if self.requests_per_second <= 0 or self.search_requests_per_second <= 0:
            raise ValueError("HubSpot request rates must be greater than 0")
        for name in ("marker_property", "support_level_property"):
            value = getattr(self, name)
            if value and not _PROPERTY_RE.match(value):
                raise ValueError(f"HubSpot {name} {value!r} is not a property's internal name")
        if self.portal_id and not self.portal_id.isdigit():
            raise ValueError("HubSpot portal_id is the account's numeric Hub ID")
        if not 1 <= self.max_tickets <= 100:
            raise ValueError("HubSpot max_tickets must be between 1 and 100")
        return self

    def priority(self, urgency: Urgency) -> str:
        return self.priority_by_urgency.get(urgency.name, "MEDIUM")


class TokenBucket:
    """At most `rate` acquisitions per second on average, `capacity` at once; callers wait their turn
    (first come, first served). `pause(seconds)` holds everyone back, e.g. after a 429."""

    def __init__(self, rate: float, capacity: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity if capacity is not None else rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._tokens = 0.0
        self._stamp = self._clock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                self._refill()
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await self._sleep((1.0 - self._tokens) / self.rate)


def describe_error(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    if isinstance(data, Mapping):
        parts = [str(data.get(k)) for k in ("category", "message") if data.get(k)]
        return f"HTTP {resp.status_code}" + (f" {': '.join(parts)}" if parts else "")
    return f"HTTP {resp.status_code}"


def hs_id(value: object) -> str:
    """A HubSpot object id (digits), checked before it goes into a URL path."""
    text = str(value) if isinstance(value, int | str) else ""
    if not text.isdigit():
        raise CrmError(f"HubSpot returned an unexpected object id {value!r}")
    return text


class HubSpotClient:
    """Rate-limited, authenticated JSON calls to the HubSpot API."""

    def __init__(self, settings: HubSpotSettings, access_token: str | Secret, *,
                 client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings.validate()
        token = as_secret(access_token)
        if _OLD_API_KEY.match(token.reveal().strip()):
            raise ValueError(API_KEY_RETIRED)
        if not token:
            raise ValueError("HubSpot needs a private app access token")
        self._token = token
        self._client = client or httpx.AsyncClient(timeout=settings.timeout)
        self._owns_client = client is None
        self.bucket = TokenBucket(settings.requests_per_second)
        self.search_bucket = TokenBucket(settings.search_requests_per_second)
        self.rate_limited = 0  # 429 answers seen, for the health view
        self.last_limits: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"HubSpotClient({self.settings.base_url!r})"

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def call(self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None,
                   search: bool = False, idempotent: bool = True) -> Any:
        """One call, waiting for the rate limiter; 429 is retried after Retry-After (any call: HubSpot did
        nothing), 502/503/504 only for reads. Returns the decoded JSON body (None for 204)."""
        url = f"{self.settings.base_url.rstrip('/')}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self._token.reveal()}", "Accept": "application/json"}
        for attempt in range(self.settings.max_retries + 1):
            await (self.search_bucket if search else self.bucket).acquire()
            try:
                resp = await self._client.request(method, url, json=json, params=params, headers=headers)
            except httpx.TimeoutException:
                raise CrmError(f"HubSpot did not answer within {self.settings.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise CrmError(f"HubSpot unreachable: {type(exc).__name__}") from None
            self._note_limits(resp)
            last = attempt == self.settings.max_retries
            if resp.status_code == 429:
                self.rate_limited += 1
                hinted = retry_after_seconds(resp.headers)
                wait = min(self.settings.max_retry_wait, hinted if hinted is not None else 1.0 * (attempt + 1))
                if last:
                    raise CrmRateLimited(f"HubSpot rate limit: still 429 after {attempt + 1} tries "
                                         f"({describe_error(resp)})")
                log.info("HubSpot: 429 on %s; waiting %.1f s", path.split("?")[0], wait)
                (self.search_bucket if search else self.bucket).pause(wait)
                continue
            if resp.status_code in (502, 503, 504) and idempotent and not last:
                await asyncio.sleep(min(self.settings.max_retry_wait, 0.5 * (attempt + 1)))
                continue
            if resp.status_code == 401:
                raise CrmAuthError("HubSpot refused the access token (401): the token was revoked or the "
                                   "private app lacks the required scopes (" + ", ".join(REQUIRED_SCOPES) + ")")
            if resp.status_code == 403:
                raise CrmAuthError(f"HubSpot denied access (403): the private app lacks a required scope "
                                   f"({describe_error(resp)})")
            if resp.status_code >= 400:
                raise CrmError(f"HubSpot {method} {path.split('?')[0]} failed: {describe_error(resp)}")
            return resp.json() if resp.content else None
        raise AssertionError("unreachable")

    def _note_limits(self, resp: httpx.Response) -> None:
        for name in ("X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining",
                     "X-HubSpot-RateLimit-Secondly", "X-HubSpot-RateLimit-Secondly-Remaining"):
            if name in resp.headers:
                self.last_limits[name] = resp.headers[name]
