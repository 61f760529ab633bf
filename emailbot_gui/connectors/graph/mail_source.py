"""`MailSource` over a shared mailbox folder with Graph's delta query.

One `fetch` is one delta page: `Prefer: odata.maxpagesize` sets the page size, `$select` only what the
console shows, `changeType=created` so read flags, categories and moves (including the console's own)
never come back as changes, and `Prefer: IdType="ImmutableId"` so ids survive moves. The cursor the store
persists with each batch is the page's `@odata.nextLink` (mid-round) or `@odata.deltaLink` (round done),
so a restart resumes exactly there; an idle poll is one request to the delta link.

When Graph no longer knows the token (410 Gone, or syncStateNotFound) the folder is synchronized from the
start again; immutable ids make every message already ingested a duplicate the store skips."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.base import FetchBatch, RawMessage
from emailbot_gui.connectors.graph.errors import GraphError, GraphSyncReset
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.connectors.graph.messages import ATTACHMENT_SELECT, DEFAULT_SELECT, envelope, received_timestamp

log = logging.getLogger(__name__)

IMMUTABLE_IDS = 'IdType="ImmutableId"'
MAX_EMPTY_PAGES = 20  # pages with only removals or nothing, followed within one fetch


class GraphMailSource:
    """Reads `folder` (a well-known name such as "inbox", or a folder id) of `mailbox`."""

    def __init__(self, client: GraphClient, mailbox: str, *, folder: str = "inbox", page_size: int = 50,
                 select: tuple[str, ...] = DEFAULT_SELECT, expand_attachments: bool = True,
                 initial_sync_days: int = 14, name: str | None = None) -> None:
        self.client = client
        self.mailbox = mailbox
        self.folder = folder
        self.page_size = max(1, min(1000, page_size))
        self.select = select
        self.expand_attachments = expand_attachments
        self.initial_sync_days = initial_sync_days
        self.name = name or f"graph:{mailbox.lower()}"
        self.resyncs = 0
        # A cursor made with other query options belongs to another sync: start over instead of mixing.
        self._fingerprint = hashlib.sha256(json.dumps(
            [mailbox.lower(), folder, list(select), expand_attachments]).encode()).hexdigest()[:16]

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        link = self._link_from(cursor)
        size = max(1, min(self.page_size, limit))
        messages: list[RawMessage] = []
        position, next_link = "", None
        for _ in range(MAX_EMPTY_PAGES):
            page = await self._page(link, size)
            messages = [self._raw(item) for item in page.get("value", [])
                        if isinstance(item, dict) and "@removed" not in item and item.get("id")]
            next_link, delta_link = page.get("@odata.nextLink"), page.get("@odata.deltaLink")
            if not isinstance(next_link or delta_link, str):
                raise GraphError(f"delta page of {self.mailbox}/{self.folder} has neither nextLink nor deltaLink")
            link = position = str(next_link or delta_link)
            # Graph may send empty pages mid-round; the loop stops on an empty batch, so follow them here.
            if messages or not next_link:
                break
        return FetchBatch(messages=messages, cursor=self._cursor(position), more=bool(next_link))

    async def _page(self, link: str | None, size: int) -> dict[str, Any]:
        prefer = [f"odata.maxpagesize={size}"]
        if link is not None:
            try:
                return dict(await self.client.get(link, prefer=prefer))
            except GraphSyncReset as exc:
                self.resyncs += 1
                log.warning("%s: the delta token is no longer valid (%s); synchronizing the folder again",
                            self.name, exc.code or exc.status)
        path, params = self._initial_request()
        return dict(await self.client.get(path, params=params, prefer=prefer))

    def _initial_request(self) -> tuple[str, dict[str, str]]:
        path = f"/users/{quote(self.mailbox, safe='@')}/mailFolders/{quote(self.folder)}/messages/delta"
        params = {"changeType": "created", "$select": ",".join(self.select)}
        if self.expand_attachments:
            params["$expand"] = f"attachments($select={ATTACHMENT_SELECT})"
        if self.initial_sync_days > 0:
            since = datetime.now(UTC) - timedelta(days=self.initial_sync_days)
            params["$filter"] = f"receivedDateTime ge {since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        return path, params

    def _raw(self, item: dict[str, Any]) -> RawMessage:
        item = {k: v for k, v in item.items() if k not in ("@odata.etag", "@odata.type")}
        return RawMessage(provider_id=str(item["id"]), raw=envelope(item), origin=f"{self.name}/{self.folder}",
                          received_at_hint=received_timestamp(item))

    def _cursor(self, link: str) -> str:
        return json.dumps({"v": 1, "fp": self._fingerprint, "link": link}, separators=(",", ":"))

    def _link_from(self, cursor: str | None) -> str | None:
        if not cursor:
            return None
        try:
            data = json.loads(cursor)
            if data.get("v") == 1 and data.get("fp") == self._fingerprint and isinstance(data.get("link"), str):
                return str(data["link"])
        except (ValueError, AttributeError):
            pass
        log.warning("%s: the saved position is from another configuration; synchronizing the folder again",
                    self.name)
        return None
