"""The app's non-secret settings: defaults, then the settings file, then EMAILBOT_* environment variables
(later wins). Invalid values raise SettingsError naming the field and the source it came from.

Secrets are never settings: they live in the OS keyring (config/secrets.py). `save_settings` refuses to
write anything that carries one (a password inside a database URL, a token in a query string)."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAIL_SOURCES = ("demo", "m365", "imap", "gmail")
MAIL_SOURCE_LABELS = {"demo": "Demo mailbox", "m365": "Microsoft 365 mailbox", "imap": "IMAP/SMTP mailbox",
                      "gmail": "Gmail mailbox"}
M365_AUTH_MODES = ("delegated", "app_secret", "app_certificate")  # connectors.graph.config.AuthMode values
M365_CLOUDS = ("global", "usgov", "usgov-dod", "china")  # keys of connectors.graph.config.CLOUDS
MAIL_SECURITY = ("ssl", "starttls", "none")  # connectors.imap.config.Security values
GMAIL_AUTH_MODES = ("installed_app", "service_account")  # a person signs in with Google | domain-wide delegation
GOOGLE_CLIENT_ID_SUFFIX = ".apps.googleusercontent.com"
GMAIL_LABELS_REFUSED = ("INBOX", "SPAM", "TRASH", "SENT", "DRAFT")  # moving mail, not tagging it
IMAP_FLAG = re.compile(r"\\?[!#$&'+,\-./0-9:;<=>?@A-Z\[^_`a-z|}~]+")  # RFC 3501 flag: an atom, maybe after "\"
IMAP_FLAGS_REFUSED = frozenset({"\\deleted", "\\recent"})  # others' EXPUNGE would delete it; the server's own
CUSTOMER_DB_MAPPING_KEYS = ("customers", "contracts", "tickets", "db_schema", "columns", "ticket_link",
                            "active_status")
URGENCY_NAMES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
_API_VERSION = re.compile(r"^v(\d{2,3})\.(\d)$")
_SECRET_WORDS = re.compile(r"pass(word)?|pwd|secret|token|api[-_]?key|apikey|sig(nature)?|credential",
                           re.IGNORECASE)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting is invalid; the message names it (and where it came from, when loading)."""

    def __init__(self, message: str, field_name: str = "") -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True, slots=True)
class Settings:
    polling_interval_minutes: float = 5.0
    batch_size: int = 20
    max_retries: int = 3
    request_timeout: float = 30.0
    log_level: str = "INFO"
    database_url: str = ""  # empty: SQLite in the data folder
    classify_concurrency: int = 2
    enrich_concurrency: int = 8
    demo_poll_seconds: float = 8.0
    operator_name: str = ""  # empty: the OS user name
    undo_seconds: float = 10.0  # an approved reply or escalation waits this long, so Undo can take it back; 0: off
    # Escalation people: key "category", "category:URGENCY" (from that urgency up) or "*" -> addresses.
    escalation_people: dict[str, list[str]] = field(default_factory=dict)
    # ---- mail source
    mail_source: str = "demo"  # "demo" | "m365" | "imap" | "gmail"
    m365_tenant_id: str = ""
    m365_client_id: str = ""
    target_mailbox: str = ""
    m365_auth_mode: str = "delegated"  # "delegated" | "app_secret" | "app_certificate"
    m365_cloud: str = "global"
    m365_certificate_path: str = ""
    m365_authority_host: str = ""  # empty: the cloud's (a private or test authority otherwise)
    m365_graph_endpoint: str = ""  # empty: the cloud's
    m365_processed_category: str = ""  # handled mail gets this Outlook category; empty: none
    m365_processed_folder: str = ""  # handled mail is moved here (well-known name or folder id); empty: stays
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"  # "ssl" (TLS from the start) | "starttls" | "none" (this computer only)
    imap_username: str = ""
    imap_folder: str = "INBOX"
    imap_address: str = ""  # the mailbox's own address (From of replies); empty: the user name
    imap_sent_folder: str = ""  # empty: the folder the server marks as Sent, else "Sent"
    imap_append_sent: bool = True  # file a copy of sent mail in it; off when the server does (Gmail)
    imap_ca_file: str = ""  # a PEM bundle of a company CA, for IMAP and SMTP; empty: the system's
    imap_allow_plaintext: bool = False  # allow security "none" to a server that is not this computer
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: str = "ssl"  # "ssl" | "starttls" | "none"
    smtp_username: str = ""  # empty: the IMAP user name
    imap_processed_keyword: str = ""  # handled mail gets this flag (\Seen, \Flagged) or keyword; empty: none
    imap_processed_folder: str = ""  # handled mail is moved to this folder; empty: stays
    gmail_mailbox: str = ""  # the Gmail / Workspace address read and answered from
    gmail_auth_mode: str = "installed_app"  # "installed_app" (Desktop OAuth client) | "service_account"
    gmail_client_id: str = ""  # the Desktop OAuth client's id (installed_app)
    gmail_label: str = "INBOX"  # the label polled (a name Gmail knows, or a label id)
    gmail_initial_sync_days: int = 14  # the first sync lists mail this recent; 0: the whole label
    gmail_processed_label: str = ""  # handled mail gets this label (created when missing); empty: none
    gmail_archive_handled: bool = False  # handled mail leaves the inbox (its INBOX label is removed)
    # ---- AI
    openai_enabled: bool = False
    openai_model: str = "gpt-4o-mini"
    openai_base_url: str = ""  # empty: api.openai.com; any OpenAI-compatible /v1 endpoint otherwise
    openai_max_tokens: int = 800
    openai_temperature: float = 0.1
    # ---- CRM
    salesforce_enabled: bool = False
    salesforce_token_url: str = ""  # https://<MyDomain>.my.salesforce.com/services/oauth2/token
    salesforce_client_id: str = ""
    salesforce_instance_url: str = ""
    salesforce_api_version: str = "v60.0"
    hubspot_enabled: bool = False
    hubspot_ticket_pipeline: str = "0"
    hubspot_ticket_stage: str = "1"
    hubspot_base_url: str = ""  # empty: https://api.hubapi.com
    customer_db_enabled: bool = False
    customer_db_url: str = ""  # no password in it: the password is a secret
    customer_db_mapping: dict[str, Any] = field(default_factory=dict)  # CustomerSchema fields; {}: defaults
    customer_db_allow_create_ticket: bool = False
    # ---- escalation, health, auto-approval, first run
    teams_escalation_enabled: bool = False
    health_check_interval: float = 300.0  # seconds
    auto_approval: dict[str, Any] = field(default_factory=dict)  # AutoApprovalSettings.to_json()
    setup_done: bool = False

    def validate(self) -> Settings:
        _require(self.polling_interval_minutes > 0, "polling_interval_minutes", "must be greater than 0")
        _require(1 <= self.batch_size <= 1000, "batch_size", "must be between 1 and 1000")
        _require(0 <= self.max_retries <= 100, "max_retries", "must be between 0 and 100")
        _require(self.request_timeout > 0, "request_timeout", "must be greater than 0")
        _require(self.log_level in LOG_LEVELS, "log_level", f"must be one of {', '.join(LOG_LEVELS)}")
        _require(1 <= self.classify_concurrency <= 64, "classify_concurrency", "must be between 1 and 64")
        _require(1 <= self.enrich_concurrency <= 256, "enrich_concurrency", "must be between 1 and 256")
        _require(self.demo_poll_seconds > 0, "demo_poll_seconds", "must be greater than 0")
        _require(0 <= self.undo_seconds <= UNDO_SECONDS_MAX, "undo_seconds",
                 f"must be between 0 and {UNDO_SECONDS_MAX} seconds")
        _check_people(self.escalation_people)
        _require(self.mail_source in MAIL_SOURCES, "mail_source", f"must be one of {', '.join(MAIL_SOURCES)}")
        _require(not self.target_mailbox or "@" in self.target_mailbox, "target_mailbox",
                 "must be a mailbox address (name@domain)")
        _require(self.m365_auth_mode in M365_AUTH_MODES, "m365_auth_mode",
                 f"must be one of {', '.join(M365_AUTH_MODES)}")
        _require(self.m365_cloud in M365_CLOUDS, "m365_cloud", f"must be one of {', '.join(M365_CLOUDS)}")
        for name in ("m365_processed_category", "m365_processed_folder"):
            value = getattr(self, name)
            _require(len(value) <= 255 and value.isprintable(), name, "must be a name of at most 255 characters")
        _check_mail_server(self)
        _check_gmail(self)
        _require(bool(self.openai_model.strip()), "openai_model", "must name a model")
        _require(1 <= self.openai_max_tokens <= 32_000, "openai_max_tokens", "must be between 1 and 32000")
        _require(0.0 <= self.openai_temperature <= 2.0, "openai_temperature", "must be between 0 and 2")
        match = _API_VERSION.match(self.salesforce_api_version)
        version = float(f"{match[1]}.{match[2]}") if match else 0.0
        _require(version >= 58.0, "salesforce_api_version", "must look like v60.0 and be at least v58.0")
        for name in URL_FIELDS:
            _require(_web_url_ok(getattr(self, name)), name,
                     "must be an https:// URL (http:// only for a server on this computer)")
        _check_db_url(self.database_url, "database_url")
        _check_db_url(self.customer_db_url, "customer_db_url")
        _require(not _url_password(self.customer_db_url), "customer_db_url",
                 "must not contain the password (it is kept in the keyring)")
        _check_mapping(self.customer_db_mapping)
        _require(10.0 <= self.health_check_interval <= 86_400.0, "health_check_interval",
                 "must be between 10 and 86400 seconds")
        _check_auto_approval(self.auto_approval)
        return self


UNDO_SECONDS_MAX = 120
URL_FIELDS = ("m365_authority_host", "m365_graph_endpoint", "openai_base_url", "salesforce_token_url",
              "salesforce_instance_url", "hubspot_base_url")


def _require(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise SettingsError(f"setting '{name}' {why}", name)


def _web_url_ok(url: str) -> bool:
    if not url:
        return True
    parts = urlsplit(url)
    if not parts.netloc:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


def _url_password(url: str) -> bool:
    if not url:
        return False
    try:
        from sqlalchemy.engine import make_url

        return bool(make_url(url).password)
    except Exception:  # not a database URL: look at the plain URL
        return bool(urlsplit(url).password)


def _check_db_url(url: str, name: str) -> None:
    if not url:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except (ArgumentError, ValueError):
        raise SettingsError(f"setting '{name}' is not a database URL (e.g. postgresql+asyncpg://user@host/db)",
                            name) from None


def _check_mail_server(s: Settings) -> None:
    for name in ("imap_port", "smtp_port"):
        _require(1 <= getattr(s, name) <= 65535, name, "must be between 1 and 65535")
    for name in ("imap_security", "smtp_security"):
        _require(getattr(s, name) in MAIL_SECURITY, name, f"must be one of {', '.join(MAIL_SECURITY)}")
    for name in ("imap_host", "smtp_host"):
        host = getattr(s, name)
        _require(not any(c.isspace() or c in "/@" for c in host), name, "must be a host name (imap.example.com)")
    _require(not s.imap_address or "@" in s.imap_address, "imap_address", "must be an email address (name@domain)")
    _require(bool(s.imap_folder.strip()), "imap_folder", "must name a folder (INBOX)")
    keyword = s.imap_processed_keyword
    _require(not keyword or (IMAP_FLAG.fullmatch(keyword) is not None
                             and keyword.lower() not in IMAP_FLAGS_REFUSED),
             "imap_processed_keyword", "must be one IMAP flag (\\Seen, \\Flagged, \\Answered) or keyword "
             "($EmailBotHandled): no spaces, brackets, quotes or %*; not \\Deleted or \\Recent")
    folder = s.imap_processed_folder
    _require(len(folder) <= 255 and folder.isprintable(), "imap_processed_folder",
             "must be a folder name of at most 255 characters")
    _require(not folder or folder.strip().lower() != s.imap_folder.strip().lower(), "imap_processed_folder",
             "must be another folder than the one read (imap_folder)")


def _check_gmail(s: Settings) -> None:
    _require(not s.gmail_mailbox or "@" in s.gmail_mailbox, "gmail_mailbox", "must be an email address (name@domain)")
    _require(s.gmail_auth_mode in GMAIL_AUTH_MODES, "gmail_auth_mode", f"must be one of {', '.join(GMAIL_AUTH_MODES)}")
    client = s.gmail_client_id
    _require(not client or (client.endswith(GOOGLE_CLIENT_ID_SUFFIX) and not any(c.isspace() for c in client)),
             "gmail_client_id", f"must be a Google OAuth client id (…{GOOGLE_CLIENT_ID_SUFFIX})")
    _require(bool(s.gmail_label.strip()) and s.gmail_label.isprintable(), "gmail_label",
             "must name a label (INBOX, or a label id)")
    _require(0 <= s.gmail_initial_sync_days <= 3650, "gmail_initial_sync_days", "must be between 0 and 3650")
    label = s.gmail_processed_label
    _require(len(label) <= 225 and label.isprintable() and label == label.strip(), "gmail_processed_label",
             "must be a label name of at most 225 characters")
    _require(label.upper() not in GMAIL_LABELS_REFUSED, "gmail_processed_label",
             f"must be a label of your own, not one of Gmail's {', '.join(GMAIL_LABELS_REFUSED)}")


def _check_people(people: Mapping[str, list[str]]) -> None:
    for key, addresses in people.items():
        category, _, urgency = key.partition(":")
        _require(bool(category), "escalation_people", f"has an empty category in {key!r}")
        _require(not urgency or urgency.upper() in URGENCY_NAMES, "escalation_people",
                 f"key {key!r}: the urgency must be one of {', '.join(URGENCY_NAMES)}")
        for address in addresses:
            _require("@" in address, "escalation_people", f"{address!r} (for {key}) is not an email address")


def _check_mapping(mapping: Mapping[str, Any]) -> None:
    unknown = sorted(set(mapping) - set(CUSTOMER_DB_MAPPING_KEYS))
    _require(not unknown, "customer_db_mapping", f"has unknown keys {', '.join(unknown)} "
             f"(known: {', '.join(CUSTOMER_DB_MAPPING_KEYS)})")
    columns = mapping.get("columns", {})
    _require(isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()),
             "customer_db_mapping", "'columns' must map logical names (customer.email, ...) to column names")
    for key in CUSTOMER_DB_MAPPING_KEYS:
        if key != "columns" and key in mapping:
            _require(isinstance(mapping[key], str), "customer_db_mapping", f"'{key}' must be a text")
    _require(mapping.get("ticket_link", "customer_id") in ("customer_id", "email"), "customer_db_mapping",
             "'ticket_link' must be 'customer_id' or 'email'")


def _check_auto_approval(data: Mapping[str, Any]) -> None:
    rules = data.get("rules", {})
    _require(isinstance(rules, dict), "auto_approval", "'rules' must map categories to rules")
    for category, rule in rules.items():
        _require(isinstance(rule, dict), "auto_approval", f"the rule for {category} must be an object")
        for key in ("threshold", "min_agreement"):
            value = rule.get(key)
            _require(value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                                       and 0.0 <= value <= 1.0), "auto_approval",
                     f"{category}.{key} must be between 0 and 1")
        decisions = rule.get("min_decisions", 20)
        _require(isinstance(decisions, int) and decisions >= 0, "auto_approval",
                 f"{category}.min_decisions must be a whole number, 0 or more")


# ---- environment -----------------------------------------------------------------------------------

# Every field's variable is EMAILBOT_<FIELD>; the original design's names (EMAILBOT_M365_TENANT_ID,
# EMAILBOT_TARGET_MAILBOX, EMAILBOT_OPENAI_MODEL, EMAILBOT_DATABASE_URL, EMAILBOT_HEALTH_CHECK_INTERVAL, ...)
# are exactly these. EMAILBOT_M365_AUTHORITY and EMAILBOT_DEBUG are read as well (see `env_overrides`).
ENV_PREFIX = "EMAILBOT_"


def env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


ENV_FIELDS = tuple(f.name for f in fields(Settings))


def _field_types() -> dict[str, str]:
    return {f.name: str(f.type) for f in fields(Settings)}


def coerce_setting(name: str, value: Any, origin: str) -> Any:
    """`value` (text from the environment, or JSON from the file) as the setting's type; SettingsError
    naming the setting and `origin` when it cannot be."""
    kind = _field_types()[name]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "str":
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise ValueError
            text = str(value).strip()
            return text.upper() if name == "log_level" else text
        if isinstance(value, str):  # a dict from an environment variable: JSON
            value = json.loads(value) if value.strip() else {}
        if not isinstance(value, dict):
            raise ValueError
        if kind.startswith("dict[str, list[str]]"):
            if not all(isinstance(v, list) for v in value.values()):
                raise ValueError
            return {str(k): [str(x).strip() for x in v] for k, v in value.items()}
        return json.loads(json.dumps(value))  # a plain JSON copy
    except (TypeError, ValueError):
        expected = {"dict[str, list[str]]": "a JSON object of lists", "dict[str, Any]": "a JSON object"}.get(
            kind, kind)
        raise SettingsError(f"setting '{name}' from {origin} has an invalid value {_shown(name, value)} "
                            f"(expected {expected})", name) from None


def _shown(name: str, value: Any) -> str:
    """A value for an error message; URLs are shown without any password they may carry."""
    text = repr(value)
    if name.endswith("_url") and isinstance(value, str) and "@" in value:
        return "(a URL)"
    return text if len(text) <= 80 else text[:77] + "..."


def implied_by_design_variables(environ: Mapping[str, str]) -> dict[str, tuple[Any, str]]:
    """field -> (value, variable) for the original design's variables that imply settings: EMAILBOT_M365_AUTHORITY
    (a full authority URL, https://login.microsoftonline.com/<tenant>: host and tenant) and EMAILBOT_DEBUG (log
    level DEBUG). A setting's own variable wins over these."""
    out: dict[str, tuple[Any, str]] = {}
    authority = environ.get("EMAILBOT_M365_AUTHORITY", "").strip()
    if authority:
        parts = urlsplit(authority)
        out["m365_authority_host"] = (f"{parts.scheme}://{parts.netloc}", "EMAILBOT_M365_AUTHORITY")
        tenant = parts.path.strip("/").split("/")[0]
        if tenant:
            out["m365_tenant_id"] = (tenant, "EMAILBOT_M365_AUTHORITY")
    if environ.get("EMAILBOT_DEBUG", "").strip().lower() in _TRUE:
        out["log_level"] = ("DEBUG", "EMAILBOT_DEBUG")
    return out


def env_overrides(environ: Mapping[str, str]) -> dict[str, tuple[Any, str]]:
    """field -> (value, origin) for every setting the environment overrides."""
    out = {name: (value, f"environment variable {variable}")
           for name, (value, variable) in implied_by_design_variables(environ).items()}
    for name in ENV_FIELDS:
        variable = env_name(name)
        if variable in environ:
            origin = f"environment variable {variable}"
            out[name] = (coerce_setting(name, environ[variable], origin), origin)
    return out


# ---- loading and saving ----------------------------------------------------------------------------

def read_settings_file(path: Path) -> dict[str, Any]:
    """The settings file's known, coerced values (field -> value); {} when there is no file."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"the settings file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"the settings file {path} must hold a JSON object")
    values: dict[str, Any] = {}
    known = set(ENV_FIELDS)
    for name, value in data.items():
        if name not in known:
            if _SECRET_WORDS.search(name):
                log.warning("ignoring %r in %s: secrets are not read from the settings file; store it with "
                            "the setup wizard or `emailbot config import` (it goes to the OS keyring)", name, path)
            else:
                log.warning("ignoring unknown setting %r in %s", name, path)
            continue
        values[name] = coerce_setting(name, value, str(path))
    return values


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if path is not None:
        for name, value in read_settings_file(path).items():
            values[name], origins[name] = value, f"the settings file {path}"
    for name, (value, origin) in env_overrides(environ).items():
        values[name], origins[name] = value, origin
    try:
        settings = replace(Settings(), **values).validate()
    except SettingsError as exc:
        source = origins.get(exc.field)
        raise SettingsError(f"{exc} (from {source})" if source else str(exc), exc.field) from None
    for name in ("database_url", "customer_db_url"):
        if _url_password(getattr(settings, name)) and origins.get(name, "").startswith("the settings file"):
            log.warning("the setting %s in %s contains a password; move it to the keyring "
                        "(emailbot config import does this)", name, path)
    return settings


def settings_to_json(settings: Settings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in fields(Settings)}


def secret_problems(settings: Settings) -> list[str]:
    """Fields whose value carries a secret (a URL password, a token in a query string)."""
    problems = []
    for name in ("database_url", "customer_db_url", *URL_FIELDS):
        value = getattr(settings, name)
        if not value:
            continue
        query = urlsplit(value).query if "://" in value else ""
        if _url_password(value) or any(_SECRET_WORDS.search(k) for k, _ in parse_qsl(query)):
            problems.append(name)
    return problems


def save_settings(path: Path, settings: Settings, *, environ: Mapping[str, str] | None = None) -> None:
    """Write the settings file atomically (a private temporary file, then a rename).

    Refuses a secret-looking value (SettingsError naming the field). A value that only comes from an
    environment variable is not written: the file keeps its own value for that field, so removing the
    variable later does not leave its value behind."""
    settings = settings.validate()
    problems = secret_problems(settings)
    if problems:
        raise SettingsError(f"setting '{problems[0]}' contains a password or token; secrets are kept in the OS "
                            "keyring, never in the settings file", problems[0])
    environ = os.environ if environ is None else environ
    data = settings_to_json(settings)
    pinned = env_overrides(environ)
    if pinned:
        on_file = read_settings_file(path) if path.exists() else {}
        for name, (value, _origin) in pinned.items():
            if data.get(name) == value:
                if name in on_file:
                    data[name] = on_file[name]
                else:
                    data.pop(name, None)
    _atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)  # mode 0600
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
