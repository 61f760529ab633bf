"""Where the Microsoft 365 secrets live: a `SecretStore` (the OS keyring in production, memory in tests)
holding the client secret and msal's token cache, serialised after every change so a restart signs in
silently.

All methods here block (keyring talks to the OS); callers run them in a worker thread, next to msal."""

from __future__ import annotations

import logging
import threading

import msal

from emailbot_gui.config.secrets import (
    CHUNK_CHARS,
    KEYRING_SERVICE,
    KeyringSecretStore,
    MemorySecretStore,
    SecretStore,
    certificate_passphrase_name,
    client_secret_name,
    token_cache_name,
)

log = logging.getLogger(__name__)

# The store, its names and the keyring access live in config/secrets.py (one place for every secret).
__all__ = ["CHUNK_CHARS", "KEYRING_SERVICE", "KeyringSecretStore", "MemorySecretStore", "PersistedTokenCache",
           "SecretStore", "certificate_passphrase_name", "client_secret_name", "token_cache_name"]


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
