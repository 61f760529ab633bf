"""`MailSource` over one label (INBOX) of a Gmail mailbox, as Google documents synchronization:

- first (full) sync: `users.getProfile` gives the mailbox's current historyId *before* listing, then
  `users.messages.list?labelIds=INBOX` page by page (`nextPageToken`);
- then incremental sync from that historyId: `users.history.list?historyTypes=messageAdded&labelId=INBOX`,
  page by page, and at the end of the pages the answer's `historyId` is where the next poll starts;
- a 404 for the startHistoryId (Google keeps history about a week, sometimes hours) means a full sync again.

Mail that arrives during a full sync is listed by it and found again by the history that follows; the
store skips what it already has by (source, provider id), and the provider id is Gmail's message id, so
nothing is lost and nothing doubles.

The cursor the store persists with each batch is opaque JSON: the historyId to start from, plus the page
token while a listing is under way, so a restart resumes at the page it stopped.

Each message costs two requests: `format=minimal` (its `sizeEstimate`, so a mail above the limit is
reported in `FetchBatch.unreadable` instead of being downloaded) and `format=raw` (the RFC 5322 bytes).
They run concurrently, bounded by the client's gate (6 in flight). Concurrent single requests rather than
Google's multipart batch endpoint: every item of a batch counts against the same quota anyway, Google
advises small batches, and one throttled or failed item is retried on its own with the client's rules."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.base import FetchBatch, RawMessage
from emailbot_gui.connectors.gmail.config import MAX_MESSAGE_BYTES
from emailbot_gui.connectors.gmail.errors import GmailError, GmailNotFound
from emailbot_gui.connectors.gmail.http import GmailClient

log = logging.getLogger(__name__)

MAX_EMPTY_PAGES = 20  # pages without new mail (history of other labels), followed within one fetch
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SyncPosition:
    history_id: str  # where incremental sync starts (during a full sync: the id taken before listing)
    full: bool  # a full listing is under way
    page: str = ""  # the next page of the listing (or of the history), "" = the first


class GmailMailSource:
    def __init__(self, client: GmailClient, mailbox: str, *, label: str = "INBOX", page_size: int = 100,
                 initial_sync_days: int = 14, max_message_bytes: int = MAX_MESSAGE_BYTES,
                 name: str | None = None) -> None:
        self.client = client
        self.mailbox = mailbox
        self.label = label
        self.page_size = max(1, min(500, page_size))
        self.initial_sync_days = initial_sync_days
        self.max_message_bytes = max_message_bytes
        self.name = name or f"gmail:{mailbox.lower()}"
        self.resyncs = 0  # full syncs after the history expired (diagnostics, tests)
        self._user = f"/users/{quote(mailbox, safe='@')}"
        # A cursor of another mailbox or label is not this sync's: start over instead of mixing.
        self._fingerprint = hashlib.sha256(json.dumps([mailbox.lower(), label]).encode()).hexdigest()[:16]

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        position = self._position_from(cursor) or await self._start_full_sync()
        size = max(1, min(self.page_size, limit))
        ids: list[str] = []
        for _ in range(MAX_EMPTY_PAGES):
            if position.full:
                ids, position = await self._list_page(position, size)
            else:
                try:
                    ids, position = await self._history_page(position, size)
                except GmailNotFound:
                    self.resyncs += 1
                    log.warning("%s: Gmail no longer has history from %s; listing the label again",
                                self.name, position.history_id)
                    position = await self._start_full_sync()
                    continue
            if ids or not position.page:
                break
        messages, unreadable = await self._download(ids)
        return FetchBatch(messages=messages, cursor=self._cursor(position), more=bool(position.page),
                          unreadable=unreadable)

    # ---- listing -------------------------------------------------------------------------------------

    async def _start_full_sync(self) -> SyncPosition:
        profile = await self.client.get(f"{self._user}/profile")
        history_id = str(profile.get("historyId") or "")
        if not history_id:
            raise GmailError("users.getProfile answered without a historyId")
        return SyncPosition(history_id, full=True)

    async def _list_page(self, position: SyncPosition, size: int) -> tuple[list[str], SyncPosition]:
        params: dict[str, str] = {"labelIds": self.label, "maxResults": str(size)}
        if self.initial_sync_days > 0:
            params["q"] = f"newer_than:{self.initial_sync_days}d"
        if position.page:
            params["pageToken"] = position.page
        page = await self.client.get(f"{self._user}/messages", params=params)
        ids = [str(m["id"]) for m in page.get("messages") or () if isinstance(m, dict) and m.get("id")]
        next_page = str(page.get("nextPageToken") or "")
        # Listing done: incremental sync starts from the historyId taken before the listing began.
        return ids, SyncPosition(position.history_id, full=bool(next_page), page=next_page)

    async def _history_page(self, position: SyncPosition, size: int) -> tuple[list[str], SyncPosition]:
        params = {"startHistoryId": position.history_id, "historyTypes": "messageAdded", "labelId": self.label,
                  "maxResults": str(size)}
        if position.page:
            params["pageToken"] = position.page
        page = await self.client.get(f"{self._user}/history", params=params)
        ids: list[str] = []
        records = [r for r in page.get("history") or () if isinstance(r, dict)]
        for record in records:
            for added in record.get("messagesAdded") or ():
                message = added.get("message") if isinstance(added, dict) else None
                if not isinstance(message, dict) or not message.get("id"):
                    continue
                labels = message.get("labelIds")
                if isinstance(labels, list) and self.label not in labels:
                    continue
                if str(message["id"]) not in ids:
                    ids.append(str(message["id"]))
        next_page = str(page.get("nextPageToken") or "")
        if next_page:  # a page token belongs to its startHistoryId: keep both until the last page
            return ids, SyncPosition(position.history_id, full=False, page=next_page)
        return ids, SyncPosition(str(page.get("historyId") or position.history_id), full=False)

    # ---- messages ------------------------------------------------------------------------------------

    async def _download(self, ids: Sequence[str]) -> tuple[list[RawMessage], list[tuple[str, str]]]:
        results = await asyncio.gather(*(self._one(i) for i in ids))
        messages = [r for r in results if isinstance(r, RawMessage)]
        unreadable = [r for r in results if isinstance(r, tuple)]
        return messages, unreadable

    async def _one(self, message_id: str) -> RawMessage | tuple[str, str] | None:
        path = f"{self._user}/messages/{quote(message_id, safe='')}"
        origin = f"{self.name}/{message_id}"
        try:
            meta = await self.client.get(path, params={"format": "minimal",
                                                       "fields": "id,sizeEstimate,internalDate"})
            size = int(meta.get("sizeEstimate") or 0)
            if size > self.max_message_bytes:
                return origin, (f"too large to download: about {size / _MB:.1f} MB, above the "
                                f"{self.max_message_bytes / _MB:.0f} MB limit; open it in Gmail")
            item = await self.client.get(path, params={"format": "raw"})
        except GmailNotFound:
            log.info("%s: message %s was deleted before it could be read", self.name, message_id)
            return None
        try:
            raw = base64.urlsafe_b64decode(_padded(str(item.get("raw") or "")))
        except (binascii.Error, ValueError):
            return origin, "Gmail returned the message in a form that could not be decoded"
        if not raw:
            return origin, "Gmail returned an empty message"
        return RawMessage(provider_id=message_id, raw=raw, origin=f"{self.name}/{self.label}",
                          received_at_hint=_seconds(item.get("internalDate") or meta.get("internalDate")))

    async def read_raw(self, provider_id: str, message_id: str = "") -> bytes | None:
        """A message delivered earlier, downloaded again by its Gmail id (to save an attachment); None when
        it is gone from the mailbox."""
        found = await self._one(provider_id)
        if isinstance(found, tuple):
            raise GmailError(f"{found[0]}: {found[1]}")
        return found.raw if found is not None else None

    # ---- cursor --------------------------------------------------------------------------------------

    def _cursor(self, position: SyncPosition) -> str:
        return json.dumps({"v": 1, "fp": self._fingerprint, "history": position.history_id,
                           "full": position.full, "page": position.page}, separators=(",", ":"))

    def _position_from(self, cursor: str | None) -> SyncPosition | None:
        if not cursor:
            return None
        try:
            data = json.loads(cursor)
            if data.get("v") == 1 and data.get("fp") == self._fingerprint and data.get("history"):
                return SyncPosition(str(data["history"]), bool(data.get("full")), str(data.get("page") or ""))
        except (ValueError, AttributeError):
            pass
        log.warning("%s: the saved position is from another configuration; listing the label again", self.name)
        return None


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def _seconds(internal_date: Any) -> float | None:
    try:
        return int(internal_date) / 1000
    except (TypeError, ValueError):
        return None
