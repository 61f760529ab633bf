"""Where the Microsoft 365 secrets live: a `SecretStore` (the OS keyring in production, memory in tests)
holding the client secret and msal's token cache, serialised after every change so a restart signs in
silently.

All methods here block (keyring talks to the OS); callers run them in a worker thread, next to msal."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol, runtime_checkable

import msal

log = logging.getLogger(__name__)

KEYRING_SERVICE = "EmailBot"
# Windows Credential Manager refuses blobs over 2,560 bytes (UTF-16: 1,280 characters), and an msal cache
# with a refresh token and an id token is larger, so long values are stored in parts.
CHUNK_CHARS = 1000
_CHUNK_HEADER = "emailbot-chunks:v1:"


@runtime_checkable
class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


def client_secret_name(client_id: str) -> str:
    return f"m365:client-secret:{client_id}"


def certificate_passphrase_name(client_id: str) -> str:
    return f"m365:certificate-passphrase:{client_id}"


def token_cache_name(client_id: str, tenant_id: str, kind: str) -> str:
    return f"m365:token-cache:{kind}:{client_id}:{tenant_id}"


class MemorySecretStore:
    """A SecretStore in memory: for tests, and for a session that must not persist anything."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.writes = 0

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value
        self.writes += 1

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


class KeyringSecretStore:
    """The OS keyring (Windows Credential Manager, macOS Keychain, Secret Service) under service "EmailBot".

    `backend` is a keyring backend object; None uses `keyring`'s configured default. Values longer than
    CHUNK_CHARS are split into numbered entries behind a small header entry."""

    def __init__(self, service: str = KEYRING_SERVICE, *, backend: Any = None) -> None:
        self.service = service
        self._backend = backend

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


class PersistedTokenCache:
    """msal's SerializableTokenCache, loaded from and saved to a SecretStore.

    msal calls happen in worker threads, so loading and saving are guarded by a lock; `save` writes only
    when msal says the cache changed (a token was added, refreshed or removed)."""

    def __init__(self, store: SecretStore, name: str) -> None:
        self.store = store
        self.name = name
        self.msal_cache = msal.SerializableTokenCache()
        self._lock = threading.Lock()
        self._loaded = False

    def load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            try:
                blob = self.store.get(self.name)
            except Exception as exc:  # a locked or absent keyring: sign in again rather than fail
                log.warning("the saved Microsoft 365 sign-in could not be read from the keyring (%s)",
                            type(exc).__name__)
                return
            if not blob:
                return
            try:
                self.msal_cache.deserialize(blob)
            except ValueError:  # a damaged entry must not block signing in again
                log.warning("the saved Microsoft 365 sign-in could not be read; signing in afresh")
            self.msal_cache.has_state_changed = False

    def save(self) -> None:
        with self._lock:
            if self.msal_cache.has_state_changed:
                try:
                    self.store.set(self.name, self.msal_cache.serialize())
                except Exception as exc:  # the token still works for this session
                    log.warning("the Microsoft 365 sign-in could not be saved to the keyring (%s)",
                                type(exc).__name__)
                    return
                self.msal_cache.has_state_changed = False

    def clear(self) -> None:
        with self._lock:
            self.store.delete(self.name)
            self.msal_cache.deserialize("{}")
            self.msal_cache.has_state_changed = False

    def forget_access_token(self, secret: str) -> bool:
        """Drop a cached access token Graph refused, so msal fetches a new one instead of returning it."""
        removed = False
        for item in list(self.msal_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            if item.get("secret") == secret:
                self.msal_cache.remove_at(item)
                removed = True
        return removed
