"""Builds the Microsoft 365 connectors from `GraphSettings` and a `SecretStore`: the mail source, the
ActionSink (replies + Teams), the directory search, the mailbox helper and the permission validator.

Nothing here does I/O: msal apps are built, and secrets read, in a worker thread on the first token
request. Two connections: the mail one (app-only or delegated, per settings) and the operator's delegated
one for Teams and the directory; in delegated mode both use the same sign-in."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from emailbot_gui.connectors.graph.auth import (
    DELEGATED_MAIL_SCOPES,
    DELEGATED_TEAMS_SCOPES,
    AppOnlyAuth,
    Credential,
    DelegatedAuth,
    certificate_credential,
)
from emailbot_gui.connectors.graph.config import AuthMode, GraphSettings
from emailbot_gui.connectors.graph.directory import DirectorySearch
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.connectors.graph.mail_source import IMMUTABLE_IDS, GraphMailSource
from emailbot_gui.connectors.graph.mailbox import GraphMailbox
from emailbot_gui.connectors.graph.permissions import PermissionValidator
from emailbot_gui.connectors.graph.reply_transport import GraphReplyTransport
from emailbot_gui.connectors.graph.sink import GraphActionSink
from emailbot_gui.connectors.graph.teams import TeamsEscalator
from emailbot_gui.connectors.graph.token_cache import (
    PersistedTokenCache,
    SecretStore,
    certificate_passphrase_name,
    client_secret_name,
    token_cache_name,
)
from emailbot_gui.connectors.paced_client import Sleep


@dataclass
class GraphConnectors:
    settings: GraphSettings
    source: GraphMailSource
    sink: GraphActionSink
    mailbox: GraphMailbox
    directory: DirectorySearch
    permissions: PermissionValidator
    mail_auth: AppOnlyAuth | DelegatedAuth
    operator: DelegatedAuth  # the operator's sign-in (UI: sign in / out, device code)
    mail_client: GraphClient
    operator_client: GraphClient
    _closed: bool = field(default=False, repr=False)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self.mail_client.aclose()
            await self.operator_client.aclose()
            self.mail_auth.close()
            if self.operator is not self.mail_auth:
                self.operator.close()


def build_graph_connectors(settings: GraphSettings, secrets: SecretStore, *, client_secret: str | None = None,
                           msal_http_client: Any = None, transport: httpx.AsyncBaseTransport | None = None,
                           rng: random.Random | None = None, sleep: Sleep | None = None,
                           clock: Callable[[], float] = time.time) -> GraphConnectors:
    """`client_secret` overrides the stored one (e.g. from EMAILBOT_M365_CLIENT_SECRET); `msal_http_client`,
    `transport`, `rng`, `sleep` and `clock` are for tests and special networks (msal's http_client hook)."""
    settings = settings.validate()
    delegated_scopes: tuple[str, ...] = DELEGATED_TEAMS_SCOPES
    if settings.auth_mode is AuthMode.DELEGATED:
        delegated_scopes = (*DELEGATED_MAIL_SCOPES, *DELEGATED_TEAMS_SCOPES)
    operator = DelegatedAuth(settings, PersistedTokenCache(
        secrets, token_cache_name(settings.client_id, settings.tenant_id, "delegated")), delegated_scopes,
        http_client=msal_http_client)
    mail_auth: AppOnlyAuth | DelegatedAuth = operator
    if settings.auth_mode.app_only:
        mail_auth = AppOnlyAuth(settings, _credential(settings, secrets, client_secret), PersistedTokenCache(
            secrets, token_cache_name(settings.client_id, settings.tenant_id, "app")), http_client=msal_http_client)

    def client(auth: AppOnlyAuth | DelegatedAuth, prefer: tuple[str, ...]) -> GraphClient:
        return GraphClient(settings.graph_base_url, auth, max_concurrency=settings.max_concurrency,
                           timeout=settings.request_timeout, max_attempts=settings.max_attempts,
                           max_wait=settings.max_wait_seconds, prefer=prefer, transport=transport, rng=rng,
                           sleep=sleep)

    mail_client = client(mail_auth, (IMMUTABLE_IDS,))  # every mailbox request: ids that survive moves
    operator_client = client(operator, ())
    mailbox = GraphMailbox(mail_client, settings.target_mailbox)
    source = GraphMailSource(mail_client, settings.target_mailbox, folder=settings.mail_folder,
                             page_size=settings.page_size, expand_attachments=settings.expand_attachments,
                             initial_sync_days=settings.initial_sync_days, name=settings.source_name)
    replies = GraphReplyTransport(mail_client, settings.target_mailbox, grace_seconds=settings.send_grace_seconds,
                                  clock=clock)
    teams = TeamsEscalator(operator_client, mailbox=mailbox, clock=clock)
    permissions = PermissionValidator(settings, mail_client=mail_client, mail_auth=mail_auth,
                                      teams_client=operator_client, teams_auth=operator)
    return GraphConnectors(settings=settings, source=source, sink=GraphActionSink(replies, teams), mailbox=mailbox,
                           directory=DirectorySearch(operator_client), permissions=permissions,
                           mail_auth=mail_auth, operator=operator, mail_client=mail_client,
                           operator_client=operator_client)


def _credential(settings: GraphSettings, secrets: SecretStore, override: str | None) -> Callable[[], Credential]:
    def load() -> Credential:  # runs in the worker thread (keyring and file access block)
        if settings.auth_mode is AuthMode.APP_CERTIFICATE:
            return certificate_credential(Path(settings.certificate_path), thumbprint=settings.certificate_thumbprint,
                                          passphrase=secrets.get(certificate_passphrase_name(settings.client_id)))
        return override or secrets.get(client_secret_name(settings.client_id)) or ""

    return load
