"""Settings of a Gmail / Google Workspace connection: which mailbox, which Google endpoints (injectable,
so tests and proxies can point them elsewhere) and the client's limits. Non-secret only: the OAuth client
secret, the refresh token and the service-account key are handed to the auth objects by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"  # read, and labels for handled mail
GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
SCOPES = (GMAIL_MODIFY, GMAIL_SEND)

GMAIL_API = "https://gmail.googleapis.com/gmail/v1"
TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTHORIZATION_URL = "https://accounts.google.com/o/oauth2/v2/auth"
MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # Gmail's own limit for a received message
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class GmailSettingsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class GmailSettings:
    mailbox: str  # the address read and replied from (the signed-in user, or the delegated mailbox)
    api_base_url: str = GMAIL_API
    token_url: str = TOKEN_URL
    authorization_url: str = AUTHORIZATION_URL
    label: str = "INBOX"  # the label polled
    page_size: int = 100  # maxResults of list calls (Gmail allows up to 500)
    initial_sync_days: int = 14  # first sync only lists mail newer than this; 0 = the whole label
    max_concurrency: int = 6  # message downloads in flight
    max_attempts: int = 5  # per request, for throttling and transient faults
    request_timeout: float = 30.0
    max_wait_seconds: float = 120.0  # a Retry-After longer than this surfaces as "throttled" instead
    max_message_bytes: int = MAX_MESSAGE_BYTES
    send_grace_seconds: float = 600.0  # how long a requested send may stay unfindable before it is reported

    @property
    def source_name(self) -> str:
        return f"gmail:{self.mailbox.lower()}"

    def validate(self) -> GmailSettings:
        _require("@" in self.mailbox, "mailbox", "must be a mailbox address")
        _require(bool(self.label.strip()), "label", "is required (INBOX, or a label id)")
        _require(self.page_size in range(1, 501), "page_size", "must be between 1 and 500")
        _require(self.initial_sync_days >= 0, "initial_sync_days", "must be 0 or more")
        _require(self.max_concurrency in range(1, 17), "max_concurrency", "must be between 1 and 16")
        _require(self.max_attempts in range(1, 21), "max_attempts", "must be between 1 and 20")
        _require(self.request_timeout > 0, "request_timeout", "must be greater than 0")
        _require(self.max_message_bytes > 0, "max_message_bytes", "must be greater than 0")
        _require(self.send_grace_seconds >= 0, "send_grace_seconds", "must be 0 or more")
        for name in ("api_base_url", "token_url", "authorization_url"):
            _require(secure_url(getattr(self, name)), name,
                     "must be an https URL (http only for a loopback test server)")
        return self


def _require(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise GmailSettingsError(f"Gmail setting '{name}' {why}")


def secure_url(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.netloc:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
