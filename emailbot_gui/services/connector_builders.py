"""Connectors built from `Settings` and a `SecretStore`: Microsoft 365 (Graph), an IMAP/SMTP mailbox, Gmail,
Salesforce, HubSpot, the customer database and the OpenAI classifier. The runtime, the integration checks
(wizard, doctor) and the settings dialog's apply all build them here, so a test connection exercises exactly
what will run.

Secrets are read from the store in a worker thread (keyring calls block) and handed straight to the
connector; none is kept here. An integration that lacks a setting or a secret raises `NotConfigured`
naming what is missing and where to set it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from emailbot_gui.config.secrets import (
    CUSTOMER_DB_PASSWORD,
    GMAIL_CLIENT_SECRET,
    GMAIL_REFRESH_TOKEN,
    GMAIL_SERVICE_ACCOUNT_KEY,
    HUBSPOT_TOKEN,
    IMAP_PASSWORD,
    OPENAI_API_KEY,
    SMTP_PASSWORD,
    SecretStore,
    salesforce_secret_name,
)
from emailbot_gui.config.settings import Settings

if TYPE_CHECKING:
    import httpx

    from emailbot_gui.classify.base import Classifier
    from emailbot_gui.classify.openai_classifier import ContextLookup, OpenAIClassifier
    from emailbot_gui.classify.usage import UsageMeter
    from emailbot_gui.connectors.customer_db import CustomerDatabaseSource, CustomerSchema
    from emailbot_gui.connectors.gmail import GmailConnectors, GmailSettings
    from emailbot_gui.connectors.gmail.factory import GmailAuth
    from emailbot_gui.connectors.graph import GraphConnectors, GraphSettings
    from emailbot_gui.connectors.hubspot import HubSpotSource
    from emailbot_gui.connectors.imap import ImapMailSource, ImapSettings, ImapSmtpActionSink
    from emailbot_gui.connectors.salesforce import SalesforceSource

CONTEXT_TIMEOUT_CAP = 10.0  # context sources answer within this, so the CRM panel stays quick
REASONING_MODEL_PREFIXES = ("o1", "o3", "o4", "gpt-5")  # want max_completion_tokens and no temperature


class NotConfigured(Exception):
    """An integration cannot be built: the message names the missing setting or secret; `fix` says where
    to set it."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True, slots=True)
class ConnectorHooks:
    """What tests (and special networks) inject into the connectors; production passes none.

    `msal_http_client`: msal's documented `http_client` hook (requests to the sign-in authority);
    `graph_transport`: an httpx transport for Graph calls;
    `gmail_api_url`, `gmail_token_url`, `gmail_authorization_url`: Google's endpoints elsewhere (empty: Google's);
    `gmail_transport`: an httpx transport for the Gmail API and Google's token endpoint."""

    msal_http_client: Any = None
    graph_transport: httpx.AsyncBaseTransport | None = None
    gmail_api_url: str = ""
    gmail_token_url: str = ""
    gmail_authorization_url: str = ""
    gmail_transport: httpx.AsyncBaseTransport | None = None


NO_HOOKS = ConnectorHooks()


async def read_secret(secrets: SecretStore, name: str) -> str | None:
    return await asyncio.to_thread(secrets.get, name)


def context_timeout(settings: Settings) -> float:
    return min(settings.request_timeout, CONTEXT_TIMEOUT_CAP)


# ---- Microsoft 365 -------------------------------------------------------------------------------------

def graph_settings(settings: Settings) -> GraphSettings:
    """The Microsoft 365 connection's settings (raises NotConfigured when a required one is missing)."""
    from emailbot_gui.connectors.graph import CLOUDS, AuthMode, GraphSettings, GraphSettingsError

    cloud = CLOUDS[settings.m365_cloud]
    try:
        return GraphSettings(
            tenant_id=settings.m365_tenant_id, client_id=settings.m365_client_id,
            target_mailbox=settings.target_mailbox, auth_mode=AuthMode(settings.m365_auth_mode),
            authority_host=settings.m365_authority_host or cloud.authority_host,
            graph_endpoint=settings.m365_graph_endpoint or cloud.graph_endpoint,
            certificate_path=settings.m365_certificate_path, request_timeout=settings.request_timeout,
            max_attempts=max(1, min(20, settings.max_retries + 2))).validate()
    except GraphSettingsError as exc:
        raise NotConfigured(str(exc), "Settings → Microsoft 365 (or EMAILBOT_M365_* variables).") from None


def build_graph(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks = NO_HOOKS) -> GraphConnectors:
    """Graph connectors (no I/O here: msal apps are built, and secrets read, on the first token request)."""
    from emailbot_gui.connectors.graph import build_graph_connectors

    return build_graph_connectors(graph_settings(settings), secrets, msal_http_client=hooks.msal_http_client,
                                  transport=hooks.graph_transport)


# ---- IMAP / SMTP ---------------------------------------------------------------------------------------

def imap_settings(settings: Settings) -> ImapSettings:
    """The IMAP/SMTP mailbox's settings (raises NotConfigured naming what is missing or wrong)."""
    from emailbot_gui.connectors.imap import ImapSettings, ImapSettingsError, Security

    try:
        return ImapSettings(
            imap_host=settings.imap_host, imap_port=settings.imap_port, imap_security=Security(settings.imap_security),
            username=settings.imap_username, folder=settings.imap_folder, address=settings.imap_address,
            smtp_host=settings.smtp_host, smtp_port=settings.smtp_port,
            smtp_security=Security(settings.smtp_security), smtp_username=settings.smtp_username,
            sent_folder=settings.imap_sent_folder, append_sent=settings.imap_append_sent,
            ca_file=settings.imap_ca_file, allow_plaintext=settings.imap_allow_plaintext,
            request_timeout=settings.request_timeout).validate()
    except (ImapSettingsError, ValueError) as exc:
        raise NotConfigured(str(exc), "Settings → Mail source → IMAP / SMTP (or EMAILBOT_IMAP_* and EMAILBOT_SMTP_* "
                                      "variables).") from None


def imap_passwords(secrets: SecretStore) -> tuple[Callable[[], str], Callable[[], str]]:
    """Loaders of the IMAP and SMTP passwords (SMTP: its own if set, else the IMAP one). The connectors call
    them in their worker threads when a connection opens, so a password changed in the keyring is used at
    once and none is kept in memory."""

    def imap() -> str:
        return secrets.get(IMAP_PASSWORD) or ""

    def smtp() -> str:
        return secrets.get(SMTP_PASSWORD) or secrets.get(IMAP_PASSWORD) or ""

    return imap, smtp


def build_imap(settings: Settings, secrets: SecretStore) -> tuple[ImapMailSource, ImapSmtpActionSink]:
    """The IMAP folder as the mail source and SMTP as the action sink (no I/O here)."""
    from emailbot_gui.connectors.imap import ImapMailSource, ImapSmtpActionSink

    config = imap_settings(settings)
    imap_password, smtp_password = imap_passwords(secrets)
    return ImapMailSource(config, imap_password), ImapSmtpActionSink(config, imap_password, smtp_password)


# ---- Gmail / Google Workspace --------------------------------------------------------------------------

GMAIL_WHERE = "Settings → Mail source → Gmail"


def gmail_settings(settings: Settings, hooks: ConnectorHooks = NO_HOOKS) -> GmailSettings:
    """The Gmail connection's settings (raises NotConfigured naming what is missing or wrong)."""
    from emailbot_gui.connectors.gmail import GmailSettings, GmailSettingsError

    config = GmailSettings(mailbox=settings.gmail_mailbox, label=settings.gmail_label,
                           initial_sync_days=settings.gmail_initial_sync_days, request_timeout=settings.request_timeout,
                           max_attempts=max(1, min(20, settings.max_retries + 2)))
    config = replace(config, api_base_url=hooks.gmail_api_url or config.api_base_url,
                     token_url=hooks.gmail_token_url or config.token_url,
                     authorization_url=hooks.gmail_authorization_url or config.authorization_url)
    try:
        return config.validate()
    except GmailSettingsError as exc:
        raise NotConfigured(str(exc), f"{GMAIL_WHERE} (or EMAILBOT_GMAIL_* variables).") from None


async def build_gmail(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks = NO_HOOKS) -> GmailConnectors:
    """The Gmail label as the mail source and Gmail's send as the action sink (escalations are emails).
    Secrets are read here; a missing sign-in is not an error yet: the check and the first poll report it."""
    from emailbot_gui.connectors.gmail import (
        GmailAuthError,
        build_gmail_connectors,
        installed_app_auth,
        service_account_auth,
    )

    config = gmail_settings(settings, hooks)
    if settings.gmail_auth_mode == "service_account":
        key = await read_secret(secrets, GMAIL_SERVICE_ACCOUNT_KEY)
        if not key:
            raise NotConfigured("the Google service account key is not set",
                                f"{GMAIL_WHERE}: choose the key file (or EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY).")
        try:
            auth: GmailAuth = service_account_auth(config, key, transport=hooks.gmail_transport)
        except GmailAuthError as exc:
            raise NotConfigured(f"the Google service account key is unusable: {exc}",
                                f"{GMAIL_WHERE}: choose the JSON key file again.") from None
    else:
        if not settings.gmail_client_id:
            raise NotConfigured("setting 'gmail_client_id' is not set (the Desktop OAuth client's id)",
                                f"{GMAIL_WHERE} (or EMAILBOT_GMAIL_CLIENT_ID).")
        client_secret = await read_secret(secrets, GMAIL_CLIENT_SECRET)
        if not client_secret:
            raise NotConfigured("the Google client secret is not set",
                                f"{GMAIL_WHERE}: enter the OAuth client's secret (or EMAILBOT_GMAIL_CLIENT_SECRET).")

        async def save_refresh_token(token: str) -> None:  # Google rotated it: the old one stops working
            await asyncio.to_thread(secrets.set, GMAIL_REFRESH_TOKEN, token)

        auth = installed_app_auth(config, client_id=settings.gmail_client_id, client_secret=client_secret,
                                  refresh_token=await read_secret(secrets, GMAIL_REFRESH_TOKEN) or "",
                                  save_refresh_token=save_refresh_token, transport=hooks.gmail_transport)
    return build_gmail_connectors(config, auth, transport=hooks.gmail_transport)


# ---- CRM -----------------------------------------------------------------------------------------------

async def build_salesforce(settings: Settings, secrets: SecretStore) -> SalesforceSource:
    from emailbot_gui.connectors.crm_actions import Secret
    from emailbot_gui.connectors.salesforce import SalesforceSource
    from emailbot_gui.connectors.salesforce_auth import SalesforceSettings

    where = "Settings → CRM → Salesforce"
    if not settings.salesforce_token_url or not settings.salesforce_client_id:
        raise NotConfigured("Salesforce needs a token URL (your My Domain) and a client id", where + ".")
    secret = await read_secret(secrets, salesforce_secret_name(settings.salesforce_client_id))
    if not secret:
        raise NotConfigured("the Salesforce client secret is not set",
                            f"{where}: enter the connected app's client secret (or EMAILBOT_SALESFORCE_CLIENT_SECRET).")
    try:
        sf = SalesforceSettings(token_url=settings.salesforce_token_url, client_id=settings.salesforce_client_id,
                                instance_url=settings.salesforce_instance_url,
                                api_version=settings.salesforce_api_version, timeout=context_timeout(settings))
        return SalesforceSource(sf, Secret(secret))
    except ValueError as exc:
        raise NotConfigured(str(exc), where + ".") from None


async def build_hubspot(settings: Settings, secrets: SecretStore) -> HubSpotSource:
    from emailbot_gui.connectors.crm_actions import Secret
    from emailbot_gui.connectors.hubspot import HubSpotSource
    from emailbot_gui.connectors.hubspot_client import API_KEY_RETIRED, HubSpotSettings

    where = "Settings → CRM → HubSpot"
    token = await read_secret(secrets, HUBSPOT_TOKEN)
    if not token:
        raise NotConfigured("the HubSpot private app access token is not set",
                            f"{where}: {API_KEY_RETIRED} (or EMAILBOT_HUBSPOT_ACCESS_TOKEN).")
    values: dict[str, Any] = {"ticket_pipeline": settings.hubspot_ticket_pipeline,
                              "ticket_stage": settings.hubspot_ticket_stage, "timeout": context_timeout(settings),
                              "marker_property": ""}  # a custom property would have to exist in HubSpot first
    if settings.hubspot_base_url:
        values["base_url"] = settings.hubspot_base_url
    try:
        return HubSpotSource(HubSpotSettings(**values), Secret(token))
    except ValueError as exc:  # e.g. an old API key instead of a private app token
        raise NotConfigured(str(exc), where + ".") from None


def customer_schema(mapping: Mapping[str, Any]) -> CustomerSchema:
    """The CustomerSchema of the settings' mapping; `columns`, when given, is the complete column mapping."""
    from emailbot_gui.connectors.customer_db import CustomerSchema

    known = {f.name for f in fields(CustomerSchema)}
    values = {k: v for k, v in mapping.items() if k in known}
    try:
        return CustomerSchema(**values).validate()
    except (TypeError, ValueError) as exc:
        raise NotConfigured(f"customer database mapping: {exc}",
                            "Settings → CRM → Customer database → table and column names.") from None


async def build_customer_db(settings: Settings, secrets: SecretStore) -> CustomerDatabaseSource:
    from emailbot_gui.connectors.crm_actions import Secret
    from emailbot_gui.connectors.customer_db import CustomerDatabaseSource, CustomerDbSettings

    if not settings.customer_db_url:
        raise NotConfigured("the customer database URL is not set",
                            "Settings → CRM → Customer database (e.g. postgresql+asyncpg://user@host/db).")
    password = await read_secret(secrets, CUSTOMER_DB_PASSWORD)
    db = CustomerDbSettings(url=settings.customer_db_url, schema=customer_schema(settings.customer_db_mapping),
                            allow_create_ticket=settings.customer_db_allow_create_ticket,
                            statement_timeout=context_timeout(settings) / 2)
    try:
        return CustomerDatabaseSource.from_settings(db, Secret(password) if password else None)
    except Exception as exc:  # no driver for the URL, a malformed URL
        raise NotConfigured(f"the customer database cannot be opened: {type(exc).__name__}: {exc}",
                            "Check the URL's driver (postgresql+asyncpg://, sqlite+aiosqlite:///).") from None


# ---- AI ------------------------------------------------------------------------------------------------

def openai_config(settings: Settings) -> Any:
    from emailbot_gui.classify.openai_classifier import OpenAIConfig

    reasoning = settings.openai_model.startswith(REASONING_MODEL_PREFIXES)
    return OpenAIConfig(model=settings.openai_model, base_url=settings.openai_base_url,
                        max_tokens=settings.openai_max_tokens,
                        temperature=None if reasoning else settings.openai_temperature,
                        token_parameter="max_completion_tokens" if reasoning else "max_tokens",
                        timeout=settings.request_timeout, max_attempts=max(1, settings.max_retries + 1),
                        max_concurrency=max(2, settings.classify_concurrency * 2),
                        context_timeout=context_timeout(settings)).validate()


async def openai_key(settings: Settings, secrets: SecretStore) -> str:
    key = await read_secret(secrets, OPENAI_API_KEY) or ""
    if not key and not settings.openai_base_url:
        raise NotConfigured("the OpenAI API key is not set",
                            "Settings → AI: enter the key (or EMAILBOT_OPENAI_API_KEY).")
    return key


async def build_openai(settings: Settings, secrets: SecretStore, fallback: Classifier, *,
                       meter: UsageMeter | None = None, context: ContextLookup | None = None) -> OpenAIClassifier:
    """The AI classifier; every email it cannot classify goes to `fallback` (the local model)."""
    from emailbot_gui.classify.openai_classifier import OpenAIClassifier

    key = await openai_key(settings, secrets)
    return OpenAIClassifier(openai_config(settings), key, fallback, meter=meter, context=context)
