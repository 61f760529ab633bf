"""Google's OAuth 2.0 token endpoint (https://oauth2.googleapis.com/token): one form POST, its answer as
`GoogleTokens`, its refusals as typed errors. Used by the sign-in (authorization code), the installed
app's refresh, and the service account's JWT bearer grant. The form carries secrets, so nothing of the form
and no token ever reaches a log or an exception message; Google's error description is redacted too."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from emailbot_gui.connectors.gmail.errors import GmailAuthError, GmailUnavailable, ReconsentRequired

log = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Answers that mean a person has to act (sign in again, or fix the Workspace delegation).
RECONSENT = frozenset({"invalid_grant", "unauthorized_client", "access_denied", "invalid_scope"})


@dataclass(frozen=True, slots=True)
class GoogleTokens:
    access_token: str = field(repr=False)
    expires_at: float  # POSIX time
    scopes: tuple[str, ...]  # as granted (the `scope` of the answer), or as requested when Google omits it
    refresh_token: str = field(default="", repr=False)  # only from the authorization-code exchange


async def request_tokens(token_url: str, form: Mapping[str, str], *, requested: Sequence[str] = (),
                         secrets: Sequence[str] = (), what: str = "Google sign-in", timeout: float = 30.0,
                         transport: httpx.AsyncBaseTransport | None = None,
                         clock: Callable[[], float] = time.time) -> GoogleTokens:
    """POST `form` to the token endpoint. `secrets` are redacted from any error text."""
    started = clock()
    try:
        async with httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False) as http:
            response = await http.post(token_url, data=dict(form), headers={"Accept": "application/json"})
    except httpx.TransportError as exc:
        raise GmailUnavailable(f"cannot reach Google's sign-in service: {type(exc).__name__}") from None
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code >= 500:
        raise GmailUnavailable(f"{what}: Google's token endpoint answered {response.status_code}",
                               status=response.status_code)
    if response.status_code >= 400 or "access_token" not in body:
        raise _refusal(what, response.status_code, body, secrets)
    granted = tuple(str(body.get("scope") or "").split()) or tuple(requested)
    log.info("%s: got an access token for %d scope(s)", what, len(granted))
    return GoogleTokens(access_token=str(body["access_token"]),
                        expires_at=started + float(body.get("expires_in") or 3600), scopes=granted,
                        refresh_token=str(body.get("refresh_token") or ""))


def _refusal(what: str, status: int, body: dict[str, Any], secrets: Sequence[str]) -> GmailAuthError:
    code = str(body.get("error") or "no_token")
    description = str(body.get("error_description") or "").strip().splitlines()
    text = f"{what}: {code}" + (f" — {description[0][:300]}" if description else "")
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    if code in RECONSENT:
        return ReconsentRequired(text, status=status, reason=code)
    return GmailAuthError(text, status=status, reason=code)
