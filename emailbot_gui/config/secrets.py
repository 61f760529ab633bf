"""Where secrets live: the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service) under the
service "EmailBot", one entry per integration and field — never the settings file, the database or a log.

`open_secret_store()` returns the keyring with an environment overlay in front of it (EMAILBOT_OPENAI_API_KEY
and friends, read at start and never written anywhere). When no usable keyring backend exists (a headless
Linux without a Secret Service) it raises `KeyringUnavailable`, whose message says what to do; the
documented alternative is `EnvSecretStore`: secrets from environment variables only, plus what is typed
during the session, kept in memory and lost at exit.

Every method here may block (keyring talks to the OS): call them from a worker thread in async code."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

KEYRING_SERVICE = "EmailBot"
# Windows Credential Manager refuses blobs over 2,560 bytes (UTF-16: 1,280 characters), and an msal cache
# with a refresh token and an id token is larger, so long values are stored in parts.
CHUNK_CHARS = 1000
_CHUNK_HEADER = "emailbot-chunks:v1:"

# ---- names: one keyring entry per integration and field ------------------------------------------------

OPENAI_API_KEY = "openai:api-key"
HUBSPOT_TOKEN = "hubspot:access-token"
CUSTOMER_DB_PASSWORD = "customer-db:password"
DATABASE_PASSWORD = "database:password"  # the queue database's, when EMAILBOT_DATABASE_URL is a server
IMAP_PASSWORD = "imap:password"  # the IMAP/SMTP mailbox's
SMTP_PASSWORD = "smtp:password"  # only when SMTP signs in with another password; unset: the IMAP one
GMAIL_CLIENT_SECRET = "gmail:client-secret"  # the Google Desktop OAuth client's
GMAIL_REFRESH_TOKEN = "gmail:refresh-token"  # from "Sign in with Google"; replaced when Google rotates it
GMAIL_SERVICE_ACCOUNT_KEY = "gmail:service-account-key"  # the JSON key file's contents (domain-wide delegation)


def salesforce_secret_name(client_id: str) -> str:
    return f"salesforce:client-secret:{client_id}"


def client_secret_name(client_id: str) -> str:
    """The Microsoft 365 app registration's client secret."""
    return f"m365:client-secret:{client_id}"


def certificate_passphrase_name(client_id: str) -> str:
    return f"m365:certificate-passphrase:{client_id}"


def token_cache_name(client_id: str, tenant_id: str, kind: str) -> str:
    return f"m365:token-cache:{kind}:{client_id}:{tenant_id}"


# The environment overlay: which variable supplies which secret. Per-client-id names take the prefix.
ENV_SECRETS: Mapping[str, str] = {
    OPENAI_API_KEY: "EMAILBOT_OPENAI_API_KEY",
    HUBSPOT_TOKEN: "EMAILBOT_HUBSPOT_ACCESS_TOKEN",
    CUSTOMER_DB_PASSWORD: "EMAILBOT_CUSTOMER_DB_PASSWORD",
    DATABASE_PASSWORD: "EMAILBOT_DATABASE_PASSWORD",
    IMAP_PASSWORD: "EMAILBOT_IMAP_PASSWORD",
    SMTP_PASSWORD: "EMAILBOT_SMTP_PASSWORD",
    GMAIL_CLIENT_SECRET: "EMAILBOT_GMAIL_CLIENT_SECRET",
    GMAIL_REFRESH_TOKEN: "EMAILBOT_GMAIL_REFRESH_TOKEN",
    GMAIL_SERVICE_ACCOUNT_KEY: "EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY",
    "salesforce:client-secret:": "EMAILBOT_SALESFORCE_CLIENT_SECRET",
    "m365:client-secret:": "EMAILBOT_M365_CLIENT_SECRET",
    "m365:certificate-passphrase:": "EMAILBOT_M365_CERTIFICATE_PASSPHRASE",
}


# What each secret is, in words (a name in the store is for the program). Per-client-id names take the prefix.
_LABELS = (
    (OPENAI_API_KEY, "OpenAI API key"),
    (HUBSPOT_TOKEN, "HubSpot access token"),
    (CUSTOMER_DB_PASSWORD, "customer database password"),
    (DATABASE_PASSWORD, "queue database password"),
    (IMAP_PASSWORD, "IMAP password"),
    (SMTP_PASSWORD, "SMTP password"),
    (GMAIL_CLIENT_SECRET, "Google client secret"),
    (GMAIL_REFRESH_TOKEN, "Google sign-in"),
    (GMAIL_SERVICE_ACCOUNT_KEY, "Google service account key"),
    ("salesforce:client-secret:", "Salesforce consumer secret"),
    ("m365:client-secret:", "Microsoft 365 client secret"),
    ("m365:certificate-passphrase:", "certificate passphrase"),
)


def secret_label(name: str) -> str:
    """What the secret stored under `name` is, in words, for a sentence ("the OpenAI API key")."""
    for prefix, label in _LABELS:
        if name == prefix or (prefix.endswith(":") and name.startswith(prefix)):
            return label
    return name


def env_variable_for(name: str) -> str | None:
    """The environment variable that supplies the secret `name`, or None (token caches have none)."""
    if name in ENV_SECRETS:
        return ENV_SECRETS[name]
    for prefix, variable in ENV_SECRETS.items():
        if prefix.endswith(":") and name.startswith(prefix):
            return variable
    return None


def secret_from_env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The environment overlay's value for the secret `name` (None when unset or empty)."""
    variable = env_variable_for(name)
    if variable is None:
        return None
    value = (os.environ if environ is None else environ).get(variable, "")
    return value or None


# ---- stores --------------------------------------------------------------------------------------------

class KeyringUnavailable(RuntimeError):
    """No usable OS keyring; the message says so and names the documented alternative."""


KEYRING_HELP = (
    "No usable OS keyring was found (on Linux: no Secret Service such as GNOME Keyring or KWallet is running). "
    "EmailBot keeps secrets only there, never in a file. Alternatives: start a Secret Service (for example "
    "gnome-keyring-daemon) and restart EmailBot, or give each secret as an environment variable "
    "(EMAILBOT_OPENAI_API_KEY, EMAILBOT_M365_CLIENT_SECRET, EMAILBOT_SALESFORCE_CLIENT_SECRET, "
    "EMAILBOT_HUBSPOT_ACCESS_TOKEN, EMAILBOT_CUSTOMER_DB_PASSWORD, EMAILBOT_IMAP_PASSWORD, "
    "EMAILBOT_GMAIL_CLIENT_SECRET with EMAILBOT_GMAIL_REFRESH_TOKEN, or EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY); those "
    "are read at start and never written anywhere. See docs/configuration.md, \"Secrets\".")


@runtime_checkable
class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class MemorySecretStore:
    """A SecretStore in memory: for tests, and for a session that must not persist anything."""

    persistent = False

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.writes = 0

    def __repr__(self) -> str:
        return f"MemorySecretStore({len(self.values)} entries)"

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value
        self.writes += 1

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


class KeyringSecretStore:
    """The OS keyring under service "EmailBot".

    `backend` is a keyring backend object; None uses `keyring`'s configured default. Values longer than
    CHUNK_CHARS are split into numbered entries behind a small header entry."""

    persistent = True

    def __init__(self, service: str = KEYRING_SERVICE, *, backend: Any = None) -> None:
        self.service = service
        self._backend = backend

    def __repr__(self) -> str:
        return f"KeyringSecretStore({self.service!r})"

    def _kr(self) -> Any:
        if self._backend is None:
            import keyring  # imported on first use: probing the OS backends is slow and has side effects

            self._backend = keyring.get_keyring()
        return self._backend

    def get(self, name: str) -> str | None:
        value: str | None = self._kr().get_password(self.service, name)
        if value is None or not value.startswith(_CHUNK_HEADER):
            return value
        try:
            count = int(value.removeprefix(_CHUNK_HEADER))
        except ValueError:
            log.warning("secret %r is damaged in the keyring; ignoring it", name)
            return None
        parts = [self._kr().get_password(self.service, f"{name}#{i}") for i in range(count)]
        if any(p is None for p in parts):
            log.warning("secret %r is incomplete in the keyring; ignoring it", name)
            return None
        return "".join(p for p in parts if p is not None)

    def set(self, name: str, value: str) -> None:
        old_count = self._count(name)
        if len(value) <= CHUNK_CHARS and not value.startswith(_CHUNK_HEADER):
            self._kr().set_password(self.service, name, value)
            count = 0
        else:
            parts = [value[i:i + CHUNK_CHARS] for i in range(0, len(value), CHUNK_CHARS)]
            for i, part in enumerate(parts):  # parts first, header last: a crash leaves the old value whole
                self._kr().set_password(self.service, f"{name}#{i}", part)
            self._kr().set_password(self.service, name, f"{_CHUNK_HEADER}{len(parts)}")
            count = len(parts)
        for i in range(count, old_count):
            self._delete_quietly(f"{name}#{i}")

    def delete(self, name: str) -> None:
        count = self._count(name)
        self._delete_quietly(name)
        for i in range(count):
            self._delete_quietly(f"{name}#{i}")

    def _count(self, name: str) -> int:
        value = self._kr().get_password(self.service, name)
        if value and value.startswith(_CHUNK_HEADER):
            try:
                return int(value.removeprefix(_CHUNK_HEADER))
            except ValueError:
                return 0
        return 0

    def _delete_quietly(self, name: str) -> None:
        try:
            self._kr().delete_password(self.service, name)
        except Exception as exc:  # keyring.errors.PasswordDeleteError: already gone
            log.debug("keyring entry %r not deleted: %s", name, type(exc).__name__)


class EnvSecretStore:
    """Secrets from environment variables in front of an optional store (the keyring).

    Reads: the environment first (it overrides, like EMAILBOT_* settings do), then `inner`. Writes go to
    `inner`; without one (no usable keyring) they are kept in memory for this session only — never written
    to disk — so a wizard's test connection and a Microsoft 365 sign-in still work until the app exits."""

    def __init__(self, environ: Mapping[str, str] | None = None, inner: SecretStore | None = None) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self.inner = inner
        self._session = MemorySecretStore()
        self.unavailable_reason = ""  # why there is no keyring (KEYRING_HELP), for the UI to say so

    def __repr__(self) -> str:
        return f"EnvSecretStore(inner={self.inner!r})"

    @property
    def persistent(self) -> bool:
        """Whether a `set` survives a restart (False: environment and session memory only)."""
        return bool(getattr(self.inner, "persistent", self.inner is not None))

    def from_environment(self, name: str) -> bool:
        return secret_from_env(name, self._environ) is not None

    def get(self, name: str) -> str | None:
        value = secret_from_env(name, self._environ)
        if value is not None:
            return value
        if self.inner is not None:
            return self.inner.get(name)
        return self._session.get(name)

    def set(self, name: str, value: str) -> None:
        if self.inner is not None:
            self.inner.set(name, value)
        else:
            self._session.set(name, value)

    def delete(self, name: str) -> None:
        if self.inner is not None:
            self.inner.delete(name)
        self._session.delete(name)


def keyring_backend_usable(backend: Any) -> bool:
    """False for keyring's "fail" and "null" backends, and a chain with no backend in it."""
    module = type(backend).__module__
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return False
    if module == "keyring.backends.chainer":
        return bool(getattr(backend, "backends", ()))
    priority = getattr(backend, "priority", 1)
    return not (isinstance(priority, int | float) and priority <= 0)


def open_secret_store(*, backend: Any = None, environ: Mapping[str, str] | None = None) -> EnvSecretStore:
    """The keyring (service "EmailBot") behind the environment overlay; raises KeyringUnavailable with
    KEYRING_HELP when no usable backend exists. `backend`: a keyring backend object (tests pass one)."""
    if backend is None:
        try:
            import keyring

            backend = keyring.get_keyring()
        except Exception as exc:  # a broken keyring configuration file, a backend failing to load
            raise KeyringUnavailable(f"{KEYRING_HELP} (keyring: {type(exc).__name__})") from None
    if not keyring_backend_usable(backend):
        raise KeyringUnavailable(KEYRING_HELP)
    return EnvSecretStore(environ, KeyringSecretStore(backend=backend))


def open_secret_store_or_env(*, backend: Any = None, environ: Mapping[str, str] | None = None
                             ) -> tuple[EnvSecretStore, str]:
    """`open_secret_store()`, or the environment-only alternative with the reason why (empty when the
    keyring is in use): for the app's start and the command line, which say so and go on."""
    try:
        return open_secret_store(backend=backend, environ=environ), ""
    except KeyringUnavailable as exc:
        log.info("no usable OS keyring: secrets come from environment variables only")
        store = EnvSecretStore(environ, None)
        store.unavailable_reason = str(exc)
        return store, str(exc)
