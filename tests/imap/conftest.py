"""Fixtures of the IMAP/SMTP tests: one pymap and one aiosmtpd server for the whole session, a fresh folder
per test (so tests do not see each other's mail), and settings pointing at both."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.imap.servers import HOST, PASSWORD, SMTP_PASSWORD, USER, PymapServer, SmtpServer

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[PymapServer]:
    pytest.importorskip("pymap", reason="pymap is not installed (pip install -e '.[test]')")
    server = PymapServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imap_server_without_move() -> Iterator[PymapServer]:
    """A second pymap that does not announce MOVE: moving falls back to UID COPY + UID EXPUNGE (UIDPLUS)."""
    pytest.importorskip("pymap", reason="pymap is not installed (pip install -e '.[test]')")
    server = PymapServer(without=("MOVE",))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server_session() -> Iterator[SmtpServer]:
    pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed (pip install -e '.[test]')")
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_session: SmtpServer) -> Iterator[SmtpServer]:
    smtp_server_session.reset()
    yield smtp_server_session
    smtp_server_session.reset()


@pytest.fixture
def folder(imap_server: PymapServer) -> str:
    name = f"Support{next(_folders)}"
    imap_server.create(name)
    return name


@pytest.fixture
def sent_folder(imap_server: PymapServer) -> str:
    name = f"Sent{next(_folders)}"
    imap_server.create(name)
    return name


@pytest.fixture
def imap_settings(imap_server: PymapServer, smtp_server: SmtpServer, folder: str, sent_folder: str):  # type: ignore[no-untyped-def]
    from emailbot_gui.connectors.imap import ImapSettings, Security

    return ImapSettings(imap_host=HOST, imap_port=imap_server.port, imap_security=Security.NONE, username=USER,
                        folder=folder, smtp_host=HOST, smtp_port=smtp_server.port, smtp_security=Security.NONE,
                        sent_folder=sent_folder, request_timeout=5.0).validate()


def passwords() -> tuple[object, object]:
    return (lambda: PASSWORD), (lambda: SMTP_PASSWORD)
