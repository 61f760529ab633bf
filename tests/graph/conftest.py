"""Fixtures for the Graph connector tests: the fake Graph server on 127.0.0.1, msal pointed at the fake
authority through msal's `http_client` hook, settings for it, and connectors built by the real factory
with an in-memory SecretStore (never the OS keyring)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from emailbot_gui.connectors.graph import (
    AuthMode,
    GraphConnectors,
    GraphSettings,
    MemorySecretStore,
    build_graph_connectors,
    client_secret_name,
)
from tests.graph.fake_authority import PUBLIC_HOST
from tests.graph.fake_graph import CLIENT_ID, CLIENT_SECRET, MAILBOX, TENANT, FakeGraph


class LocalAuthorityHttp:
    """msal's documented `http_client` hook: requests for the authority host go to the fake server."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._client = httpx.Client(timeout=10)

    def _url(self, url: str) -> str:
        return url.replace(PUBLIC_HOST, self.target, 1)

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kw: Any) -> httpx.Response:
        if isinstance(data, dict):  # requests (msal's default) sends bytes values as-is; httpx would repr them
            data = {k: v.decode() if isinstance(v, bytes) else v for k, v in data.items()}
        body = {"content": data} if isinstance(data, str | bytes) else {"data": data}
        return self._client.post(self._url(url), params=params, headers=headers, **body)

    def get(self, url: str, params: Any = None, headers: Any = None, **kw: Any) -> httpx.Response:
        return self._client.get(self._url(url), params=params, headers=headers)

    def close(self) -> None:
        self._client.close()


class MemoryKeyring:
    """A keyring backend object (keyring's get/set/delete_password API) in memory; passed explicitly, so
    nothing is registered with keyring globally and the OS keyring is never touched."""

    priority = 1

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.entries.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.entries[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, name) not in self.entries:
            raise PasswordDeleteError(name)
        del self.entries[(service, name)]


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    server = FakeGraph().start()
    yield server
    server.stop()


@pytest.fixture
def msal_http(fake: FakeGraph) -> Iterator[LocalAuthorityHttp]:
    http = LocalAuthorityHttp(fake.url)
    yield http
    http.close()


@pytest.fixture
def secrets() -> MemorySecretStore:
    return MemorySecretStore({client_secret_name(CLIENT_ID): CLIENT_SECRET})


def make_settings(fake: FakeGraph, **kw: Any) -> GraphSettings:
    base = GraphSettings(tenant_id=TENANT, client_id=CLIENT_ID, target_mailbox=MAILBOX,
                         auth_mode=AuthMode.APP_SECRET, authority_host=PUBLIC_HOST, graph_endpoint=fake.url,
                         page_size=10, initial_sync_days=0, request_timeout=5.0)
    return replace(base, **kw)


class Builder:
    """Builds connectors like the app does; closes all of them at the end of the test."""

    def __init__(self, fake: FakeGraph, secrets: MemorySecretStore, msal_http: LocalAuthorityHttp) -> None:
        self.fake, self.secrets, self.msal_http = fake, secrets, msal_http
        self.built: list[GraphConnectors] = []

    def __call__(self, *, rng: Any = None, sleep: Any = None, clock: Any = None, **settings: Any) -> GraphConnectors:
        extra = {"clock": clock} if clock is not None else {}
        connectors = build_graph_connectors(make_settings(self.fake, **settings), self.secrets,
                                            msal_http_client=self.msal_http, rng=rng, sleep=sleep, **extra)
        self.built.append(connectors)
        return connectors

    async def close(self) -> None:
        for connectors in self.built:
            await connectors.aclose()


@pytest.fixture
async def build(fake: FakeGraph, secrets: MemorySecretStore, msal_http: LocalAuthorityHttp
                ) -> AsyncIterator[Builder]:
    builder = Builder(fake, secrets, msal_http)
    yield builder
    await builder.close()


async def sign_in(connectors: GraphConnectors) -> str:
    prompt = await connectors.operator.start_device_code()
    return await connectors.operator.finish_device_code(prompt)
