"""The production default is TLS: the connector against real servers on 127.0.0.1 that speak it, with a
certificate the tests make (its own CA). pymap offers STARTTLS for IMAP; aiosmtpd serves SMTP with implicit
TLS (port 465 style) and with STARTTLS (required before signing in). A certificate the connector is not told
to trust is refused with a sentence that says so; there is no switch to skip the check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emailbot_gui.connectors.imap import ImapMailSource, ImapSettings, MailConnectionError, Security
from emailbot_gui.connectors.imap.connection_check import check_connection
from tests.imap.servers import (
    HOST,
    PASSWORD,
    SMTP_PASSWORD,
    USER,
    PymapServer,
    SmtpServer,
    self_signed_certificate,
    server_tls,
)
from tests.imap.test_mail_source import mail
from tests.imap.test_smtp_sink import Progress, reply, sink

Certificate = tuple[Path, Path]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_imap(certificate: Certificate) -> Iterator[PymapServer]:
    pytest.importorskip("pymap", reason="pymap is not installed (pip install -e '.[test]')")
    server = PymapServer(tls=certificate)
    server.create("Sent")
    yield server
    server.stop()


@pytest.fixture(params=[Security.SSL, Security.STARTTLS], ids=["smtp-implicit-tls", "smtp-starttls"])
def tls_smtp(request: pytest.FixtureRequest, certificate: Certificate) -> Iterator[tuple[SmtpServer, Security]]:
    pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed (pip install -e '.[test]')")
    context = server_tls(certificate)
    server = SmtpServer(implicit_tls=context) if request.param is Security.SSL else SmtpServer(starttls=context)
    yield server, request.param
    server.stop()


def settings(imap: PymapServer, smtp: SmtpServer, smtp_security: Security, ca_file: Path | None) -> ImapSettings:
    return ImapSettings(imap_host=HOST, imap_port=imap.port, imap_security=Security.STARTTLS, username=USER,
                        folder="INBOX", smtp_host=HOST, smtp_port=smtp.port, smtp_security=smtp_security,
                        sent_folder="Sent", ca_file=str(ca_file or ""), request_timeout=5.0).validate()


async def test_mail_is_read_and_a_reply_sent_over_tls_with_the_trusted_certificate(tls_imap, tls_smtp, certificate):
    smtp, security = tls_smtp
    configured = settings(tls_imap, smtp, security, certificate[0])
    tls_imap.append("INBOX", mail(1))
    batch = await ImapMailSource(configured, lambda: PASSWORD).fetch(None, 50)
    assert mail(1) in [m.raw for m in batch.messages]

    progress = Progress()
    receipt = await sink(configured).send_reply(reply(progress, key=f"reply:tls-{security}"))
    assert [r.message["Message-ID"] for r in smtp.received] == [receipt.external_id]
    steps = await check_connection(configured, lambda: PASSWORD, lambda: SMTP_PASSWORD)
    assert all(step.ok for step in steps), steps


async def test_a_certificate_not_trusted_is_refused_with_a_clear_error(tls_imap, tls_smtp, certificate):
    smtp, security = tls_smtp
    untrusted = settings(tls_imap, smtp, security, None)  # the system's CAs do not know the test CA
    with pytest.raises(MailConnectionError, match="certificate is not trusted"):
        await ImapMailSource(untrusted, lambda: PASSWORD).fetch(None, 50)
    steps = await check_connection(untrusted, lambda: PASSWORD, lambda: SMTP_PASSWORD)
    assert steps[0].ok is False and steps[-1].ok is False  # IMAP and SMTP both refuse it
    assert "certificate is not trusted" in steps[-1].detail
    assert smtp.received == []
