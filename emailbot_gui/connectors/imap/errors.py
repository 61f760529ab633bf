"""What can go wrong with an IMAP or SMTP server, as exceptions the pipeline and the UI can tell apart:
`MailSignInError` (the server refused the user name or password: retrying will not help), `MailConnectionError`
(refused, timed out, TLS failed: nothing lost, try again later), `MailProtocolError` (an answer that makes no
sense), `SendRejected` (the SMTP server refused the message: it was not sent) and `DeliveryUnconfirmed` (a send
that may or may not have happened: resolved by looking in the Sent folder, never by sending again)."""

from __future__ import annotations

import socket
import ssl

from emailbot_gui.connectors.base import CheckAgainLater


class MailServerError(Exception):
    """Any failure talking to the IMAP or SMTP server; the message names the server (host:port)."""


class MailSignInError(MailServerError):
    """The server refused the credentials (IMAP NO [AUTHENTICATIONFAILED], SMTP 535)."""


class MailConnectionError(MailServerError):
    """No usable connection: refused, unreachable, timed out, dropped, or TLS failed."""


class MailProtocolError(MailServerError):
    """The server answered with an error or something that cannot be understood."""


class SendRejected(MailServerError):
    """The SMTP server answered the message with an error code: it was not accepted (safe to send again)."""

    def __init__(self, message: str, *, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class DeliveryUnconfirmed(MailConnectionError):
    """A reply or escalation was handed to the SMTP server but cannot be confirmed; it is never sent again
    automatically."""


class DeliveryNotVisibleYet(DeliveryUnconfirmed, CheckAgainLater):
    """Handed to the SMTP server within the grace period, and not in the Sent folder yet: looked up again
    later."""


def connection_error(where: str, exc: OSError) -> MailConnectionError:
    """`exc` from a socket as a sentence naming the server: refused, timed out, unresolvable, TLS failed."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailConnectionError(f"{where}: the server's certificate is not trusted ({exc.verify_message}); if "
                                   "your company uses its own certificate authority, set its CA file")
    if isinstance(exc, ssl.SSLError):
        return MailConnectionError(f"{where}: the TLS handshake failed ({exc.reason or exc})")
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailConnectionError(f"{where} did not answer in time")
    if isinstance(exc, ConnectionRefusedError):
        return MailConnectionError(f"{where} refused the connection (are the host and port right?)")
    if isinstance(exc, socket.gaierror):
        return MailConnectionError(f"{where}: the host name cannot be resolved")
    return MailConnectionError(f"{where} cannot be reached: {exc.strerror or exc}")
