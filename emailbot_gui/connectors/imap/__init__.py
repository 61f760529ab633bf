"""Any IMAP/SMTP mailbox: the folder as a `MailSource` (UID order, read without marking it read), handled mail
flagged and/or moved there (`ImapMailbox`), replies and escalation emails through SMTP as an `ActionSink` (never
sent twice: a Message-ID derived from the outbox key, looked up in the Sent folder after a crash), and a live
connection test. Standard library only (imaplib, smtplib, ssl, email), run in worker threads; Qt-free."""

from emailbot_gui.connectors.imap.config import IMAP_PORTS, SMTP_PORTS, ImapSettings, ImapSettingsError, Security
from emailbot_gui.connectors.imap.connection_check import ConnectionStep, check_connection, describe
from emailbot_gui.connectors.imap.errors import (
    DeliveryUnconfirmed,
    MailConnectionError,
    MailProtocolError,
    MailServerError,
    MailSignInError,
    SendRejected,
)
from emailbot_gui.connectors.imap.mail_source import ImapMailSource
from emailbot_gui.connectors.imap.mailbox import ImapMailbox
from emailbot_gui.connectors.imap.sink import ImapSmtpActionSink

__all__ = [
    "IMAP_PORTS",
    "SMTP_PORTS",
    "ConnectionStep",
    "DeliveryUnconfirmed",
    "ImapMailSource",
    "ImapMailbox",
    "ImapSettings",
    "ImapSettingsError",
    "ImapSmtpActionSink",
    "MailConnectionError",
    "MailProtocolError",
    "MailServerError",
    "MailSignInError",
    "Security",
    "SendRejected",
    "check_connection",
    "describe",
]
