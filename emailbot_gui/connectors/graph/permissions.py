"""Which Microsoft 365 permissions the console has, found without side effects (the original design sent
a test email; this never writes anything): the token's `roles` (app-only) or `scp` (delegated) claims, and
harmless reads in one $batch where a permission can be exercised by reading. Each permission is
granted / missing / unknown, with how that was determined and what to do about it."""

from __future__ import annotations

import base64
import enum
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.graph.auth import TokenProvider
from emailbot_gui.connectors.graph.batch import BatchRequest, BatchResponse, run_batch
from emailbot_gui.connectors.graph.config import AuthMode, GraphSettings
from emailbot_gui.connectors.graph.errors import GraphError, SignInRequired
from emailbot_gui.connectors.graph.http import GraphClient

log = logging.getLogger(__name__)


class Status(enum.StrEnum):
    GRANTED = "granted"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PermissionCheck:
    permission: str
    kind: str  # "application" | "delegated"
    purpose: str
    status: Status
    how: str
    fix: str = ""
    required: bool = True


@dataclass(frozen=True, slots=True)
class _Need:
    name: str
    purpose: str
    accepted: frozenset[str]  # the permission or a higher one that includes it
    probe: str = ""  # key of a harmless read that exercises it
    required: bool = True


def _need(name: str, purpose: str, *also: str, probe: str = "", required: bool = True) -> _Need:
    return _Need(name, purpose, frozenset((name, *also)), probe, required)


APP_NEEDS = (
    _need("Mail.Read", "read the shared mailbox", "Mail.ReadWrite", probe="mailbox"),
    _need("Mail.ReadWrite", "create reply drafts (createReply) and mark handled mail"),
    _need("Mail.Send", "send approved replies"),
    _need("User.Read.All", "look people up (app-only; the console looks them up as the operator)",
          "User.ReadBasic.All", "Directory.Read.All", probe="users", required=False),
    _need("Chat.Create", "none for escalations: posting the message needs the operator's sign-in",
          "Chat.ReadWrite.All", required=False),
    _need("ChatMember.ReadWrite", "none for escalations: members are set when the chat is created",
          "ChatMember.ReadWrite.All", "Chat.ReadWrite.All", required=False),
)
DELEGATED_MAIL_NEEDS = (
    _need("Mail.Read.Shared", "read the shared mailbox as the operator", "Mail.ReadWrite.Shared", probe="mailbox"),
    _need("Mail.ReadWrite.Shared", "create reply drafts in the shared mailbox and mark handled mail"),
    _need("Mail.Send.Shared", "send approved replies as the shared mailbox"),
)
DELEGATED_TEAMS_NEEDS = (
    _need("User.ReadBasic.All", "look people up for an escalation", "User.Read.All", "Directory.Read.All",
          probe="users"),
    _need("Chat.Create", "create the escalation group chat", "Chat.ReadWrite"),
    _need("ChatMessage.Send", "post the escalation message", "Chat.ReadWrite"),
    _need("ChatMember.ReadWrite", "add people to an existing escalation chat later", "Chat.ReadWrite",
          required=False),
)


def token_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT access token, unverified (only to read what was granted); None if opaque."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


class PermissionValidator:
    def __init__(self, settings: GraphSettings, *, mail_client: GraphClient, mail_auth: TokenProvider,
                 teams_client: GraphClient | None = None, teams_auth: TokenProvider | None = None) -> None:
        self.settings = settings
        self.mail_client, self.mail_auth = mail_client, mail_auth
        self.teams_client, self.teams_auth = teams_client, teams_auth

    async def validate(self, *, mail: bool = True, teams: bool = True) -> list[PermissionCheck]:
        """The mail permissions, then (with a Teams client) the Teams ones; `mail`/`teams` False skips a group:
        each group costs a token and a round of probe requests."""
        delegated_mail = self.settings.auth_mode is AuthMode.DELEGATED
        mail_kind = "delegated" if delegated_mail else "application"
        checks = await self._group(self.mail_client, self.mail_auth, mail_kind,
                                   DELEGATED_MAIL_NEEDS if delegated_mail else APP_NEEDS) if mail else []
        if teams and self.teams_client is not None and self.teams_auth is not None:
            checks += await self._group(self.teams_client, self.teams_auth, "delegated", DELEGATED_TEAMS_NEEDS)
        return checks

    async def _group(self, client: GraphClient, auth: TokenProvider, kind: str,
                     needs: Sequence[_Need]) -> list[PermissionCheck]:
        try:
            token = await auth.token()
        except SignInRequired as exc:
            return [self._unknown(n, kind, f"no operator token: {exc}", "Sign in as the operator, then check again.")
                    for n in needs]
        except GraphError as exc:
            return [self._unknown(n, kind, f"no token: {exc}", "Check the tenant id, the client id and the client "
                                  "secret or certificate in Settings → Microsoft 365.") for n in needs]
        claims = token_claims(token)
        claim = "roles" if kind == "application" else "scp"
        granted: set[str] | None = None
        if claims is not None:
            raw = claims.get(claim) or []
            granted = set(raw.split() if isinstance(raw, str) else raw)
        probes = await self._probes(client, {n.probe for n in needs if n.probe})
        return [self._check(n, kind, claim, granted, probes.get(n.probe)) for n in needs]

    async def _probes(self, client: GraphClient, wanted: set[str]) -> dict[str, BatchResponse | str]:
        paths = {"mailbox": f"/users/{quote(self.settings.target_mailbox, safe='@')}/mailFolders/"
                            f"{quote(self.settings.mail_folder)}?$select=id,displayName",
                 "users": "/users?$top=1&$select=id"}
        requests = [BatchRequest(key, "GET", paths[key]) for key in sorted(wanted)]
        if not requests:
            return {}
        try:
            return dict(await run_batch(client, requests))
        except GraphError as exc:
            return {key: f"{type(exc).__name__}: {exc}" for key in wanted}

    def _check(self, need: _Need, kind: str, claim: str, granted: set[str] | None,
               probe: BatchResponse | str | None) -> PermissionCheck:
        in_token = None if granted is None else bool(need.accepted & granted)
        token_how = (f"the token's {claim} claim is unreadable" if in_token is None else
                     f"the token's {claim} claim {'includes' if in_token else 'lacks'} "
                     f"{' or '.join(sorted(need.accepted))}")
        target = self.settings.target_mailbox if need.probe == "mailbox" else "the directory"
        if isinstance(probe, BatchResponse):
            read = f"reading {target} answered {probe.status}{' ' + probe.error_code if probe.error_code else ''}"
            if probe.ok:
                return PermissionCheck(need.name, kind, need.purpose, Status.GRANTED, f"{token_how}; {read}",
                                       required=need.required)
            if probe.status in (401, 403) or (need.probe == "mailbox" and probe.status == 404):
                fix = self._mailbox_fix(kind) if in_token and need.probe == "mailbox" else self._fix(need, kind)
                return PermissionCheck(need.name, kind, need.purpose, Status.MISSING, f"{token_how}; {read}", fix,
                                       need.required)
            token_how += f"; {read}"
        elif isinstance(probe, str):
            token_how += f"; the harmless read failed ({probe})"
        if in_token is None:
            return self._unknown(need, kind, token_how + "; it cannot be tested without a side effect",
                                 "Check the app's API permissions in the Entra admin center.")
        if in_token:
            return PermissionCheck(need.name, kind, need.purpose, Status.GRANTED,
                                   token_how + ("" if need.probe else " (not exercised: that would change something)"),
                                   required=need.required)
        return PermissionCheck(need.name, kind, need.purpose, Status.MISSING, token_how, self._fix(need, kind),
                               need.required)

    def _fix(self, need: _Need, kind: str) -> str:
        where = f"Entra admin center → App registrations → {self.settings.client_id} → API permissions"
        if kind == "application":
            return f"{where}: add the Microsoft Graph application permission {need.name} and grant admin consent."
        return (f"{where}: add the delegated permission {need.name}, grant consent (an admin may have to), "
                "then sign in again in EmailBot.")

    def _mailbox_fix(self, kind: str) -> str:
        mb = self.settings.target_mailbox
        if kind == "application":
            return (f"The app holds the permission but may not open {mb}: an application access policy or "
                    "Exchange RBAC for Applications limits its mailboxes; add this mailbox to the allowed scope.")
        return (f"The operator may not open {mb}: an Exchange admin grants Full Access "
                f"(Add-MailboxPermission -Identity {mb} -User <operator> -AccessRights FullAccess) and "
                "Send As for replies.")

    @staticmethod
    def _unknown(need: _Need, kind: str, how: str, fix: str) -> PermissionCheck:
        return PermissionCheck(need.name, kind, need.purpose, Status.UNKNOWN, how, fix, need.required)
