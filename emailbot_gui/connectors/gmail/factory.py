"""Builds the Gmail connectors from `GmailSettings` and a token provider: the mail source, the ActionSink and
the mailbox that marks handled mail, over one API client. Nothing here does I/O. The auth helpers put the
settings' token endpoint into the two token providers; the secrets come from the caller (the keyring in
production)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from emailbot_gui.connectors.gmail.auth import (
    InstalledAppAuth,
    RefreshTokenSaver,
    ServiceAccountAuth,
    ServiceAccountKey,
)
from emailbot_gui.connectors.gmail.check import GmailCheck, check_gmail
from emailbot_gui.connectors.gmail.config import GmailSettings
from emailbot_gui.connectors.gmail.http import GmailClient
from emailbot_gui.connectors.gmail.mail_source import GmailMailSource
from emailbot_gui.connectors.gmail.mailbox import GmailMailbox
from emailbot_gui.connectors.gmail.sink import GmailActionSink
from emailbot_gui.connectors.paced_client import Sleep

GmailAuth = InstalledAppAuth | ServiceAccountAuth


@dataclass
class GmailConnectors:
    settings: GmailSettings
    auth: GmailAuth
    client: GmailClient
    source: GmailMailSource
    sink: GmailActionSink
    mailbox: GmailMailbox
    _closed: bool = field(default=False, repr=False)

    async def check(self) -> GmailCheck:
        return await check_gmail(self.client, self.auth, self.settings.mailbox)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self.client.aclose()


def build_gmail_connectors(settings: GmailSettings, auth: GmailAuth, *,
                           transport: httpx.AsyncBaseTransport | None = None, rng: random.Random | None = None,
                           sleep: Sleep | None = None, clock: Callable[[], float] = time.time) -> GmailConnectors:
    settings = settings.validate()
    client = GmailClient(settings.api_base_url, auth, max_concurrency=settings.max_concurrency,
                         timeout=settings.request_timeout, max_attempts=settings.max_attempts,
                         max_wait=settings.max_wait_seconds, transport=transport, rng=rng, sleep=sleep)
    source = GmailMailSource(client, settings.mailbox, label=settings.label, page_size=settings.page_size,
                             initial_sync_days=settings.initial_sync_days,
                             max_message_bytes=settings.max_message_bytes, name=settings.source_name)
    sink = GmailActionSink(client, settings.mailbox, grace_seconds=settings.send_grace_seconds, clock=clock)
    return GmailConnectors(settings, auth, client, source, sink, GmailMailbox(client, settings.mailbox))


def installed_app_auth(settings: GmailSettings, *, client_id: str, client_secret: str, refresh_token: str,
                       save_refresh_token: RefreshTokenSaver | None = None,
                       transport: httpx.AsyncBaseTransport | None = None) -> InstalledAppAuth:
    return InstalledAppAuth(client_id, client_secret, refresh_token, token_url=settings.token_url,
                            save_refresh_token=save_refresh_token, timeout=settings.request_timeout,
                            transport=transport)


def service_account_auth(settings: GmailSettings, key_json: str | Mapping[str, Any], *,
                         transport: httpx.AsyncBaseTransport | None = None) -> ServiceAccountAuth:
    """Acts as `settings.mailbox` through domain-wide delegation."""
    return ServiceAccountAuth(ServiceAccountKey.from_json(key_json), settings.mailbox, token_url=settings.token_url,
                              timeout=settings.request_timeout, transport=transport)
