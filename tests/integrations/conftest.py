"""Fixtures for the setup tests: the real-wire-format fakes of Microsoft Graph (with its identity platform),
Salesforce and HubSpot on 127.0.0.1, an in-memory keyring backend (never the OS keyring), and Settings
that point the app at those fakes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from emailbot_gui.config.secrets import (
    EnvSecretStore,
    client_secret_name,
    open_secret_store,
    salesforce_secret_name,
)
from emailbot_gui.config.settings import Settings
from emailbot_gui.services.connector_builders import ConnectorHooks
from tests.crm.conftest import hs_fake, sf_fake  # noqa: F401  (fixtures)
from tests.graph.conftest import LocalAuthorityHttp, MemoryKeyring, fake, msal_http  # noqa: F401  (fixtures)
from tests.graph.fake_authority import PUBLIC_HOST
from tests.graph.fake_graph import CLIENT_ID, CLIENT_SECRET, MAILBOX, TENANT, FakeGraph


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def secrets(keyring_backend: MemoryKeyring) -> EnvSecretStore:
    return open_secret_store(backend=keyring_backend, environ={})


@pytest.fixture
def hooks(msal_http: LocalAuthorityHttp) -> ConnectorHooks:  # noqa: F811
    return ConnectorHooks(msal_http_client=msal_http)


def m365_settings(graph: FakeGraph, **overrides: Any) -> Settings:
    """Microsoft 365 (app-only, client secret) against the fake Graph and its fake authority."""
    base = Settings(mail_source="m365", m365_tenant_id=TENANT, m365_client_id=CLIENT_ID, target_mailbox=MAILBOX,
                    m365_auth_mode="app_secret", m365_authority_host=PUBLIC_HOST, m365_graph_endpoint=graph.url,
                    request_timeout=5.0, operator_name="Tester", setup_done=True,
                    undo_seconds=0)  # these tests follow a decision to its delivery at once
    return replace(base, **overrides)


def salesforce_settings(fake_sf: Any) -> dict[str, Any]:
    return {"salesforce_enabled": True, "salesforce_token_url": f"{fake_sf.base_url}/services/oauth2/token",
            "salesforce_client_id": fake_sf.client_id}


def hubspot_settings(fake_hs: Any) -> dict[str, Any]:
    return {"hubspot_enabled": True, "hubspot_base_url": fake_hs.base_url}


def store_m365_secret(secrets: EnvSecretStore) -> None:
    secrets.set(client_secret_name(CLIENT_ID), CLIENT_SECRET)


def store_salesforce_secret(secrets: EnvSecretStore, fake_sf: Any) -> None:
    secrets.set(salesforce_secret_name(fake_sf.client_id), fake_sf.client_secret)


def from_dana(graph: FakeGraph, subject: str = "VPN keeps dropping") -> str:
    """A message in the fake mailbox from the contact the fake CRMs know (dana@northwind.example)."""
    [mid] = graph.mailbox.add_messages(1, subject=subject,
                                       body_html="<p>Since this morning the VPN disconnects every few minutes.</p>")
    who = {"emailAddress": {"name": "Dana Whitfield", "address": "dana@northwind.example"}}
    with graph.mailbox.lock:
        graph.mailbox.messages[mid]["from"] = who
        graph.mailbox.messages[mid]["sender"] = who
    return mid
