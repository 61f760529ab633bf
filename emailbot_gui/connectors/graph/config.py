"""Settings of the Microsoft 365 connection: which tenant and app, how to sign in, which mailbox, and
which cloud. Non-secret only: the client secret and the token cache live in the `SecretStore`.

Field names follow the original design's environment template (EMAILBOT_M365_*, EMAILBOT_TARGET_MAILBOX);
`from_env` reads them so the settings layer can delegate to it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class AuthMode(enum.StrEnum):
    APP_SECRET = "app_secret"  # confidential client, client secret (app-only, the original design)
    APP_CERTIFICATE = "app_certificate"  # confidential client, certificate (app-only)
    DELEGATED = "delegated"  # public client: the operator signs in (browser, device code as fallback)

    @property
    def app_only(self) -> bool:
        return self is not AuthMode.DELEGATED


class SignInFlow(enum.StrEnum):
    BROWSER = "browser"  # system browser on a loopback redirect (register http://localhost in the app)
    DEVICE_CODE = "device_code"  # for machines without a usable browser


@dataclass(frozen=True, slots=True)
class NationalCloud:
    authority_host: str
    graph_endpoint: str


# https://learn.microsoft.com/graph/deployments — the same app code, other hosts.
CLOUDS: dict[str, NationalCloud] = {
    "global": NationalCloud("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": NationalCloud("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgov-dod": NationalCloud("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": NationalCloud("https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn"),
}


class GraphSettingsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class GraphSettings:
    tenant_id: str
    client_id: str
    target_mailbox: str  # the shared mailbox to read and reply from
    auth_mode: AuthMode = AuthMode.DELEGATED
    sign_in_flow: SignInFlow = SignInFlow.BROWSER
    authority_host: str = CLOUDS["global"].authority_host
    graph_endpoint: str = CLOUDS["global"].graph_endpoint
    graph_version: str = "v1.0"
    mail_folder: str = "inbox"  # a well-known folder name or a folder id
    page_size: int = 50  # Prefer: odata.maxpagesize for delta pages
    initial_sync_days: int = 14  # first sync only takes mail received in this window; 0 = the whole folder
    expand_attachments: bool = True  # list attachments (name, size, type) inside the delta pages
    certificate_path: str = ""  # PEM with the private key (and certificate) for AuthMode.APP_CERTIFICATE
    certificate_thumbprint: str = ""  # SHA-1 hex; empty: msal derives SHA-256 from the certificate
    request_timeout: float = 30.0
    max_concurrency: int = 4  # Exchange allows 4 concurrent requests per app and mailbox
    max_attempts: int = 5  # per request, for throttling and transient faults
    max_wait_seconds: float = 120.0  # a Retry-After longer than this surfaces as "throttled" instead
    send_grace_seconds: float = 600.0  # how long an unconfirmed send is awaited before it counts as not sent
    processed_category: str = ""  # e.g. "EmailBot: handled"; empty: do not categorize
    processed_folder: str = ""  # move handled mail there; empty: leave it in place

    # ---- derived -------------------------------------------------------------------------------------

    @property
    def authority_url(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{quote(self.tenant_id, safe='')}"

    @property
    def graph_base_url(self) -> str:
        return f"{self.graph_endpoint.rstrip('/')}/{self.graph_version}"

    @property
    def graph_resource(self) -> str:
        """The resource part of scopes ("https://graph.microsoft.us/Mail.Read" in a national cloud)."""
        parts = urlsplit(self.graph_endpoint)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def source_name(self) -> str:
        return f"graph:{self.target_mailbox.lower()}"

    def validate(self) -> GraphSettings:
        _require(bool(self.tenant_id.strip()), "tenant_id", "is required (a GUID or a verified domain)")
        _require(self.tenant_id.lower() not in ("common", "organizations", "consumers"), "tenant_id",
                 "must name your tenant: a shared mailbox belongs to one organization")
        _require(bool(self.client_id.strip()), "client_id", "is required (the app registration's id)")
        _require("@" in self.target_mailbox, "target_mailbox", "must be a mailbox address")
        _require(self.page_size in range(1, 1001), "page_size", "must be between 1 and 1000")
        _require(self.initial_sync_days >= 0, "initial_sync_days", "must be 0 or more")
        _require(self.request_timeout > 0, "request_timeout", "must be greater than 0")
        _require(self.max_concurrency in range(1, 5), "max_concurrency",
                 "must be between 1 and 4 (Exchange refuses more per mailbox)")
        _require(self.max_attempts in range(1, 21), "max_attempts", "must be between 1 and 20")
        _require(self.send_grace_seconds >= 0, "send_grace_seconds", "must be 0 or more")
        if self.auth_mode is AuthMode.APP_CERTIFICATE:
            _require(bool(self.certificate_path), "certificate_path", "is required for certificate sign-in")
        for name in ("authority_host", "graph_endpoint"):
            _require(_secure_url(getattr(self, name)), name,
                     "must be an https URL (http only for a loopback test server)")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> GraphSettings:
        """The EMAILBOT_M365_* variables of the original design. EMAILBOT_M365_AUTHORITY may be a full
        authority URL (host and tenant); the client secret is not read here (it goes to the SecretStore)."""
        values: dict[str, object] = {
            "tenant_id": env.get("EMAILBOT_M365_TENANT_ID", ""),
            "client_id": env.get("EMAILBOT_M365_CLIENT_ID", ""),
            "target_mailbox": env.get("EMAILBOT_TARGET_MAILBOX", ""),
        }
        authority = env.get("EMAILBOT_M365_AUTHORITY", "")
        if authority:
            parts = urlsplit(authority)
            values["authority_host"] = f"{parts.scheme}://{parts.netloc}"
            tenant = parts.path.strip("/").split("/")[0]
            if tenant and not values["tenant_id"]:
                values["tenant_id"] = tenant
        simple = {"EMAILBOT_M365_AUTH_MODE": ("auth_mode", AuthMode),
                  "EMAILBOT_M365_SIGN_IN_FLOW": ("sign_in_flow", SignInFlow),
                  "EMAILBOT_M365_GRAPH_ENDPOINT": ("graph_endpoint", str),
                  "EMAILBOT_M365_CERTIFICATE_PATH": ("certificate_path", str),
                  "EMAILBOT_M365_CERTIFICATE_THUMBPRINT": ("certificate_thumbprint", str),
                  "EMAILBOT_M365_PAGE_SIZE": ("page_size", int),
                  "EMAILBOT_M365_MAIL_FOLDER": ("mail_folder", str)}
        for env_name, (field_name, kind) in simple.items():
            if env.get(env_name):
                try:
                    values[field_name] = kind(env[env_name])
                except ValueError:
                    raise GraphSettingsError(f"{env_name} has an invalid value {env[env_name]!r}") from None
        cloud = env.get("EMAILBOT_M365_CLOUD", "")
        if cloud:
            if cloud not in CLOUDS:
                raise GraphSettingsError(f"EMAILBOT_M365_CLOUD must be one of {', '.join(CLOUDS)}")
            values.setdefault("authority_host", CLOUDS[cloud].authority_host)
            values.setdefault("graph_endpoint", CLOUDS[cloud].graph_endpoint)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def for_cloud(self, cloud: str) -> GraphSettings:
        preset = CLOUDS[cloud]
        return replace(self, authority_host=preset.authority_host, graph_endpoint=preset.graph_endpoint)


def _require(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise GraphSettingsError(f"Microsoft 365 setting '{name}' {why}")


def _secure_url(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.netloc:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
