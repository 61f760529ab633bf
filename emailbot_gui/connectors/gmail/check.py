"""A live check of a Gmail connection for the setup wizard: can a token be had, which scopes it carries,
and does the mailbox answer (`users.getProfile`: its address and how many messages it holds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from emailbot_gui.connectors.gmail.config import SCOPES
from emailbot_gui.connectors.gmail.errors import GmailError, InsufficientScope, ReconsentRequired
from emailbot_gui.connectors.gmail.http import GmailClient


class ScopedTokenProvider(Protocol):
    @property
    def granted_scopes(self) -> tuple[str, ...]: ...

    async def token(self, *, rejected: str | None = None) -> str: ...


@dataclass(frozen=True, slots=True)
class GmailCheck:
    ok: bool
    summary: str  # one line for the wizard page
    address: str = ""
    messages_total: int = 0
    granted_scopes: tuple[str, ...] = ()
    missing_scopes: tuple[str, ...] = ()
    needs_sign_in: bool = False  # the fix is signing in again (or fixing the delegation)


async def check_gmail(client: GmailClient, auth: ScopedTokenProvider, mailbox: str, *,
                      required: Sequence[str] = SCOPES) -> GmailCheck:
    try:
        await auth.token()
    except ReconsentRequired as exc:
        return GmailCheck(False, f"Sign-in needed: {exc}", needs_sign_in=True)
    except GmailError as exc:
        return GmailCheck(False, f"No access token: {exc}")
    granted = auth.granted_scopes
    missing = tuple(s for s in required if s not in granted)
    try:
        profile = await client.get(f"/users/{quote(mailbox, safe='@')}/profile")
    except InsufficientScope as exc:
        return GmailCheck(False, f"Missing permission: {exc}", granted_scopes=granted,
                          missing_scopes=missing or (exc.scope,), needs_sign_in=True)
    except GmailError as exc:
        return GmailCheck(False, f"{mailbox} did not answer: {exc}", granted_scopes=granted, missing_scopes=missing)
    address, total = str(profile.get("emailAddress") or ""), int(profile.get("messagesTotal") or 0)
    names = ", ".join(s.rsplit("/", 1)[-1] for s in granted) or "none reported"
    if missing:
        return GmailCheck(False, f"{address} answers, but the sign-in lacks "
                          f"{', '.join(s.rsplit('/', 1)[-1] for s in missing)} (granted: {names})",
                          address, total, granted, missing, needs_sign_in=True)
    if address.lower() != mailbox.lower():
        return GmailCheck(False, f"Signed in as {address}, not {mailbox}: sign in with the mailbox's account",
                          address, total, granted, needs_sign_in=True)
    return GmailCheck(True, f"Connected to {address}: {total} messages; scopes {names}", address, total, granted)
