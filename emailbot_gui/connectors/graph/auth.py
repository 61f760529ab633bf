"""Tokens for Graph through msal, in the two modes of the issue:

- `AppOnlyAuth`: a confidential client (client secret or certificate) with `{graph}/.default`, for reading
  and answering the shared mailbox without a signed-in person;
- `DelegatedAuth`: a public client; the operator signs in with the system browser (loopback redirect) or
  a device code, and the console acts as them (shared-mailbox scopes, Teams chats).

msal is synchronous, so every msal call (and the keyring behind the token cache) runs in a worker thread,
one at a time per client. Token values never reach a log or an exception message."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
import msal
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

from emailbot_gui.connectors.graph.config import GraphSettings
from emailbot_gui.connectors.graph.errors import GraphAuthError, GraphError, GraphUnavailable, SignInRequired
from emailbot_gui.connectors.graph.token_cache import PersistedTokenCache

log = logging.getLogger(__name__)
T = TypeVar("T")
Credential = str | dict[str, Any]

# Least privilege for each delegated job; Mail.ReadWrite.Shared (not only Read) because replies are drafts
# created in the shared mailbox (createReply), and handled mail is categorized or moved there.
DELEGATED_MAIL_SCOPES = ("Mail.ReadWrite.Shared", "Mail.Send.Shared")
DELEGATED_TEAMS_SCOPES = ("User.Read", "User.ReadBasic.All", "Chat.Create", "ChatMessage.Send")


class TokenProvider(Protocol):
    async def token(self, *, rejected: str | None = None) -> str:
        """A valid access token. `rejected` is a token Graph answered 401 to: get a fresh one."""
        ...


def scope_uris(settings: GraphSettings, names: Sequence[str]) -> list[str]:
    """Fully qualified scopes, so a national cloud gets tokens for its own Graph host."""
    return [f"{settings.graph_resource}/{n}" for n in names]


def _instance_discovery(settings: GraphSettings) -> bool | None:
    # msal validates unknown authority hosts against login.microsoftonline.com; a private or test
    # authority has to opt out (its OpenID configuration is still fetched and checked).
    host = settings.authority_host.split("://", 1)[-1].strip("/").lower()
    return None if host in WELL_KNOWN_AUTHORITY_HOSTS else False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _failure(result: dict[str, Any] | None, what: str, secrets: Sequence[str] = ()) -> GraphAuthError:
    result = result or {}
    text = f"{what}: {result.get('error', 'no token')}"
    if result.get("error_description"):
        first_line = str(result["error_description"]).strip().splitlines()[0]
        text += f" — {first_line}"
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return GraphAuthError(text, code=str(result.get("error", "")))


class _MsalAuth:
    def __init__(self, settings: GraphSettings, cache: PersistedTokenCache, http_client: Any) -> None:
        self.settings = settings
        self.cache = cache
        self._http_client = http_client
        self._app: Any = None  # built in a worker thread: msal fetches the authority's metadata when built
        self._lock = asyncio.Lock()  # one msal call at a time: 4 concurrent requests need one token fetch
        self.acquisitions = 0  # token requests that reached msal (tests and diagnostics)

    def _make_app(self) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        """Close the HTTP session msal made for itself (an injected http_client belongs to the caller)."""
        if self._app is not None and self._http_client is None:
            close = getattr(self._app.http_client, "close", None)
            if close is not None:
                close()

    @property
    def app(self) -> Any:
        if self._app is None:
            self._app = self._make_app()
        return self._app

    async def _run(self, fn: Callable[[], T]) -> T:
        def call() -> T:
            self.cache.load()
            try:
                return fn()
            except GraphError:
                raise
            except ValueError as exc:  # msal: unknown tenant, malformed authority or credential
                raise GraphAuthError(f"Microsoft 365 sign-in setup failed: {_first_line(exc)}") from None
            except (OSError, httpx.HTTPError) as exc:  # unreachable (requests' errors are OSErrors)
                raise GraphUnavailable(f"cannot reach the Microsoft 365 sign-in service "
                                       f"({self.settings.authority_host}): {type(exc).__name__}") from None
            finally:
                self.cache.save()

        return await asyncio.to_thread(call)


class AppOnlyAuth(_MsalAuth):
    """Client credentials: `credential` is the client secret or msal's certificate dict, or a callable
    returning one (read from the keyring in the worker thread, on first use)."""

    def __init__(self, settings: GraphSettings, credential: Credential | Callable[[], Credential],
                 cache: PersistedTokenCache, *, http_client: Any = None) -> None:
        super().__init__(settings, cache, http_client)
        self.scopes = [f"{settings.graph_resource}/.default"]
        self._credential = credential
        self._secret_values: list[str] = []

    def _make_app(self) -> Any:
        credential = self._credential() if callable(self._credential) else self._credential
        if not credential:
            raise GraphAuthError("no client secret is stored for this app: enter it in Settings → Microsoft 365")
        self._secret_values = [credential] if isinstance(credential, str) else \
            [str(v) for k, v in credential.items() if k in ("private_key", "passphrase")]
        return msal.ConfidentialClientApplication(
            self.settings.client_id, client_credential=credential, authority=self.settings.authority_url,
            token_cache=self.cache.msal_cache, http_client=self._http_client,
            instance_discovery=_instance_discovery(self.settings))

    async def token(self, *, rejected: str | None = None) -> str:
        async with self._lock:
            return await self._run(lambda: self._token_sync(rejected))

    def _token_sync(self, rejected: str | None) -> str:
        app = self.app
        if rejected is not None:
            # acquire_token_for_client has no force_refresh; dropping the refused token makes msal fetch anew.
            self.cache.forget_access_token(rejected)
        self.acquisitions += 1
        result = app.acquire_token_for_client(scopes=self.scopes)
        if not result or "access_token" not in result:
            raise _failure(result, "could not get an app-only token for Microsoft Graph", self._secret_values)
        return str(result["access_token"])


@dataclass
class DeviceCodePrompt:
    """What the UI shows for a device-code sign-in: open `verification_uri`, enter `user_code`."""

    user_code: str
    verification_uri: str
    message: str
    expires_at: float
    flow: dict[str, Any] = field(repr=False, default_factory=dict)


class DelegatedAuth(_MsalAuth):
    """The operator's own sign-in. `scopes` are short names ("Chat.Create"), qualified for the cloud."""

    def __init__(self, settings: GraphSettings, cache: PersistedTokenCache, scopes: Sequence[str], *,
                 http_client: Any = None, username: str = "") -> None:
        super().__init__(settings, cache, http_client)
        self.scopes = scope_uris(settings, scopes)
        self.username = username  # which cached account to use when several people signed in here

    def _make_app(self) -> Any:
        return msal.PublicClientApplication(
            self.settings.client_id, authority=self.settings.authority_url, token_cache=self.cache.msal_cache,
            http_client=self._http_client, instance_discovery=_instance_discovery(self.settings))

    def _account(self) -> dict[str, Any] | None:
        accounts = self.app.get_accounts(username=self.username or None)
        return accounts[0] if accounts else None

    async def signed_in_user(self) -> str | None:
        async with self._lock:
            account = await self._run(self._account)
        return str(account.get("username", "")) if account else None

    async def token(self, *, rejected: str | None = None) -> str:
        async with self._lock:
            return await self._run(lambda: self._token_sync(rejected))

    def _token_sync(self, rejected: str | None) -> str:
        account = self._account()
        if account is None:
            raise SignInRequired("sign in to Microsoft 365 as the operator first (Settings → Microsoft 365)")
        self.acquisitions += 1
        if rejected is not None:
            self.cache.forget_access_token(rejected)
        result = self.app.acquire_token_silent_with_error(self.scopes, account, force_refresh=rejected is not None)
        if not result or "access_token" not in result:
            error = _failure(result, "the Microsoft 365 sign-in has expired; sign in again")
            raise SignInRequired(str(error), code=error.code)
        return str(result["access_token"])

    async def sign_in_interactive(self, *, timeout: float | None = 300.0, login_hint: str = "") -> str:
        """The system browser on a loopback redirect (register "http://localhost" as a public-client
        redirect URI). Blocks a worker thread until the operator finishes or `timeout` passes."""
        async with self._lock:
            result = await self._run(lambda: self.app.acquire_token_interactive(
                self.scopes, prompt="select_account", login_hint=login_hint or None, timeout=timeout))
        return self._signed_in(result)

    async def start_device_code(self) -> DeviceCodePrompt:
        async with self._lock:
            flow = await self._run(lambda: self.app.initiate_device_flow(scopes=self.scopes))
        if "user_code" not in flow:
            raise _failure(flow, "could not start a device-code sign-in")
        return DeviceCodePrompt(str(flow["user_code"]), str(flow.get("verification_uri", "")),
                                str(flow.get("message", "")), float(flow.get("expires_at", time.time() + 900)),
                                flow)

    async def finish_device_code(self, prompt: DeviceCodePrompt) -> str:
        """Waits (in a worker thread, polling as the server asks) until the code is used or expires."""
        result = await self._run(lambda: self.app.acquire_token_by_device_flow(prompt.flow))
        return self._signed_in(result)

    @staticmethod
    def cancel_device_code(prompt: DeviceCodePrompt) -> None:
        prompt.flow["expires_at"] = 0  # msal's documented way to end its polling loop early

    def _signed_in(self, result: dict[str, Any] | None) -> str:
        if not result or "access_token" not in result:
            raise _failure(result, "Microsoft 365 sign-in failed")
        claims = result.get("id_token_claims") or {}
        self.username = str(claims.get("preferred_username") or self.username)
        log.info("signed in to Microsoft 365 as %s", self.username or "(unknown user)")
        return self.username

    async def sign_out(self) -> None:
        def forget() -> None:
            for account in self.app.get_accounts():
                self.app.remove_account(account)

        async with self._lock:
            await self._run(forget)
        self.username = ""


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.S)


def certificate_credential(path: Path, *, thumbprint: str = "", passphrase: str | None = None) -> dict[str, Any]:
    """msal's client_credential for a PEM file holding the private key and (ideally) the certificate.
    With the certificate and no thumbprint, msal sends its SHA-256 thumbprint (x5t#S256)."""
    text = Path(path).read_text(encoding="ascii")
    key = cert = ""
    for match in _PEM_BLOCK.finditer(text):
        kind = match.group(1)
        if kind.endswith("PRIVATE KEY") and not key:
            key = match.group(0)
        elif kind == "CERTIFICATE" and not cert:
            cert = match.group(0)
    if not key:
        raise GraphAuthError(f"{path} holds no PEM private key (convert a .pfx with: "
                             "openssl pkcs12 -in cert.pfx -out cert.pem -nodes)")
    if not cert and not thumbprint:
        raise GraphAuthError(f"{path} holds no certificate; add it to the PEM file or set the thumbprint")
    credential: dict[str, Any] = {"private_key": key}
    if cert:
        credential["public_certificate"] = cert
    if thumbprint:
        credential["thumbprint"] = thumbprint.replace(":", "").upper()
    if passphrase:
        credential["passphrase"] = passphrase
    return credential
