"""Microsoft 365 through Microsoft Graph: the shared mailbox as a `MailSource` (delta query), replies in
the thread and Teams escalations as an `ActionSink`, directory type-ahead and permission validation.
Qt-free; `build_graph_connectors` wires it all from `GraphSettings` and a `SecretStore`."""

from emailbot_gui.connectors.graph.auth import AppOnlyAuth, DelegatedAuth, DeviceCodePrompt, TokenProvider
from emailbot_gui.connectors.graph.config import CLOUDS, AuthMode, GraphSettings, GraphSettingsError, SignInFlow
from emailbot_gui.connectors.graph.directory import DirectorySearch, DirectoryUser
from emailbot_gui.connectors.graph.errors import (
    DeliveryUnconfirmed,
    GraphAuthError,
    GraphError,
    GraphOutcomeUnknown,
    GraphThrottled,
    GraphUnavailable,
    SignInRequired,
)
from emailbot_gui.connectors.graph.factory import GraphConnectors, build_graph_connectors
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.connectors.graph.mail_source import GraphMailSource
from emailbot_gui.connectors.graph.mailbox import GraphAttachment, GraphMailbox
from emailbot_gui.connectors.graph.messages import parse_graph_message
from emailbot_gui.connectors.graph.permissions import PermissionCheck, PermissionValidator, Status
from emailbot_gui.connectors.graph.reply_transport import GraphReplyTransport
from emailbot_gui.connectors.graph.sink import GraphActionSink
from emailbot_gui.connectors.graph.teams import EscalationError, TeamsEscalator
from emailbot_gui.connectors.graph.token_cache import (
    KeyringSecretStore,
    MemorySecretStore,
    PersistedTokenCache,
    SecretStore,
    client_secret_name,
)

__all__ = [
    "CLOUDS", "AppOnlyAuth", "AuthMode", "DelegatedAuth", "DeliveryUnconfirmed", "DeviceCodePrompt",
    "DirectorySearch", "DirectoryUser", "EscalationError", "GraphActionSink", "GraphAttachment", "GraphAuthError",
    "GraphClient", "GraphConnectors", "GraphError", "GraphMailSource", "GraphMailbox", "GraphOutcomeUnknown",
    "GraphReplyTransport", "GraphSettings", "GraphSettingsError", "GraphThrottled", "GraphUnavailable",
    "KeyringSecretStore", "MemorySecretStore", "PermissionCheck", "PermissionValidator", "PersistedTokenCache",
    "SecretStore", "SignInFlow", "SignInRequired", "Status", "TeamsEscalator", "TokenProvider",
    "build_graph_connectors", "client_secret_name", "parse_graph_message",
]
