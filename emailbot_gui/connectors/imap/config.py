"""Settings of an IMAP/SMTP mailbox: where to read (IMAP host, folder), where to send (SMTP host), how each
connection is secured, and the mailbox's own address. Non-secret only: the passwords live in the
`SecretStore` (config/secrets.py) and are handed to the connector as loaders, read when a connection opens."""

from __future__ import annotations

import enum
from dataclasses import dataclass

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_SENT_FOLDER = "Sent"


class Security(enum.StrEnum):
    SSL = "ssl"  # TLS from the first byte (IMAP 993, SMTP 465)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS before signing in (IMAP 143, SMTP 587)
    NONE = "none"  # no encryption: only for a server on this computer, or when explicitly allowed


SECURITY_WORDS = {Security.SSL: "over TLS", Security.STARTTLS: "over TLS (STARTTLS)", Security.NONE: "unencrypted"}
IMAP_PORTS = {Security.SSL: 993, Security.STARTTLS: 143, Security.NONE: 143}
SMTP_PORTS = {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}


class ImapSettingsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ImapSettings:
    imap_host: str
    username: str
    smtp_host: str
    address: str = ""  # the mailbox's own address (From of replies); empty: the user name, when it is one
    imap_port: int = 993
    imap_security: Security = Security.SSL
    folder: str = "INBOX"
    smtp_port: int = 465
    smtp_security: Security = Security.SSL
    smtp_username: str = ""  # empty: the IMAP user name
    sent_folder: str = ""  # empty: the folder the server marks \Sent, else "Sent"
    append_sent: bool = True  # file a copy of what is sent; off for servers that file submissions (Gmail)
    ca_file: str = ""  # a PEM bundle to trust instead of the system's (a company CA); verification stays on
    allow_plaintext: bool = False  # permit Security.NONE towards a host that is not this computer
    request_timeout: float = 30.0  # socket timeout of every IMAP and SMTP operation
    send_grace_seconds: float = 600.0  # how long a send is awaited in the Sent folder before it is reported

    @property
    def from_address(self) -> str:
        return self.address or (self.username if "@" in self.username else "")

    @property
    def smtp_login(self) -> str:
        return self.smtp_username or self.username

    @property
    def source_name(self) -> str:
        return f"imap:{self.username.lower()}@{self.imap_host.lower()}/{self.folder}"

    def validate(self) -> ImapSettings:
        for name in ("imap_host", "smtp_host"):
            host = getattr(self, name)
            _require(bool(host.strip()) and not any(c.isspace() or c in "/@" for c in host.strip()), name,
                     "must be a host name or address (e.g. imap.example.com)")
        _require(bool(self.username.strip()), "username", "is required")
        _require("@" in self.from_address, "address", "must be the mailbox's email address (name@domain)")
        for name in ("imap_port", "smtp_port"):
            _require(1 <= getattr(self, name) <= 65535, name, "must be between 1 and 65535")
        _require(bool(self.folder.strip()), "folder", "is required (INBOX, or another folder's name)")
        _require(self.request_timeout > 0, "request_timeout", "must be greater than 0")
        _require(self.send_grace_seconds >= 0, "send_grace_seconds", "must be 0 or more")
        for host_field, security_field in (("imap_host", "imap_security"), ("smtp_host", "smtp_security")):
            plain = getattr(self, security_field) is Security.NONE
            _require(not plain or self.allow_plaintext or is_loopback(getattr(self, host_field)), security_field,
                     "is 'none' (no encryption) for a server that is not this computer: the password would cross "
                     "the network readable; use ssl or starttls, or allow unencrypted connections explicitly")
        return self


def is_loopback(host: str) -> bool:
    return host.strip().lower() in LOOPBACK_HOSTS


def _require(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise ImapSettingsError(f"IMAP/SMTP setting '{name}' {why}")
