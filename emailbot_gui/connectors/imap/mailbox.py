"""Marks handled mail in the IMAP folder, so colleagues who open it in Thunderbird or webmail see the console's
work: a flag or keyword (`UID STORE +FLAGS`: `\\Seen` marks it read, `\\Flagged` stars it, `$EmailBotHandled` is a
keyword of its own where the folder keeps keywords) and/or a move to another folder (see `ImapSession.move`).

A message is found again by its Message-ID (`UID SEARCH HEADER`), and only a message whose bytes hash to the
provider id counts: another message with the same Message-ID (a resent copy) is left alone. A message the folder
no longer has (a colleague moved or deleted it) is reported as gone, not as a failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from emailbot_gui.connectors.base import HandledMessage, MarkOutcome
from emailbot_gui.connectors.imap.config import ImapSettings
from emailbot_gui.connectors.imap.errors import MailProtocolError
from emailbot_gui.connectors.imap.imap_session import ImapSession
from emailbot_gui.connectors.imap.mail_source import MAX_BYTES, PasswordLoader, find_message

log = logging.getLogger(__name__)


class ImapMailbox:
    def __init__(self, settings: ImapSettings, password: PasswordLoader, *, max_bytes: int = MAX_BYTES) -> None:
        self.settings = settings
        self.password = password
        self.max_bytes = max_bytes  # larger messages were never taken in, so never need marking

    async def mark_handled(self, messages: Sequence[HandledMessage], *, tag: str = "",
                           move_to: str = "") -> MarkOutcome:
        """Add the flag `tag` and/or move to the folder `move_to`. A folder that does not keep `tag` (its
        PERMANENTFLAGS) raises MailProtocolError saying which flags it keeps; nothing is changed then."""
        if not messages or not (tag or move_to):
            return MarkOutcome()
        return await asyncio.to_thread(self._mark, list(messages), tag, move_to)

    def _mark(self, messages: list[HandledMessage], tag: str, move_to: str) -> MarkOutcome:
        folder = self.settings.folder
        with ImapSession.open(self.settings, self.password()) as imap:
            imap.select(folder, readonly=False)
            if tag and not imap.keeps_flag(tag):
                kept = " ".join(sorted(imap.permanent_flags or ())) or "none"
                raise MailProtocolError(
                    f"{imap.where}: the folder {folder!r} does not keep the flag {tag} (it keeps: {kept}); choose "
                    "one of those, e.g. \\Seen to mark handled mail read")
            found = {m.provider_id: self._find(imap, m) for m in messages}
            uids = sorted({uid for group in found.values() for uid in group})
            if uids and tag:
                imap.add_flags(uids, f"({tag})")
            if uids and move_to:
                copied: list[int] = []
                if not imap.moves:  # a copy an earlier attempt made before it failed is not made twice
                    already = self._already_in(imap, move_to, [m for m in messages if found[m.provider_id]])
                    imap.select(folder, readonly=False)
                    copied = [uid for pid in already for uid in found[pid]]
                imap.move(uids, move_to, copied=copied)
        gone = [pid for pid, group in found.items() if not group]
        return MarkOutcome(changed=len(found) - len(gone), gone=gone)

    def _already_in(self, imap: ImapSession, target: str, messages: list[HandledMessage]) -> set[str]:
        """The provider ids of `messages` that the folder `target` already holds (none if it does not exist)."""
        try:
            imap.select(target, readonly=True)
        except MailProtocolError:
            return set()
        return {m.provider_id for m in messages if self._find(imap, m)}

    def _find(self, imap: ImapSession, message: HandledMessage) -> list[int]:
        """The UIDs in the selected folder of this very message."""
        return [m.uid for m in find_message(imap, message.provider_id, message.message_id, self.max_bytes)]
