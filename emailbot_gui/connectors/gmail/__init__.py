"""Gmail / Google Workspace through the Gmail REST API: a mailbox label as a `MailSource` (full listing,
then history), replies in the thread and escalation emails as an `ActionSink` that never sends twice, handled
mail labelled and/or archived (`GmailMailbox`), sign-in as an installed app (PKCE, loopback) or as a service
account with domain-wide delegation, and a live connection check. Qt-free; `build_gmail_connectors` wires it
from `GmailSettings` and a token provider."""

from emailbot_gui.connectors.gmail.auth import InstalledAppAuth, ServiceAccountAuth, ServiceAccountKey
from emailbot_gui.connectors.gmail.check import GmailCheck, check_gmail
from emailbot_gui.connectors.gmail.config import (
    GMAIL_MODIFY,
    GMAIL_SEND,
    SCOPES,
    GmailSettings,
    GmailSettingsError,
)
from emailbot_gui.connectors.gmail.consent import (
    LoopbackReceiver,
    Pkce,
    consent_url,
    exchange_code,
    sign_in_installed_app,
)
from emailbot_gui.connectors.gmail.errors import (
    DeliveryUnconfirmed,
    GmailAuthError,
    GmailError,
    GmailForbidden,
    GmailNotFound,
    GmailOutcomeUnknown,
    GmailThrottled,
    GmailUnavailable,
    InsufficientScope,
    ReconsentRequired,
)
from emailbot_gui.connectors.gmail.factory import (
    GmailConnectors,
    build_gmail_connectors,
    installed_app_auth,
    service_account_auth,
)
from emailbot_gui.connectors.gmail.http import GmailClient
from emailbot_gui.connectors.gmail.mail_source import GmailMailSource
from emailbot_gui.connectors.gmail.mailbox import GmailMailbox
from emailbot_gui.connectors.gmail.sink import GmailActionSink
from emailbot_gui.connectors.gmail.token_endpoint import GoogleTokens

__all__ = [
    "GMAIL_MODIFY", "GMAIL_SEND", "SCOPES", "DeliveryUnconfirmed", "GmailActionSink", "GmailAuthError", "GmailCheck",
    "GmailClient", "GmailConnectors", "GmailError", "GmailForbidden", "GmailMailSource", "GmailMailbox",
    "GmailNotFound",
    "GmailOutcomeUnknown", "GmailSettings", "GmailSettingsError", "GmailThrottled", "GmailUnavailable",
    "GoogleTokens", "InstalledAppAuth", "InsufficientScope", "LoopbackReceiver", "Pkce", "ReconsentRequired",
    "ServiceAccountAuth", "ServiceAccountKey", "build_gmail_connectors", "check_gmail", "consent_url",
    "exchange_code", "installed_app_auth", "service_account_auth", "sign_in_installed_app",
]
