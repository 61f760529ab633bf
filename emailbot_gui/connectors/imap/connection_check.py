"""A live test of an IMAP/SMTP mailbox for the setup wizard and `emailbot doctor`: sign in to IMAP, open the
folder and count its messages, find the Sent folder, then EHLO and sign in to SMTP and QUIT — nothing is
sent, nothing is changed. Every step is reported in words, a failed one with its typed error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from emailbot_gui.connectors.imap.config import SECURITY_WORDS, ImapSettings
from emailbot_gui.connectors.imap.errors import MailServerError
from emailbot_gui.connectors.imap.imap_session import ImapSession
from emailbot_gui.connectors.imap.sink import PasswordLoader
from emailbot_gui.connectors.imap.smtp_session import SmtpSession


@dataclass(frozen=True, slots=True)
class ConnectionStep:
    name: str
    ok: bool
    detail: str
    error: MailServerError | None = None


async def check_connection(settings: ImapSettings, imap_password: PasswordLoader,
                           smtp_password: PasswordLoader) -> list[ConnectionStep]:
    """The steps of the test, in order; never raises a `MailServerError` (it becomes a failed step)."""
    return await asyncio.to_thread(_check, settings, imap_password, smtp_password)


def describe(steps: list[ConnectionStep]) -> str:
    """The result as sentences, one step a line."""
    return "\n".join(f"{'✓' if s.ok else '✗'} {s.name}: {s.detail}" for s in steps)


def _check(settings: ImapSettings, imap_password: PasswordLoader, smtp_password: PasswordLoader
           ) -> list[ConnectionStep]:
    return [*_check_imap(settings, imap_password), _check_smtp(settings, smtp_password)]


def _check_imap(settings: ImapSettings, password: PasswordLoader) -> list[ConnectionStep]:
    steps: list[ConnectionStep] = []
    where = f"{settings.imap_host}:{settings.imap_port}"
    try:
        with ImapSession.open(settings, password()) as imap:
            steps.append(ConnectionStep("IMAP sign-in", True, f"signed in to {where} as {settings.username} "
                                                              f"{SECURITY_WORDS[settings.imap_security]}"))
            imap.select(settings.folder)
            steps.append(ConnectionStep(f"Folder {settings.folder}", True, f"{imap.exists} messages"))
            if settings.append_sent:
                sent = settings.sent_folder or imap.sent_folder()
                steps.append(ConnectionStep("Sent folder", True, f"copies of sent mail go to {sent!r}"))
    except MailServerError as exc:
        name = "IMAP sign-in" if not steps else f"Folder {settings.folder}" if len(steps) == 1 else "Sent folder"
        steps.append(ConnectionStep(name, False, str(exc), exc))
    return steps


def _check_smtp(settings: ImapSettings, password: PasswordLoader) -> ConnectionStep:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        how = f"{SECURITY_WORDS[settings.smtp_security]}; nothing was sent"
        with SmtpSession.open(settings, password()) as smtp:
            if smtp.signed_in:
                return ConnectionStep("SMTP sign-in", True, f"signed in to {where} as {settings.smtp_login} {how}")
            return ConnectionStep("SMTP sign-in", True, f"{where} accepts mail without signing in {how}")
    except MailServerError as exc:
        return ConnectionStep("SMTP sign-in", False, str(exc), exc)
