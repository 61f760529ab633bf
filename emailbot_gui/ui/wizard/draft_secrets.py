"""Secrets the operator has typed but not saved yet, seen through the SecretStore interface, so a "Test
connection" can use them before anything is stored. Nothing written to a DraftSecrets reaches the real
store (a test's token cache, say); only `save_secrets` writes, on Finish / Apply.

The keyring blocks (it talks to the OS), so reads and writes of the real store run in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from emailbot_gui.config.secrets import (
    SecretStore,
)


class DraftSecrets:
    def __init__(self, saved: SecretStore | None, typed: Mapping[str, str] | None = None) -> None:
        self.saved = saved
        self.typed: dict[str, str] = dict(typed or {})
        self._removed: set[str] = set()

    def get(self, name: str) -> str | None:
        if name in self.typed:
            return self.typed[name]
        if name in self._removed or self.saved is None:
            return None
        return self.saved.get(name)

    def set(self, name: str, value: str) -> None:
        self.typed[name] = value
        self._removed.discard(name)

    def delete(self, name: str) -> None:
        self.typed.pop(name, None)
        self._removed.add(name)

    def __repr__(self) -> str:  # never the values
        return f"DraftSecrets(typed={sorted(self.typed)})"


ENVIRONMENT = "environment"
SAVED = "saved"


async def saved_names(store: SecretStore | None, names: Iterable[str]) -> dict[str, str]:
    """Where each of `names` that has a value comes from: ENVIRONMENT or SAVED (the values are not kept)."""
    wanted = [n for n in dict.fromkeys(names) if n]
    if store is None or not wanted:
        return {}
    from_env = getattr(store, "from_environment", None)

    def look() -> dict[str, str]:
        found = {}
        for name in wanted:
            if from_env is not None and from_env(name):
                found[name] = ENVIRONMENT
            elif store.get(name):
                found[name] = SAVED
        return found

    return await asyncio.to_thread(look)


def is_persistent(store: SecretStore | None) -> bool:
    """Whether what is saved to `store` survives a restart (an environment-only store keeps it in memory)."""
    return store is not None and bool(getattr(store, "persistent", True))


async def save_secrets(store: SecretStore, values: Mapping[str, str]) -> None:
    def write() -> None:
        for name, value in values.items():
            store.set(name, value)

    if values:
        await asyncio.to_thread(write)
