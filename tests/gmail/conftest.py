"""Fixtures for the Gmail connector tests: the fake Gmail + Google OAuth server on 127.0.0.1, settings
pointing at it, a service-account key pair, and connectors built by the real factory (closed at the end)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emailbot_gui.connectors.gmail import (
    GmailConnectors,
    GmailSettings,
    build_gmail_connectors,
    installed_app_auth,
    service_account_auth,
)
from emailbot_gui.services.connector_builders import ConnectorHooks
from tests.gmail.fake_gmail import CLIENT_ID, CLIENT_SECRET, MAILBOX, SA_EMAIL, FakeGmail


@pytest.fixture(scope="session")
def sa_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_json(key: rsa.RSAPrivateKey, email: str = SA_EMAIL) -> str:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return json.dumps({"type": "service_account", "project_id": "acme-support", "private_key_id": "k1",
                       "private_key": pem, "client_email": email, "client_id": "1122334455",
                       "token_uri": "https://oauth2.googleapis.com/token"})


@pytest.fixture
def fake(sa_private_key: rsa.RSAPrivateKey) -> Iterator[FakeGmail]:
    server = FakeGmail().start()
    server.sa_public_key = sa_private_key.public_key()
    yield server
    server.stop()


def hooks_for(fake: FakeGmail) -> ConnectorHooks:
    """The app's connector hooks pointing the Gmail builders (runtime, checks, sign-in) at the fake."""
    return ConnectorHooks(gmail_api_url=fake.api, gmail_token_url=fake.token_url,
                          gmail_authorization_url=fake.authorization_url)


def make_settings(fake: FakeGmail, **kw: Any) -> GmailSettings:
    base = GmailSettings(mailbox=MAILBOX, api_base_url=fake.api, token_url=fake.token_url,
                         authorization_url=fake.authorization_url, page_size=3, initial_sync_days=0,
                         request_timeout=5.0)
    return replace(base, **kw)


class Builder:
    """Builds connectors like a wiring layer would; closes all of them at the end of the test."""

    def __init__(self, fake: FakeGmail, sa_key: rsa.RSAPrivateKey) -> None:
        self.fake = fake
        self.sa_key = sa_key
        self.refresh_token = fake.issue_refresh_token()
        self.built: list[GmailConnectors] = []

    def __call__(self, *, service_account: bool = False, refresh_token: str | None = None, rng: Any = None,
                 sleep: Any = None, clock: Any = None, **settings: Any) -> GmailConnectors:
        s = make_settings(self.fake, **settings)
        auth = service_account_auth(s, key_json(self.sa_key)) if service_account else installed_app_auth(
            s, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
            refresh_token=self.refresh_token if refresh_token is None else refresh_token)
        extra = {"clock": clock} if clock is not None else {}
        connectors = build_gmail_connectors(s, auth, rng=rng, sleep=sleep, **extra)
        self.built.append(connectors)
        return connectors

    async def close(self) -> None:
        for connectors in self.built:
            await connectors.aclose()


@pytest.fixture
async def build(fake: FakeGmail, sa_private_key: rsa.RSAPrivateKey) -> AsyncIterator[Builder]:
    builder = Builder(fake, sa_private_key)
    yield builder
    await builder.close()
