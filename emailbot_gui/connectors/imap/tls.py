"""The TLS context of every IMAP and SMTP connection: the system's default (certificates verified, host names
checked, modern protocol versions), optionally trusting a company CA bundle instead. There is no switch to
turn verification off."""

from __future__ import annotations

import ssl

from emailbot_gui.connectors.imap.errors import MailConnectionError


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise MailConnectionError(f"the CA file {ca_file} cannot be used: {exc}") from None

