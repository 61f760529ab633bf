"""Field checks for the setup forms, as typed: each returns "" when the value is fine, else what is wrong
in words the operator can act on. Pure functions, so they are tested without widgets."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from emailbot_gui.config.settings import (
    GMAIL_LABELS_REFUSED,
    GOOGLE_CLIENT_ID_SUFFIX,
    IMAP_FLAG,
    IMAP_FLAGS_REFUSED,
)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")
_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@([^@\s<>\"',;]+\.)+[^@\s<>\"',;.]{2,}$")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def required(value: str, what: str) -> str:
    return "" if value.strip() else f"Enter the {what}."


def tenant_id(value: str) -> str:
    v = value.strip()
    if not v:
        return "Enter the directory (tenant) ID, or your organisation's domain."
    if v.lower() in ("common", "organizations", "consumers"):
        return "Name your own tenant: a shared mailbox belongs to one organisation."
    if _GUID.match(v) or _DOMAIN.match(v):
        return ""
    return "A tenant ID looks like 72f988bf-86f1-41af-91ab-2d7cd011db47 (or use a domain such as contoso.com)."


def client_id(value: str) -> str:
    v = value.strip()
    if not v:
        return "Enter the application (client) ID of the app registration."
    return "" if _GUID.match(v) else "The application (client) ID is a GUID, e.g. 0e8f8c2a-5d8e-4a43-9b0e-3c1f…"


def mailbox(value: str) -> str:
    v = value.strip()
    if not v:
        return "Enter the shared mailbox address, e.g. support@contoso.com."
    return "" if _ADDRESS.match(v) else "This is not an email address."


def https_url(value: str, what: str, *, optional: bool = False) -> str:
    v = value.strip()
    if not v:
        return "" if optional else f"Enter the {what}."
    parts = urlsplit(v)
    if not parts.netloc or parts.scheme not in ("https", "http"):
        return f"The {what} must be a web address starting with https://."
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return f"The {what} must use https:// (plain http only for a server on this computer)."
    return ""


def database_url(value: str) -> str:
    v = value.strip()
    if not v:
        return "Enter the database address, e.g. postgresql://reader@db.example.com/crm."
    parts = urlsplit(v)
    if "://" not in v or not parts.scheme:
        return "A database address looks like postgresql://user@host:5432/database."
    if parts.password:
        return "Leave the password out of the address: type it in the password field, which goes to the keyring."
    return ""


def address_list(value: str) -> str:
    bad = [a for a in split_addresses(value) if not _ADDRESS.match(a)]
    return f"Not an email address: {', '.join(bad)}" if bad else ""


def split_addresses(value: str) -> list[str]:
    return [a.strip() for a in re.split(r"[,;\s]+", value) if a.strip()]


def identifier(value: str, what: str, *, optional: bool = False) -> str:
    """A table or column name: letters, digits and underscores (names are quoted, but typos are not)."""
    v = value.strip()
    if not v:
        return "" if optional else f"Enter the {what}."
    return "" if re.match(r"^[A-Za-z_][A-Za-z0-9_$]*$", v) else f"The {what} may hold letters, digits and _ only."


def host(value: str, what: str) -> str:
    v = value.strip()
    if not v:
        return f"Enter the {what}, e.g. imap.example.com."
    return "" if not any(c.isspace() or c in "/@:" for c in v) else f"The {what} is a host name only (no port or @)."


def optional_address(value: str) -> str:
    v = value.strip()
    return "" if not v or _ADDRESS.match(v) else "This is not an email address."


def google_client_id(value: str) -> str:
    v = value.strip()
    if not v:
        return "Enter the OAuth client ID (Google Cloud → APIs & Services → Credentials)."
    if v.endswith(GOOGLE_CLIENT_ID_SUFFIX) and not any(c.isspace() for c in v):
        return ""
    return f"A Google client ID ends in {GOOGLE_CLIENT_ID_SUFFIX}, e.g. 1234567890-abc…{GOOGLE_CLIENT_ID_SUFFIX}"


def imap_flag(value: str) -> str:
    """The flag or keyword handled mail gets (optional)."""
    v = value.strip()
    if not v:
        return ""
    if v.lower() in IMAP_FLAGS_REFUSED:
        return f"{v} cannot be used: choose \\Seen (read), \\Flagged (starred) or a keyword such as $EmailBotHandled."
    if not IMAP_FLAG.fullmatch(v):
        return "One flag (\\Seen, \\Flagged) or keyword ($EmailBotHandled): no spaces, brackets, quotes, % or *."
    return ""


def other_folder(value: str, read_folder: str) -> str:
    """A folder handled mail is moved to (optional): not the one the console reads."""
    v = value.strip()
    if v and v.lower() == (read_folder.strip() or "INBOX").lower():
        return "Choose another folder than the one the console reads."
    return ""


def gmail_label(value: str) -> str:
    """The label handled mail gets (optional): one of the mailbox's own."""
    v = value.strip()
    if v.upper() in GMAIL_LABELS_REFUSED:
        return f"{v} is one of Gmail's own labels; name a label of your own, e.g. EmailBot/Handled."
    return "" if len(v) <= 225 else "A label name has at most 225 characters."
