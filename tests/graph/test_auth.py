"""msal against the local authority: app-only with a secret or a certificate, the operator's device-code
sign-in, the token cache persisted through the SecretStore (memory here, never the OS keyring) and reused
after a restart, silent refresh, and no secret or token in any log line or error message."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from emailbot_gui.connectors.graph import AuthMode, GraphAuthError, KeyringSecretStore, SecretStore
from emailbot_gui.connectors.graph.permissions import token_claims
from emailbot_gui.connectors.graph.token_cache import CHUNK_CHARS, MemorySecretStore, client_secret_name
from tests.graph.conftest import MemoryKeyring, sign_in
from tests.graph.fake_graph import CLIENT_ID, CLIENT_SECRET

INBOX = "/users/support@contoso.test/mailFolders/inbox"


async def test_app_token_is_cached_in_the_secret_store_and_reused_after_a_restart(fake, build, secrets):
    c = build()
    await c.mail_client.get(INBOX)
    assert fake.authority.counts == {"client_credentials": 1}
    cached = [name for name in secrets.values if name.startswith("m365:token-cache:app:")]
    assert len(cached) == 1 and '"AccessToken"' in secrets.values[cached[0]]
    restarted = build()
    await restarted.mail_client.get(INBOX)
    assert fake.authority.counts == {"client_credentials": 1}  # msal found it in the persisted cache


async def test_operator_sign_in_with_device_code_is_silent_after_a_restart(fake, build):
    c = build(auth_mode=AuthMode.DELEGATED)
    prompt = await c.operator.start_device_code()
    assert prompt.user_code == "EBT-4711" and prompt.verification_uri.startswith("https://")
    assert await c.operator.finish_device_code(prompt) == "olivia@contoso.test"
    restarted = build(auth_mode=AuthMode.DELEGATED)
    assert await restarted.operator.signed_in_user() == "olivia@contoso.test"
    await restarted.mail_client.get(INBOX)
    claims = token_claims(await restarted.operator.token())
    assert "Mail.ReadWrite.Shared" in claims["scp"].split() and "ChatMessage.Send" in claims["scp"].split()
    fake.authority.expire_all()  # Graph refuses the cached access token: the refresh token gets a new one
    await restarted.mail_client.get(INBOX)
    assert fake.authority.counts.get("refresh_token") == 1
    assert fake.authority.counts.get("urn:ietf:params:oauth:grant-type:device_code") == 1
    await restarted.operator.sign_out()
    assert await restarted.operator.signed_in_user() is None


async def test_certificate_credentials(fake, build, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EmailBot test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = tmp_path / "app.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    fake.authority.certificate_public_key = key.public_key()
    c = build(auth_mode=AuthMode.APP_CERTIFICATE, certificate_path=str(pem))
    await c.mail_client.get(INBOX)
    assert fake.authority.counts == {"client_credentials": 1}


async def test_no_secret_or_token_reaches_a_log_or_an_error(fake, build, secrets, caplog):
    caplog.set_level(logging.DEBUG)
    c = build(auth_mode=AuthMode.APP_SECRET)
    fake.mailbox.add_messages(3)
    await c.source.fetch(None, 10)
    fake.fail("/mailFolders/inbox$", expire_tokens=True)
    await c.mail_client.get(INBOX)  # 401, silent refresh
    await sign_in(c)
    await c.directory.search("ni")
    await c.permissions.validate()
    errors = []
    secrets.values[client_secret_name(CLIENT_ID)] = wrong = "Wr0ng~Secret.value-xyz"
    secrets.values = {k: v for k, v in secrets.values.items() if not k.startswith("m365:token-cache:app")}
    with pytest.raises(GraphAuthError) as failure:
        await build().mail_client.get(INBOX)
    errors.append(str(failure.value))
    assert "invalid_client" in errors[0]
    leaked = [CLIENT_SECRET, wrong, *fake.authority.tokens, *fake.authority.refresh_tokens]
    assert len(leaked) > 5
    text = caplog.text + "\n".join(errors)
    assert "Authorization" not in text
    for value in leaked:
        assert value not in text
        assert value[:24] not in text  # not even a prefix


def test_keyring_store_splits_long_values_and_cleans_up():
    backend = MemoryKeyring()
    store = KeyringSecretStore(backend=backend)
    assert isinstance(store, SecretStore) and isinstance(MemorySecretStore(), SecretStore)
    blob = "x" * (CHUNK_CHARS * 3 + 17)
    store.set("m365:token-cache", blob)
    assert store.get("m365:token-cache") == blob
    assert {service for service, _ in backend.entries} == {"EmailBot"}
    assert all(len(v) <= CHUNK_CHARS for v in backend.entries.values()) and len(backend.entries) == 5
    store.set("m365:token-cache", "short")
    assert store.get("m365:token-cache") == "short" and len(backend.entries) == 1
    store.set("m365:token-cache", blob)
    store.delete("m365:token-cache")
    assert backend.entries == {} and store.get("m365:token-cache") is None


async def test_building_the_connectors_does_no_io():
    from emailbot_gui.connectors.graph import GraphSettings, build_graph_connectors

    class Untouchable:
        def get(self, name):
            raise AssertionError("the keyring was read while building")

        set = delete = get

    settings = GraphSettings("contoso.onmicrosoft.com", "app-id", "support@contoso.example",
                             auth_mode=AuthMode.APP_SECRET)
    connectors = build_graph_connectors(settings, Untouchable())  # msal's own http client, real hosts
    assert connectors.mail_auth._app is None and connectors.operator._app is None  # built on first use
    await connectors.aclose()
