"""An IMAP folder as a `MailSource`: new messages in UID order, read without marking them read.

The cursor is "UIDVALIDITY:last UID". The server promises that UIDs only grow while UIDVALIDITY stays the
same; when it changes (the folder was recreated or restored), the folder is read again from the start.

Each message's provider id is a hash of its bytes, not its UID: after a UIDVALIDITY change every message
comes back under a new UID, and only an id that does not depend on the UID keeps the store from taking it
in a second time (the store skips a known (source, provider id); its Message-ID check would catch parsed
mail too, but not mail that cannot be parsed and is quarantined).

A message above the size cap is not downloaded: it is reported in `FetchBatch.unreadable`, named by its
Message-ID, so the operator sees it in the queue instead of it being skipped silently."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable

from emailbot_gui.connectors.base import FetchBatch, RawMessage
from emailbot_gui.connectors.imap.config import ImapSettings
from emailbot_gui.connectors.imap.imap_session import FetchedMessage, ImapSession, quoted

log = logging.getLogger(__name__)

MAX_BYTES = 25 * 1024 * 1024
BATCH_BYTES = 16 * 1024 * 1024  # one FETCH asks for at most this much (and at least one message)

PasswordLoader = Callable[[], str]  # called in the worker thread (the keyring blocks)


class ImapMailSource:
    def __init__(self, settings: ImapSettings, password: PasswordLoader, *, max_bytes: int = MAX_BYTES) -> None:
        self.settings = settings
        self.password = password
        self.max_bytes = max_bytes
        self.name = settings.source_name
        self.resyncs = 0  # how often a changed UIDVALIDITY made this source start over

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        return await asyncio.to_thread(self._fetch, cursor, max(1, limit))

    def _fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        saved_validity, last = parse_cursor(cursor)
        with ImapSession.open(self.settings, self.password()) as imap:
            validity = imap.select(self.settings.folder)
            if saved_validity is not None and saved_validity != validity:
                self.resyncs += 1
                log.warning("%s: UIDVALIDITY changed (%d -> %d); reading the folder again from the start",
                            self.name, saved_validity, validity)
                last = 0
            uids = imap.uids_from(last + 1, limit)
            chosen, more = uids[:limit], len(uids) > limit
            sizes = imap.sizes(chosen)
            too_big = [u for u in chosen if sizes.get(u, 0) > self.max_bytes]
            unreadable = self._oversized(imap, too_big, sizes)
            wanted = [u for u in chosen if u in sizes and u not in too_big]  # missing from sizes: expunged meanwhile
            messages: list[RawMessage] = []
            for group in _groups(wanted, sizes):
                for fetched in imap.bodies(group):
                    messages.append(RawMessage(provider_id=content_id(fetched.raw), raw=fetched.raw,
                                               origin=f"{self.settings.folder} UID {fetched.uid}",
                                               received_at_hint=fetched.internal_date))
        position = chosen[-1] if chosen else last
        return FetchBatch(messages=messages, cursor=f"{validity}:{position}", more=more, unreadable=unreadable)

    async def read_raw(self, provider_id: str, message_id: str = "") -> bytes | None:
        """A message delivered earlier, read again (to save an attachment): found in the folder by its
        Message-ID and checked against its content hash; None when it is not there any more."""
        if not message_id:
            return None
        return await asyncio.to_thread(self._read_raw, provider_id, message_id)

    def _read_raw(self, provider_id: str, message_id: str) -> bytes | None:
        with ImapSession.open(self.settings, self.password()) as imap:
            imap.select(self.settings.folder)
            found = find_message(imap, provider_id, message_id, self.max_bytes)
        return found[0].raw if found else None

    def _oversized(self, imap: ImapSession, uids: list[int], sizes: dict[int, int]) -> list[tuple[str, str]]:
        if not uids:
            return []
        ids = imap.header(uids, "Message-ID")
        return [(f"{self.settings.folder}: {ids.get(u) or f'UID {u}'}",
                 f"{sizes[u] / 1024 / 1024:.1f} MB, above the {self.max_bytes / 1024 / 1024:g} MB limit: not "
                 "downloaded; open it in your mail program") for u in uids]


def parse_cursor(cursor: str | None) -> tuple[int | None, int]:
    """(UIDVALIDITY, last UID) of a saved cursor; (None, 0) for none or one this source cannot read."""
    if not cursor:
        return None, 0
    validity, _, last = cursor.partition(":")
    try:
        return int(validity), int(last)
    except ValueError:
        log.warning("ignoring an IMAP position that is not UIDVALIDITY:UID (%r)", cursor[:40])
        return None, 0


def content_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:40]


def find_message(imap: ImapSession, provider_id: str, message_id: str, max_bytes: int) -> list[FetchedMessage]:
    """This very message in the selected folder, found by its Message-ID and told apart from another message
    under the same Message-ID (a resent copy) by its content hash: normally one, two if it was appended twice."""
    if not message_id:
        return []
    uids = imap.search("HEADER", "Message-ID", quoted(message_id))
    sizes = imap.sizes(uids)
    candidates = [u for u in sorted(uids) if sizes.get(u, max_bytes + 1) <= max_bytes]
    return [m for m in imap.bodies(candidates) if content_id(m.raw) == provider_id]


def _groups(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    groups: list[list[int]] = []
    total = 0
    for uid in uids:
        if not groups or total + sizes[uid] > BATCH_BYTES:
            groups.append([])
            total = 0
        groups[-1].append(uid)
        total += sizes[uid]
    return groups
