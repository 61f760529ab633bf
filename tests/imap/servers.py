"""Real mail servers on 127.0.0.1 for the IMAP/SMTP tests: pymap (an asyncio IMAP server, its in-memory "dict"
backend) in a subprocess, and aiosmtpd's Controller in a thread with a handler that keeps what it receives.

The tests talk to them only through the protocols. Where pymap's dict backend lacks something, the tests
work around it in the open: it has no special-use folders (LIST (SPECIAL-USE) is refused, no \\Sent flag), so
the sink falls back to a folder named "Sent", which the tests create like any folder. It keeps only the system
flags (PERMANENTFLAGS without \\*: a keyword would last only for the session), and it offers MOVE and UIDPLUS;
for a server without MOVE, `PymapServer(without=("MOVE",))` drops MOVE from what pymap announces after sign-in,
so the client sees (and must cope with) a server that does not offer it."""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

HOST = "127.0.0.1"
USER = "support@example.test"
PASSWORD = "imap-secret-1"
SMTP_USER = "support@example.test"
SMTP_PASSWORD = "smtp-secret-2"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA (cert.pem, to trust as the CA file) and its key."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EmailBot test mail server")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def server_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert)
    return context


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def dead_port() -> int:
    """A port nothing listens on (bound and closed again at once)."""
    return free_port()


class PymapServer:
    """`pymap dict` on a free port of 127.0.0.1, one user; started once per test session. With `tls` (a
    certificate and its key, PEM files), it offers STARTTLS (pymap has no implicit TLS). `without`: capabilities
    left out of what it announces once signed in (e.g. "MOVE")."""

    def __init__(self, tls: tuple[Path, Path] | None = None, *, without: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        tls_args = ["--cert", str(tls[0]), "--key", str(tls[1])] if tls else ["--no-tls"]
        start = "from pymap.main import main; main()"
        if without:
            dropped = {c.encode() for c in without}
            start = ("import pymap.config as c; announced = c.IMAPConfig.login_capability; "
                     "c.IMAPConfig.login_capability = property(lambda self: "
                     f"[x for x in announced.fget(self) if x not in {dropped!r}]); " + start)
        self.process = subprocess.Popen(
            [sys.executable, "-c", start, "--no-service", "admin",
             "--no-service", "managesieve", "--host", HOST, "--port", str(self.port), *tls_args,
             "dict", "--demo-user", USER, "--demo-password", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with contextlib.closing(socket.create_connection((HOST, self.port), timeout=1)):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pymap did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        """A plain imaplib connection, signed in: how a test arranges the mailbox, through the protocol."""
        conn = imaplib.IMAP4(HOST, self.port, timeout=10)
        conn.login(f'"{USER}"', PASSWORD)
        try:
            yield conn
        finally:
            conn.logout()

    def create(self, folder: str) -> None:
        with self.client() as c:
            typ, data = c.create(f'"{folder}"')
            assert typ == "OK", data

    def recreate(self, folder: str) -> None:
        """DELETE and CREATE the folder: the server gives it a new UIDVALIDITY."""
        with self.client() as c:
            assert c.delete(f'"{folder}"')[0] == "OK"
            assert c.create(f'"{folder}"')[0] == "OK"

    def append(self, folder: str, raw: bytes, flags: str | None = None) -> int:
        with self.client() as c:
            typ, data = c.append(f'"{folder}"', flags, None, raw)
            assert typ == "OK", data
            return int(bytes(data[0]).split(b"APPENDUID ")[1].split()[1].rstrip(b"]"))

    def uidvalidity(self, folder: str) -> int:
        with self.client() as c:
            typ, data = c.status(f'"{folder}"', "(UIDVALIDITY)")
            assert typ == "OK", data
            return int(bytes(data[0]).split(b"UIDVALIDITY ")[1].rstrip(b")"))

    def flags(self, folder: str) -> dict[int, str]:
        with self.client() as c:
            c.select(f'"{folder}"', readonly=True)
            _typ, data = c.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for line in data:
                if isinstance(line, bytes):
                    uid = int(line.split(b"UID ")[1].split(b")")[0].split()[0])
                    out[uid] = line.split(b"FLAGS (")[1].split(b")")[0].decode()
            return out

    def flags_by_subject(self, folder: str) -> dict[str, str]:
        """Subject -> flags of each message in `folder` (pymap sends UID and FLAGS after the literal)."""
        with self.client() as c:
            c.select(f'"{folder}"', readonly=True)
            _typ, data = c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out: dict[str, str] = {}
        meta, subject = b"", ""
        for item in [*data, (b"", b"")]:
            if isinstance(item, tuple):
                if subject:
                    found = re.search(rb"FLAGS \(([^)]*)\)", meta)
                    out[subject] = found[1].decode() if found else ""
                meta, subject = bytes(item[0]), bytes(item[1]).decode().partition(":")[2].strip()
            elif isinstance(item, bytes):
                meta += item
        return out

    def messages(self, folder: str) -> list[EmailMessage]:
        with self.client() as c:
            typ, _ = c.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[])")
            return [message_from_bytes(item[1], policy=policy.default)  # type: ignore[misc]
                    for item in data if isinstance(item, tuple)]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


@dataclass
class CapturingHandler:
    """Keeps every message; `on_message` runs for each (a test makes the server file it, as Gmail does)."""

    received: list[Received] = field(default_factory=list)
    on_message: Callable[[Received], None] | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        got = Received(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], bytes(raw))
        self.received.append(got)
        if self.on_message is not None:
            self.on_message(got)
        self.arrived.set()
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and \
        (auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class SmtpServer:
    """aiosmtpd on a free port of 127.0.0.1; `implicit_tls` / `starttls`: an SSLContext to serve TLS with from
    the first byte (port 465 style) or after STARTTLS, which is then required before signing in."""

    def __init__(self, *, implicit_tls: ssl.SSLContext | None = None, starttls: ssl.SSLContext | None = None) -> None:
        self.handler = CapturingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, authenticator=_authenticator,
                                     auth_require_tls=starttls is not None, auth_exclude_mechanism=["CRAM-MD5"],
                                     ssl_context=implicit_tls, tls_context=starttls,
                                     require_starttls=starttls is not None)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def reset(self) -> None:
        self.handler.received.clear()
        self.handler.on_message = None
