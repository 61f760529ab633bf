"""One signed-in SMTP connection, blocking (callers run it in a worker thread): connect with the chosen
security, EHLO, sign in, and send prepared bytes. Failures become typed errors naming host:port; a message the
server answers with an error code is `SendRejected` (it was not accepted), while a connection lost during
the transaction is a `MailConnectionError` (it may or may not have been accepted)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence

from emailbot_gui.connectors.imap.config import ImapSettings, Security
from emailbot_gui.connectors.imap.errors import (
    MailConnectionError,
    MailProtocolError,
    MailServerError,
    MailSignInError,
    SendRejected,
    connection_error,
)
from emailbot_gui.connectors.imap.tls import tls_context

log = logging.getLogger(__name__)


class SmtpSession:
    def __init__(self, smtp: smtplib.SMTP, where: str, signed_in: bool) -> None:
        self.smtp = smtp
        self.where = where
        self.signed_in = signed_in  # False: the server offers no AUTH (a relay that needs none)

    @classmethod
    def open(cls, settings: ImapSettings, password: str) -> SmtpSession:
        where = f"SMTP server {settings.smtp_host}:{settings.smtp_port}"
        smtp = _connect(settings, where)
        try:
            signed_in = _sign_in(smtp, where, settings.smtp_login, password)
        except BaseException:
            _close(smtp)
            raise
        return cls(smtp, where, signed_in)

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        _close(self.smtp)

    def send(self, sender: str, recipients: Sequence[str], raw: bytes) -> dict[str, str]:
        """Send `raw` as is; returns the recipients the server refused while accepting others."""
        try:
            refused = self.smtp.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            shown = "; ".join(f"{r}: {_code_text(code, text)}" for r, (code, text) in exc.recipients.items())
            raise SendRejected(f"{self.where} refused every recipient ({shown})") from None
        except smtplib.SMTPServerDisconnected as exc:
            raise MailConnectionError(f"{self.where} dropped the connection while sending: {exc}") from None
        except smtplib.SMTPResponseException as exc:  # MAIL FROM, DATA or the message itself refused
            raise SendRejected(f"{self.where} refused the message: {_code_text(exc.smtp_code, exc.smtp_error)}",
                               code=exc.smtp_code) from None
        except smtplib.SMTPException as exc:
            raise MailProtocolError(f"{self.where}: {exc}") from None
        except OSError as exc:
            raise connection_error(self.where, exc) from None
        return {r: _code_text(code, text) for r, (code, text) in refused.items()}


def _connect(settings: ImapSettings, where: str) -> smtplib.SMTP:
    timeout = settings.request_timeout
    smtp: smtplib.SMTP | None = None
    try:
        if settings.smtp_security is Security.SSL:
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                    context=tls_context(settings.ca_file))
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        smtp.ehlo()
        if settings.smtp_security is Security.STARTTLS:
            if not smtp.has_extn("starttls"):
                raise MailConnectionError(f"{where} does not offer STARTTLS; choose ssl (port 465)")
            smtp.starttls(context=tls_context(settings.ca_file))
            smtp.ehlo()
        return smtp
    except MailServerError:
        _close(smtp)
        raise
    except smtplib.SMTPServerDisconnected as exc:
        _close(smtp)
        raise MailConnectionError(f"{where} closed the connection: {exc}") from None
    except smtplib.SMTPResponseException as exc:  # a refusing greeting, EHLO or STARTTLS
        _close(smtp)
        raise MailConnectionError(f"{where} refused the session: {_code_text(exc.smtp_code, exc.smtp_error)}"
                                  ) from None
    except smtplib.SMTPException as exc:
        _close(smtp)
        raise MailProtocolError(f"{where} did not answer as an SMTP server: {exc}") from None
    except OSError as exc:
        _close(smtp)
        raise connection_error(where, exc) from None


def _sign_in(smtp: smtplib.SMTP, where: str, user: str, password: str) -> bool:
    if not smtp.has_extn("auth"):
        log.info("%s offers no AUTH: sending without signing in", where)
        return False
    if not password:
        raise MailSignInError(f"{where}: no password is set for {user}")
    try:
        smtp.login(user, password)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailSignInError(f"{where} refused the sign-in of {user}: "
                              f"{_code_text(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise MailConnectionError(f"{where} closed the connection while signing in: {exc}") from None
    except smtplib.SMTPException as exc:
        raise MailSignInError(f"{where}: signing in as {user} failed: {exc}") from None
    except OSError as exc:
        raise connection_error(where, exc) from None
    return True


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except Exception:  # already gone: closing is best effort
        smtp.close()



def _code_text(code: int, text: bytes | str) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(shown.split())}"[:300]
