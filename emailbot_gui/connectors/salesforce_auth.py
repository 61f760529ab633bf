"""Salesforce plumbing: the settings, an authenticated REST session (OAuth 2.0 client credentials against
the org's My Domain token URL, one token refresh on 401, the daily API usage read from every response's
`Sforce-Limit-Info` header), and the escaping of values put into SOSL and SOQL.

Escaping is the point of this module: the original design's `FIND '{email}'` let an address such as
`a'b@x.com` or `a}b@x.com` break out of the search term. Here every SOSL reserved character is escaped and
the term is searched as one quoted phrase; SOQL literals escape quote, backslash and control characters
(and `%`/`_` only in LIKE patterns, the one place where they are wildcards)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from emailbot_gui.connectors.crm_actions import CrmAuthError, CrmError, Secret, as_secret
from emailbot_gui.core.types import Urgency

log = logging.getLogger(__name__)

MIN_API_VERSION = 58.0
_VERSION_RE = re.compile(r"^v(\d{2,3})\.(\d)$")
_ID_RE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_USAGE_RE = re.compile(r"api-usage=(\d+)/(\d+)")

# Salesforce's SOSL reserved characters (SOQL and SOSL Reference, "FIND {SearchQuery}").
SOSL_RESERVED = frozenset("?&|!{}[]()^~*:\\\"'+-")
_SOQL_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
                 "\f": "\\f"}


@dataclass(frozen=True, slots=True)
class SalesforceSettings:
    """Non-secret Salesforce settings. The client secret is passed to the source separately.

    `token_url` is the org's My Domain token endpoint (https://MyDomainName.my.salesforce.com/services/
    oauth2/token); the client credentials flow must be enabled on the connected / external client app,
    with a "Run As" user allowed to read contacts, accounts, contracts and cases and to create cases.
    `instance_url` empty: take the one the token endpoint returns.
    `marker_field`: API name of an optional custom text field on Case (e.g. `EmailBot_Ref__c`) holding the
    idempotency marker; empty: the marker is appended to the Subject."""

    token_url: str
    client_id: str
    instance_url: str = ""
    api_version: str = "v60.0"
    name: str = "salesforce"
    label: str = "Salesforce"
    timeout: float = 10.0
    case_origin: str = "Email"
    case_status: str = "New"
    priority_by_urgency: Mapping[str, str] = field(default_factory=lambda: {
        "LOW": "Low", "MEDIUM": "Medium", "HIGH": "High", "CRITICAL": "High"})
    marker_field: str = ""
    support_level_field: str = ""  # e.g. "SLA__c" on Account; empty: none
    fetch_contract: bool = True
    max_cases: int = 5
    allow_create_case: bool = True

    def validate(self) -> SalesforceSettings:
        match = _VERSION_RE.match(self.api_version)
        if not match or float(f"{match[1]}.{match[2]}") < MIN_API_VERSION:
            raise ValueError(f"Salesforce API version must look like v60.0 and be at least v{MIN_API_VERSION}, "
                             f"got {self.api_version!r}")
        for url_name in ("token_url", "instance_url"):
            url = getattr(self, url_name)
            if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                raise ValueError(f"Salesforce {url_name} must be an https:// URL, got {url!r}")
        if not self.token_url or not self.client_id:
            raise ValueError("Salesforce needs a token URL (My Domain) and a client id")
        for name in ("marker_field", "support_level_field"):
            value = getattr(self, name)
            if value and not _FIELD_RE.match(value):
                raise ValueError(f"Salesforce {name} {value!r} is not a field API name")
        if not 1 <= self.max_cases <= 50:
            raise ValueError("Salesforce max_cases must be between 1 and 50")
        return self

    def priority(self, urgency: Urgency) -> str:
        return self.priority_by_urgency.get(urgency.name, "Medium")


# ---- escaping ---------------------------------------------------------------------------------------------

def _check_printable(value: str) -> None:
    if any((ord(ch) < 32 and ch not in "\n\r\t\b\f") or ord(ch) == 127 for ch in value):
        raise ValueError("control characters cannot be searched for")


def sosl_phrase(term: str) -> str:
    """`term` as one quoted SOSL phrase with every reserved character backslash-escaped, so it is searched
    literally: no wildcard, operator, grouping or closing brace in it has any meaning."""
    _check_printable(term)
    if any(ch in "\n\r\t\b\f" for ch in term):
        raise ValueError("line breaks cannot be searched for")
    return '"' + "".join(f"\\{ch}" if ch in SOSL_RESERVED else ch for ch in term) + '"'


def soql_quote(value: str) -> str:
    """A SOQL string literal (with the quotes) for `=` comparisons: `%` and `_` stay literal there."""
    _check_printable(value)
    return "'" + "".join(_SOQL_ESCAPES.get(ch, ch) for ch in value) + "'"


def soql_like_quote(value: str, *, contains: bool = True) -> str:
    """A SOQL LIKE pattern matching `value` literally (optionally anywhere in the field)."""
    _check_printable(value)
    body = "".join(_SOQL_ESCAPES.get(ch) or (f"\\{ch}" if ch in "%_" else ch) for ch in value)
    return f"'%{body}%'" if contains else f"'{body}'"


def sf_id(value: object) -> str:
    """A Salesforce record id, checked before it goes into a query or a URL path."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise CrmError(f"Salesforce returned an unexpected record id {value!r}")
    return value


# ---- the session ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ApiUsage:
    """The org's daily API requests: used of limit, as last reported."""

    used: int
    limit: int
    at: datetime
    source: str  # "header" (Sforce-Limit-Info) or "limits" (the /limits resource)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def as_dict(self) -> dict[str, Any]:
        return {"used": self.used, "limit": self.limit, "remaining": self.remaining, "at": self.at.isoformat(),
                "source": self.source}


def describe_error(resp: httpx.Response) -> str:
    """Salesforce's own words for a failed call: `[{"message": ..., "errorCode": ...}]` or OAuth's
    `{"error": ..., "error_description": ...}`; never the request's headers."""
    try:
        data = resp.json()
    except ValueError:
        text = " ".join(resp.text.split())[:200]
        return f"HTTP {resp.status_code}" + (f": {text}" if text else "")
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        first = data[0]
        return f"HTTP {resp.status_code} {first.get('errorCode', '')}: {first.get('message', '')}".strip()
    if isinstance(data, Mapping) and "error" in data:
        return f"HTTP {resp.status_code} {data.get('error')}: {data.get('error_description', '')}".strip()
    return f"HTTP {resp.status_code}"


class SalesforceSession:
    """Authenticated REST calls under /services/data/<version>/."""

    def __init__(self, settings: SalesforceSettings, client_secret: str | Secret, *,
                 client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings.validate()
        self._secret = as_secret(client_secret)
        self._client = client or httpx.AsyncClient(timeout=settings.timeout)
        self._owns_client = client is None
        self._token: Secret | None = None
        self._instance_url = settings.instance_url.rstrip("/")
        self._lock = asyncio.Lock()
        self.usage: ApiUsage | None = None
        self.token_requests = 0

    def __repr__(self) -> str:
        return f"SalesforceSession({self.settings.token_url!r}, client_id={self.settings.client_id!r})"

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    @property
    def instance_url(self) -> str:
        return self._instance_url

    def record_link(self, sobject: str, record_id: str) -> str:
        return f"{self._instance_url}/lightning/r/{sobject}/{record_id}/view" if self._instance_url else ""

    async def _access_token(self, stale: Secret | None = None) -> Secret:
        async with self._lock:
            if self._token is not None and self._token is not stale:
                return self._token
            self.token_requests += 1
            try:
                resp = await self._client.post(self.settings.token_url, data={
                    "grant_type": "client_credentials", "client_id": self.settings.client_id,
                    "client_secret": self._secret.reveal()}, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                raise CrmError(f"Salesforce token endpoint unreachable: {type(exc).__name__}") from None
            if resp.status_code != 200:
                error = describe_error(resp)
                if resp.status_code in (400, 401, 403):
                    raise CrmAuthError(f"Salesforce refused the client credentials ({error})")
                raise CrmError(f"Salesforce token endpoint failed ({error})")
            data = resp.json()
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise CrmAuthError("Salesforce token endpoint answered without an access token")
            if not self.settings.instance_url and isinstance(data.get("instance_url"), str):
                self._instance_url = data["instance_url"].rstrip("/")
            if not self._instance_url:
                raise CrmError("no Salesforce instance URL: set instance_url or use a My Domain token URL")
            self._token = Secret(token)
            log.info("Salesforce: obtained an access token for %s", self._instance_url)
            return self._token

    async def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                      json: Any = None) -> httpx.Response:
        """One REST call; on 401 the token is fetched again and the call repeated, once."""
        token = await self._access_token()
        for attempt in (1, 2):
            url = f"{self._instance_url}/services/data/{self.settings.api_version}/{path.lstrip('/')}"
            try:
                resp = await self._client.request(method, url, params=params, json=json, headers={
                    "Authorization": f"Bearer {token.reveal()}", "Accept": "application/json"})
            except httpx.TimeoutException:
                raise CrmError(f"Salesforce did not answer within {self.settings.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise CrmError(f"Salesforce unreachable: {type(exc).__name__}") from None
            self._note_usage(resp)
            if resp.status_code == 401 and attempt == 1:
                log.info("Salesforce: access token expired or revoked; fetching a new one")
                token = await self._access_token(stale=token)
                continue
            if resp.status_code == 401:
                raise CrmAuthError(f"Salesforce rejected a fresh access token ({describe_error(resp)})")
            if resp.status_code >= 400:
                error = describe_error(resp)
                if "REQUEST_LIMIT_EXCEEDED" in error:
                    raise CrmError(f"Salesforce daily API limit reached ({error})")
                raise CrmError(f"Salesforce {method} {path.split('?')[0]} failed: {error}")
            return resp
        raise AssertionError("unreachable")

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return (await self.request("GET", path, params=params)).json()

    async def query(self, soql: str) -> list[dict[str, Any]]:
        data = await self.get_json("query/", {"q": soql})
        records = data.get("records", []) if isinstance(data, Mapping) else []
        return [r for r in records if isinstance(r, dict)]

    def _note_usage(self, resp: httpx.Response) -> None:
        match = _USAGE_RE.search(resp.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.usage = ApiUsage(int(match[1]), int(match[2]), datetime.now(UTC), "header")

    async def refresh_limits(self) -> ApiUsage | None:
        """Read the org's daily API limit from the /limits resource (for the health view)."""
        data = await self.get_json("limits/")
        daily = data.get("DailyApiRequests") if isinstance(data, Mapping) else None
        if isinstance(daily, Mapping) and isinstance(daily.get("Max"), int):
            limit = int(daily["Max"])
            self.usage = ApiUsage(limit - int(daily.get("Remaining", limit)), limit, datetime.now(UTC), "limits")
        return self.usage
