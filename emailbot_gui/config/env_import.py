"""`emailbot config import FILE.env`: reads the original design's environment template (EMAILBOT_*,
SALESFORCE_*, HUBSPOT_*, DB_HOST/DB_NAME/DB_USER/DB_PASSWORD) and splits it: settings go to the settings
file, secrets to the OS keyring, and what a desktop console has no use for (a web server's host and port,
Redis, webhook tokens) is skipped with the reason. Reports name variables and settings, never values."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from emailbot_gui.config.secrets import (
    CUSTOMER_DB_PASSWORD,
    DATABASE_PASSWORD,
    HUBSPOT_TOKEN,
    OPENAI_API_KEY,
    client_secret_name,
    salesforce_secret_name,
)
from emailbot_gui.config.settings import (
    ENV_FIELDS,
    ENV_PREFIX,
    Settings,
    SettingsError,
    coerce_setting,
    env_name,
    implied_by_design_variables,
)

HUBSPOT_API_KEY_GONE = (
    "HUBSPOT_API_KEY was not imported: HubSpot retired API keys in 2022 and no longer accepts them. Create a "
    "private app in HubSpot (Settings → Integrations → Private apps) with the scopes crm.objects.contacts.read, "
    "crm.objects.companies.read and tickets, then enter its access token in Settings → CRM → HubSpot "
    "(or set EMAILBOT_HUBSPOT_ACCESS_TOKEN).")
NOT_USED = {
    "EMAILBOT_HOST": "the original design's web server address; the console is a desktop app",
    "EMAILBOT_PORT": "the original design's web server port; the console is a desktop app",
    "EMAILBOT_REDIS_URL": "the console needs no Redis: its queue is the database",
    "EMAILBOT_METRICS_ENABLED": "the console shows its state itself (status bar, health view, `emailbot doctor`)",
    "EMAILBOT_M365_SCOPE": "the scopes follow from the sign-in mode",
    "EMAILBOT_API_KEY": "a web API key; the console has no web API (not stored)",
    "EMAILBOT_ENCRYPTION_KEY": "secrets are protected by the OS keyring (not stored)",
    "WEBHOOK_TOKEN": "the console receives no webhooks (not stored)",
}
_PLACEHOLDER = re.compile(r"^your[-_]|[-_.]your[-_]|yourinstance|//user:password@|^changeme$|^<.*>$", re.IGNORECASE)
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


class EnvFileError(ValueError):
    pass


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines (the .env format): comments, blank lines, `export`, single or double quotes."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise EnvFileError(f"line {number} is not NAME=value")
        name, raw = match[1], match[2].strip()
        if raw[:1] in ("'", '"'):
            try:
                parts = shlex.split(raw, comments=True, posix=True)
            except ValueError:
                raise EnvFileError(f"line {number} ({name}) has an unclosed quote") from None
            value = parts[0] if parts else ""
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        values[name] = value
    return values


@dataclass
class ImportPlan:
    settings: dict[str, Any] = field(default_factory=dict)  # setting -> value
    setting_sources: dict[str, str] = field(default_factory=dict)  # setting -> the variable(s) it came from
    secrets: dict[str, str] = field(default_factory=dict)  # keyring entry -> value (never printed)
    secret_sources: dict[str, str] = field(default_factory=dict)  # keyring entry -> variable
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (variable, why)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # never the values
        return (f"ImportPlan(settings={sorted(self.settings)}, secrets={sorted(self.secrets)}, "
                f"skipped={[v for v, _ in self.skipped]})")

    def set(self, name: str, value: Any, source: str) -> None:
        self.settings[name] = value
        self.setting_sources[name] = source

    def secret(self, name: str, value: str, source: str) -> None:
        self.secrets[name] = value
        self.secret_sources[name] = source

    def apply_to(self, current: Settings) -> Settings:
        try:
            return replace(current, **self.settings).validate()
        except SettingsError as exc:
            source = self.setting_sources.get(exc.field)
            raise SettingsError(f"{exc} (from {source})" if source else str(exc), exc.field) from None


def plan_import(env: Mapping[str, str], current: Settings) -> ImportPlan:
    plan = ImportPlan()
    env = dict(env)
    for name, value in list(env.items()):
        if value and _PLACEHOLDER.search(value) and name != "HUBSPOT_API_KEY":
            plan.skipped.append((name, "still the template's placeholder; set it in the wizard or the settings"))
            del env[name]
    _emailbot_fields(env, plan)
    _m365(env, plan, current)
    _openai(env, plan)
    _queue_database(env, plan)
    _salesforce(env, plan, current)
    _hubspot(env, plan)
    _customer_db(env, plan, current)
    handled = {n for n in env if n.startswith(ENV_PREFIX) and n[len(ENV_PREFIX):].lower() in ENV_FIELDS}
    handled |= {"EMAILBOT_M365_CLIENT_SECRET", "EMAILBOT_OPENAI_API_KEY", "EMAILBOT_M365_AUTHORITY", "EMAILBOT_DEBUG",
                "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_INSTANCE_URL", "SALESFORCE_TOKEN_URL",
                "SALESFORCE_API_VERSION", "HUBSPOT_API_KEY", "HUBSPOT_ACCESS_TOKEN", "EMAILBOT_HUBSPOT_ACCESS_TOKEN",
                "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "EMAILBOT_SALESFORCE_CLIENT_SECRET",
                "EMAILBOT_CUSTOMER_DB_PASSWORD", "EMAILBOT_DATABASE_PASSWORD"}
    for name in env:
        if name in handled:
            continue
        why = NOT_USED.get(name) or ("not a setting of this version" if name.startswith(ENV_PREFIX)
                                     else "not an EmailBot variable")
        plan.skipped.append((name, why))
    return plan


def _emailbot_fields(env: Mapping[str, str], plan: ImportPlan) -> None:
    for setting in ENV_FIELDS:
        variable = env_name(setting)
        if variable in env:
            plan.set(setting, coerce_setting(setting, env[variable], f"{variable} in the imported file"), variable)
    for setting, (value, variable) in implied_by_design_variables(env).items():
        if setting not in plan.settings:
            plan.set(setting, value, variable)


def _m365(env: Mapping[str, str], plan: ImportPlan, current: Settings) -> None:
    client_id = plan.settings.get("m365_client_id", current.m365_client_id)
    secret = env.get("EMAILBOT_M365_CLIENT_SECRET", "")
    if secret:
        if not client_id:
            plan.skipped.append(("EMAILBOT_M365_CLIENT_SECRET", "needs EMAILBOT_M365_CLIENT_ID to be filed under"))
        else:
            plan.secret(client_secret_name(client_id), secret, "EMAILBOT_M365_CLIENT_SECRET")
            if "m365_auth_mode" not in plan.settings:  # the original design signs in app-only with this secret
                plan.set("m365_auth_mode", "app_secret", "EMAILBOT_M365_CLIENT_SECRET")
    if "mail_source" not in plan.settings and plan.settings.get("target_mailbox") and client_id:
        plan.set("mail_source", "m365", "EMAILBOT_TARGET_MAILBOX")
        plan.notes.append("The mail source is set to Microsoft 365 (the shared mailbox EMAILBOT_TARGET_MAILBOX).")


def _openai(env: Mapping[str, str], plan: ImportPlan) -> None:
    key = env.get("EMAILBOT_OPENAI_API_KEY", "")
    if key:
        plan.secret(OPENAI_API_KEY, key, "EMAILBOT_OPENAI_API_KEY")
        if "openai_enabled" not in plan.settings:
            plan.set("openai_enabled", True, "EMAILBOT_OPENAI_API_KEY")


def _queue_database(env: Mapping[str, str], plan: ImportPlan) -> None:
    url = plan.settings.get("database_url", "")
    if not url:
        return
    from sqlalchemy.engine import URL, make_url

    parsed = make_url(url)
    if parsed.password:
        plan.secret(DATABASE_PASSWORD, str(parsed.password), "EMAILBOT_DATABASE_URL")
        parsed = URL.create(parsed.drivername, username=parsed.username, host=parsed.host, port=parsed.port,
                            database=parsed.database, query=parsed.query)  # .set(password=None) keeps it
        plan.notes.append("The password in EMAILBOT_DATABASE_URL went to the keyring; the URL was saved without it.")
    if parsed.drivername == "postgresql":  # the app talks to PostgreSQL asynchronously
        parsed = parsed.set(drivername="postgresql+asyncpg")
    plan.set("database_url", parsed.render_as_string(hide_password=False), "EMAILBOT_DATABASE_URL")
    if env.get("EMAILBOT_DATABASE_PASSWORD"):
        plan.secret(DATABASE_PASSWORD, env["EMAILBOT_DATABASE_PASSWORD"], "EMAILBOT_DATABASE_PASSWORD")


def _salesforce(env: Mapping[str, str], plan: ImportPlan, current: Settings) -> None:
    client_id = env.get("SALESFORCE_CLIENT_ID", "")
    if client_id:
        plan.set("salesforce_client_id", client_id, "SALESFORCE_CLIENT_ID")
    instance = env.get("SALESFORCE_INSTANCE_URL", "").rstrip("/")
    if instance:
        plan.set("salesforce_instance_url", instance, "SALESFORCE_INSTANCE_URL")
    if env.get("SALESFORCE_API_VERSION"):
        plan.set("salesforce_api_version", env["SALESFORCE_API_VERSION"], "SALESFORCE_API_VERSION")
    if env.get("SALESFORCE_TOKEN_URL"):
        plan.set("salesforce_token_url", env["SALESFORCE_TOKEN_URL"], "SALESFORCE_TOKEN_URL")
    elif instance and "salesforce_token_url" not in plan.settings:
        # The client credentials flow is served by the org's own (My Domain) host, not login.salesforce.com.
        plan.set("salesforce_token_url", f"{instance}/services/oauth2/token", "SALESFORCE_INSTANCE_URL")
        plan.notes.append("The Salesforce token URL was derived from SALESFORCE_INSTANCE_URL; the client credentials "
                          "flow needs your My Domain (https://<name>.my.salesforce.com).")
    client_id = plan.settings.get("salesforce_client_id", current.salesforce_client_id)
    variable = "SALESFORCE_CLIENT_SECRET" if env.get("SALESFORCE_CLIENT_SECRET") \
        else "EMAILBOT_SALESFORCE_CLIENT_SECRET"
    secret = env.get(variable, "")
    if secret:
        if client_id:
            plan.secret(salesforce_secret_name(client_id), secret, variable)
        else:
            plan.skipped.append((variable, "needs SALESFORCE_CLIENT_ID to be filed under"))
    if client_id and "salesforce_enabled" not in plan.settings:
        plan.set("salesforce_enabled", True, "SALESFORCE_CLIENT_ID")


def _hubspot(env: Mapping[str, str], plan: ImportPlan) -> None:
    token = env.get("HUBSPOT_ACCESS_TOKEN") or env.get("EMAILBOT_HUBSPOT_ACCESS_TOKEN", "")
    variable = "HUBSPOT_ACCESS_TOKEN" if env.get("HUBSPOT_ACCESS_TOKEN") else "EMAILBOT_HUBSPOT_ACCESS_TOKEN"
    old_key = env.get("HUBSPOT_API_KEY", "")
    if old_key and not token and old_key.startswith("pat-"):  # a private app token filed under the old name
        token, variable = old_key, "HUBSPOT_API_KEY"
        plan.notes.append("HUBSPOT_API_KEY holds a private app access token (pat-…): imported as the HubSpot token.")
    elif "HUBSPOT_API_KEY" in env:
        plan.notes.append(HUBSPOT_API_KEY_GONE)
    if token:
        plan.secret(HUBSPOT_TOKEN, token, variable)
        if "hubspot_enabled" not in plan.settings:
            plan.set("hubspot_enabled", True, variable)


def _customer_db(env: Mapping[str, str], plan: ImportPlan, current: Settings) -> None:
    host, name = env.get("DB_HOST", ""), env.get("DB_NAME", "")
    if host and name:
        user = quote(env.get("DB_USER", ""), safe="")
        port = env.get("DB_PORT", "5432")
        # The original design's connection asks for ssl_mode "require".
        url = f"postgresql+asyncpg://{user + '@' if user else ''}{host}:{port}/{quote(name, safe='')}?ssl=require"
        plan.set("customer_db_url", url, "DB_HOST, DB_NAME, DB_USER")
        if "customer_db_enabled" not in plan.settings:
            plan.set("customer_db_enabled", True, "DB_HOST")
        if not current.customer_db_mapping and "customer_db_mapping" not in plan.settings:
            plan.set("customer_db_mapping", original_design_mapping(), "DB_HOST")
            plan.notes.append("The customer database mapping is the original design's schema (customers, contracts, "
                              "support_tickets); change it in Settings → CRM if yours differs.")
    elif host or name:
        plan.skipped.append(("DB_HOST" if host else "DB_NAME", "DB_HOST and DB_NAME are needed together"))
    password = env.get("DB_PASSWORD") or env.get("EMAILBOT_CUSTOMER_DB_PASSWORD", "")
    if password:
        plan.secret(CUSTOMER_DB_PASSWORD, password,
                    "DB_PASSWORD" if env.get("DB_PASSWORD") else "EMAILBOT_CUSTOMER_DB_PASSWORD")


def original_design_mapping() -> dict[str, Any]:
    from emailbot_gui.connectors.customer_db import ORIGINAL_DESIGN_SCHEMA as s

    return {"customers": s.customers, "contracts": s.contracts, "tickets": s.tickets, "db_schema": s.db_schema,
            "columns": dict(s.columns), "ticket_link": s.ticket_link, "active_status": s.active_status}
