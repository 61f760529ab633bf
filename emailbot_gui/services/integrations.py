"""Checks that each integration really works, with the settings and secrets given (saved or only typed):
Microsoft 365 permissions (without side effects), an IMAP/SMTP mailbox (sign in to both, nothing sent), a
Gmail mailbox (a token, its scopes, the mailbox's profile; nothing sent), one small OpenAI call, a Salesforce
token and its API limits, a HubSpot token and a search, the customer database's connection and mapped tables
and columns.

`test_integration` never raises: every failure becomes a `Check` with status "failing", the reason and
the fix in words. The wizard's "Test connection", `emailbot doctor` and the health monitor all use it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from emailbot_gui.config.secrets import SecretStore
from emailbot_gui.config.settings import MAIL_SOURCE_LABELS, Settings
from emailbot_gui.services.checks import FAILING, OK, SKIPPED, WARNING, Check
from emailbot_gui.services.connector_builders import (
    NO_HOOKS,
    ConnectorHooks,
    NotConfigured,
    build_customer_db,
    build_gmail,
    build_graph,
    build_hubspot,
    build_salesforce,
    imap_passwords,
    imap_settings,
    openai_config,
    openai_key,
)

__all__ = ["INTEGRATIONS", "LABELS", "Check", "enabled_integrations", "integration_label", "test_integration"]

log = logging.getLogger(__name__)

INTEGRATIONS: tuple[str, ...] = ("mail", "openai", "salesforce", "hubspot", "customer_db", "teams")
LABELS = {"mail": "Mail source", "openai": "OpenAI", "salesforce": "Salesforce", "hubspot": "HubSpot",
          "customer_db": "Customer database", "teams": "Teams escalation"}
LOW_API_SHARE = 0.1  # warn when less than this share of Salesforce's daily API requests is left
PROBE_ADDRESS = "emailbot-connection-test@example.invalid"  # searched for, never written


def integration_label(name: str, settings: Settings) -> str:
    if name == "mail":
        return MAIL_SOURCE_LABELS.get(settings.mail_source, "Mail source")
    return LABELS.get(name, name)


def enabled_integrations(settings: Settings) -> list[str]:
    """The integrations the settings switch on (the mail source always is)."""
    switches = {"mail": True, "openai": settings.openai_enabled, "salesforce": settings.salesforce_enabled,
                "hubspot": settings.hubspot_enabled, "customer_db": settings.customer_db_enabled,
                "teams": settings.teams_escalation_enabled}
    return [name for name in INTEGRATIONS if switches[name]]


async def test_integration(name: str, settings: Settings, secrets: SecretStore, *, timeout: float = 20,
                           hooks: ConnectorHooks = NO_HOOKS) -> list[Check]:
    """The checks of one integration (see the module docstring); never raises."""
    label = integration_label(name, settings)
    runners: dict[str, Callable[[Settings, SecretStore, ConnectorHooks], Awaitable[list[Check]]]] = {
        "mail": _mail, "openai": _openai, "salesforce": _salesforce, "hubspot": _hubspot,
        "customer_db": _customer_db, "teams": _teams}
    runner = runners.get(name)
    if runner is None:
        return [Check(label, FAILING, f"unknown integration {name!r}", f"One of {', '.join(INTEGRATIONS)}.")]
    try:
        return await asyncio.wait_for(runner(settings, secrets, hooks), timeout)
    except TimeoutError:
        return [Check(label, FAILING, f"no answer within {timeout:g} s",
                      "Check the address and that this computer can reach the service (proxy, firewall).")]
    except NotConfigured as exc:
        return [Check(label, FAILING, str(exc), exc.fix)]
    except Exception as exc:  # a check reports; it never takes the caller down
        log.info("the %s check failed: %s", name, _reason(exc))
        return [Check(label, FAILING, _reason(exc), "")]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---- mail and Teams (Microsoft 365) --------------------------------------------------------------------

async def _mail(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    label = integration_label("mail", settings)
    if settings.mail_source == "demo":
        return [Check(label, OK, "the shipped demo mail; nothing leaves this computer")]
    if settings.mail_source == "imap":
        return await _imap(settings, secrets)
    if settings.mail_source == "gmail":
        return await _gmail(settings, secrets, hooks)
    return await _m365("mail", settings, secrets, hooks)


async def _imap(settings: Settings, secrets: SecretStore) -> list[Check]:
    from emailbot_gui.connectors.imap import MailConnectionError, MailSignInError, check_connection

    steps = await check_connection(imap_settings(settings), *imap_passwords(secrets))
    checks = []
    for step in steps:
        fix = ""
        if isinstance(step.error, MailSignInError):
            fix = ("Check the user name and password (Settings → Mail source). Gmail and other providers with "
                   "two-step sign-in need an app password.")
        elif isinstance(step.error, MailConnectionError):
            fix = ("Check the host, the port and the security (ssl: 993 / 465, starttls: 143 / 587), and that "
                   "this computer can reach the server (proxy, firewall).")
        elif step.error is not None:
            fix = "Check the folder names in Settings → Mail source."
        checks.append(Check(step.name, OK if step.ok else FAILING, step.detail, fix))
    return checks


async def _gmail(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    connectors = await build_gmail(settings, secrets, hooks)
    try:
        result = await connectors.check()
    finally:
        await connectors.aclose()
    service_account = settings.gmail_auth_mode == "service_account"
    if result.ok:
        fix = ""
    elif result.missing_scopes and service_account:
        fix = ("In the Google Admin console (Security → API controls → Domain-wide delegation), allow the service "
               "account's client id for: " + ", ".join(result.missing_scopes))
    elif result.missing_scopes:
        fix = ("Sign in with Google again (Settings → Mail source → Gmail) and allow every access asked for: "
               + ", ".join(result.missing_scopes))
    elif result.needs_sign_in and service_account:
        fix = ("Check the domain-wide delegation of the service account for this mailbox (docs/gmail.md), and that "
               "the mailbox address is a user of the Workspace domain.")
    elif result.needs_sign_in:
        fix = "Sign in with Google (Settings → Mail source → Gmail) with the mailbox's own account."
    else:
        fix = ("Check the mailbox address, that the Gmail API is enabled in the Google Cloud project, and that this "
               "computer can reach googleapis.com (proxy, firewall).")
    return [Check("Gmail", OK if result.ok else FAILING, result.summary, fix)]


async def _teams(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    if not (settings.m365_tenant_id and settings.m365_client_id):
        return [Check("Teams escalation", FAILING, "Teams escalation needs the Microsoft 365 connection",
                      "Settings → Microsoft 365: enter the tenant id and the client id.")]
    return await _m365("teams", settings, secrets, hooks)


async def _m365(part: str, settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    from emailbot_gui.connectors.graph import GraphError, SignInRequired
    from emailbot_gui.connectors.graph.permissions import Status

    connectors = build_graph(settings, secrets, hooks)
    try:
        auth = connectors.mail_auth if part == "mail" else connectors.operator
        who = "the operator's sign-in" if auth is connectors.operator else "the app's sign-in (client credentials)"
        try:
            await auth.token()
        except SignInRequired as exc:
            return [Check("Sign-in", FAILING, f"{who}: {exc}",
                          "Sign in as the operator (Settings → Microsoft 365 → Sign in), then check again.")]
        except GraphError as exc:
            return [Check("Sign-in", FAILING, f"{who} failed: {exc}",
                          "Check the tenant id, the client id and the client secret or certificate.")]
        permissions = await connectors.permissions.validate(mail=part == "mail", teams=part == "teams")
    finally:
        await connectors.aclose()
    checks = [Check("Sign-in", OK, f"{who} works")]
    for p in permissions:
        detail = f"{p.purpose} — {p.how}"
        if p.status is Status.GRANTED:
            status = OK
        elif not p.required:  # e.g. app-only Chat.Create: escalations run on the operator's sign-in instead
            status, detail = SKIPPED, f"optional, {detail}"
        else:
            status = FAILING if p.status is Status.MISSING else WARNING
        checks.append(Check(f"{p.permission} ({p.kind})", status, detail, p.fix))
    return checks


# ---- OpenAI --------------------------------------------------------------------------------------------

async def _openai(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    import openai

    config = openai_config(settings)
    key = await openai_key(settings, secrets)
    where = settings.openai_base_url or "api.openai.com"
    client = openai.AsyncOpenAI(api_key=key or "not-needed", base_url=config.base_url or None,
                                timeout=config.timeout, max_retries=0)
    try:
        try:
            models = [m.id async for m in client.models.list()]
        except openai.NotFoundError:  # some compatible servers have no model list: one 1-token call instead
            await client.chat.completions.create(model=config.model, max_tokens=1,
                                                 messages=[{"role": "user", "content": "Reply with OK."}])
            return [Check("API key", OK, f"{where} accepted the key"),
                    Check(f"Model {config.model}", OK, "answered a one-token request")]
        checks = [Check("API key", OK, f"{where} accepted the key and listed {len(models)} models")]
        if config.model in models or not models:
            checks.append(Check(f"Model {config.model}", OK, "offered by the server"))
        else:
            shown = ", ".join(sorted(models)[:8])
            checks.append(Check(f"Model {config.model}", FAILING, f"not offered by {where} (it offers: {shown})",
                                "Settings → AI: choose one of the models the server offers."))
        return checks
    except openai.AuthenticationError:
        return [Check("API key", FAILING, f"{where} refused the API key (401)",
                      "Settings → AI: enter a valid API key (platform.openai.com → API keys).")]
    except openai.PermissionDeniedError as exc:
        return [Check("API key", FAILING, f"{where} denied access (403): {_api_message(exc)}",
                      "The key's project or organization may not use this model or endpoint.")]
    except openai.RateLimitError as exc:
        if "insufficient_quota" in str(exc.body or exc):
            return [Check("Quota", FAILING, "the account has no quota left (insufficient_quota)",
                          "Add credit or raise the limit in the OpenAI billing settings.")]
        return [Check("API key", WARNING, "the key works but the server is rate limiting now (429)", "")]
    except openai.APIConnectionError as exc:
        timed_out = isinstance(exc, openai.APITimeoutError)
        return [Check("Connection", FAILING, f"{where} {'did not answer in time' if timed_out else 'is unreachable'}",
                      "Check the base URL, and the proxy or firewall between this computer and the server.")]
    except openai.APIStatusError as exc:
        return [Check("Connection", FAILING, f"{where} answered HTTP {exc.status_code}: {_api_message(exc)}", "")]
    finally:
        await client.close()


def _api_message(exc: object) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return type(exc).__name__


# ---- CRM -----------------------------------------------------------------------------------------------

async def _salesforce(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    from emailbot_gui.connectors.crm_actions import CrmAuthError, CrmError

    source = await build_salesforce(settings, secrets)
    try:
        try:
            usage = await source.session.refresh_limits()
        except CrmAuthError as exc:
            return [Check("Sign-in", FAILING, str(exc),
                          "Check the client id and secret; the connected app needs the client credentials flow "
                          "enabled with a Run As user, and the token URL must be your My Domain.")]
        except CrmError as exc:
            return [Check("Connection", FAILING, str(exc), "Check the token URL and the instance URL.")]
        checks = [Check("Sign-in", OK, f"client credentials accepted; instance {source.session.instance_url}")]
        if usage is None:
            checks.append(Check("API limits", WARNING, "the org did not report its daily API limit", ""))
        elif usage.remaining < usage.limit * LOW_API_SHARE:
            checks.append(Check("API limits", WARNING, f"{usage.used} of {usage.limit} daily API requests used",
                                "Few requests are left today; lookups may fail until the limit resets."))
        else:
            checks.append(Check("API limits", OK, f"{usage.used} of {usage.limit} daily API requests used"))
        return checks
    finally:
        await source.close()


async def _hubspot(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    from emailbot_gui.connectors.crm_actions import CrmAuthError, CrmError
    from emailbot_gui.connectors.hubspot_client import REQUIRED_SCOPES

    source = await build_hubspot(settings, secrets)
    try:
        try:
            await source.find_contacts(PROBE_ADDRESS)
        except CrmAuthError as exc:
            return [Check("Access token", FAILING, str(exc),
                          "Create or fix the private app (Settings → Integrations → Private apps) with the scopes "
                          + ", ".join(REQUIRED_SCOPES) + ", and enter its access token.")]
        except CrmError as exc:
            return [Check("Connection", FAILING, str(exc), "")]
        return [Check("Access token", OK, "the private app token works"),
                Check("Contact search", OK, "the CRM search endpoint answered")]
    finally:
        await source.close()


async def _customer_db(settings: Settings, secrets: SecretStore, hooks: ConnectorHooks) -> list[Check]:
    source = await build_customer_db(settings, secrets)
    try:
        try:
            missing = await source.missing_names()
        except Exception as exc:
            return [Check("Connection", FAILING, f"cannot connect: {_reason(exc)}",
                          "Check the host, database, user and password, and that the server accepts "
                          "connections from this computer.")]
        checks = [Check("Connection", OK, "connected (read-only)")]
        if missing:
            checks.append(Check("Tables and columns", FAILING, "not found: " + ", ".join(missing),
                                "Settings → CRM → Customer database: map the table and column names of your "
                                "schema."))
        else:
            checks.append(Check("Tables and columns", OK, "every mapped table and column exists"))
        return checks
    finally:
        await source.close()
