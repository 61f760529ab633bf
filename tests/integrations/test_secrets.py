"""Secrets: one keyring entry per integration and field under the service "EmailBot"; the environment overlay
in front of the keyring; a clear KeyringUnavailable (with the documented alternative) when there is no
usable keyring; the session-only alternative that never persists."""

from __future__ import annotations

import pytest

from emailbot_gui.config.secrets import (
    CUSTOMER_DB_PASSWORD,
    HUBSPOT_TOKEN,
    KEYRING_SERVICE,
    OPENAI_API_KEY,
    EnvSecretStore,
    KeyringSecretStore,
    KeyringUnavailable,
    SecretStore,
    certificate_passphrase_name,
    client_secret_name,
    env_variable_for,
    open_secret_store,
    open_secret_store_or_env,
    salesforce_secret_name,
    secret_from_env,
)
from emailbot_gui.connectors.graph import token_cache
from tests.graph.conftest import MemoryKeyring


def test_names_one_entry_per_integration_and_field() -> None:
    names = {OPENAI_API_KEY, HUBSPOT_TOKEN, CUSTOMER_DB_PASSWORD, salesforce_secret_name("3MVG9"),
             client_secret_name("app-1"), certificate_passphrase_name("app-1")}
    assert len(names) == 6 and KEYRING_SERVICE == "EmailBot"
    assert salesforce_secret_name("3MVG9") == "salesforce:client-secret:3MVG9"
    assert token_cache.client_secret_name is client_secret_name  # one place for every secret name
    assert token_cache.KeyringSecretStore is KeyringSecretStore


def test_keyring_store_under_the_emailbot_service(keyring_backend: MemoryKeyring) -> None:
    store = open_secret_store(backend=keyring_backend, environ={})
    assert isinstance(store, SecretStore) and store.persistent
    store.set(OPENAI_API_KEY, "sk-one")
    store.set(salesforce_secret_name("cid"), "sf-two")
    assert keyring_backend.entries == {("EmailBot", "openai:api-key"): "sk-one",
                                       ("EmailBot", "salesforce:client-secret:cid"): "sf-two"}
    assert store.get(OPENAI_API_KEY) == "sk-one"
    store.delete(OPENAI_API_KEY)
    assert store.get(OPENAI_API_KEY) is None and ("EmailBot", "openai:api-key") not in keyring_backend.entries


def test_environment_overrides_the_keyring_and_is_never_written(keyring_backend: MemoryKeyring) -> None:
    env = {"EMAILBOT_OPENAI_API_KEY": "sk-from-env", "EMAILBOT_SALESFORCE_CLIENT_SECRET": "sf-env"}
    store = open_secret_store(backend=keyring_backend, environ=env)
    keyring_backend.set_password("EmailBot", OPENAI_API_KEY, "sk-in-keyring")
    assert store.get(OPENAI_API_KEY) == "sk-from-env" and store.from_environment(OPENAI_API_KEY)
    assert store.get(salesforce_secret_name("any-client")) == "sf-env"
    assert store.get(HUBSPOT_TOKEN) is None and not store.from_environment(HUBSPOT_TOKEN)
    assert ("EmailBot", salesforce_secret_name("any-client")) not in keyring_backend.entries
    assert env_variable_for(client_secret_name("x")) == "EMAILBOT_M365_CLIENT_SECRET"
    assert env_variable_for("m365:token-cache:app:x:y") is None  # token caches live only in the keyring
    assert secret_from_env(CUSTOMER_DB_PASSWORD, {"EMAILBOT_CUSTOMER_DB_PASSWORD": ""}) is None


@pytest.mark.parametrize("backend_name", ["fail", "null"])
def test_no_usable_keyring_is_a_clear_error_with_the_alternative(backend_name: str) -> None:
    import importlib

    backend = importlib.import_module(f"keyring.backends.{backend_name}").Keyring()
    with pytest.raises(KeyringUnavailable) as raised:
        open_secret_store(backend=backend, environ={})
    message = str(raised.value)
    assert "No usable OS keyring" in message and "EMAILBOT_OPENAI_API_KEY" in message
    assert "docs/configuration.md" in message and "never written" in message
    store, reason = open_secret_store_or_env(backend=backend, environ={"EMAILBOT_HUBSPOT_ACCESS_TOKEN": "pat-x"})
    assert reason == message and store.get(HUBSPOT_TOKEN) == "pat-x" and not store.persistent
    assert store.unavailable_reason == message


def test_without_a_keyring_typed_secrets_live_for_the_session_only() -> None:
    store = EnvSecretStore(environ={}, inner=None)
    store.set(OPENAI_API_KEY, "sk-typed")
    assert store.get(OPENAI_API_KEY) == "sk-typed" and not store.persistent
    assert EnvSecretStore(environ={}, inner=None).get(OPENAI_API_KEY) is None  # a restart: gone
    assert "sk-typed" not in repr(store)
