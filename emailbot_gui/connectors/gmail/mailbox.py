"""Marks handled mail in the Gmail mailbox, so colleagues who open it in Gmail see the console's work: a label
of the operator's choosing (looked up by name with `users.labels.list`, created with `users.labels.create` when
the mailbox has none yet, its id remembered) and/or out of the inbox (the INBOX label removed: Gmail's
"archive"), both in one `users.messages.batchModify` per 1000 messages.

Adding or removing a label twice changes nothing, so a batchModify that got no answer is simply sent again.
Gmail ignores ids of messages that are gone, so there is nothing to report as gone here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from emailbot_gui.connectors.base import ARCHIVE, HandledMessage, MarkOutcome
from emailbot_gui.connectors.gmail.errors import GmailError
from emailbot_gui.connectors.gmail.http import GmailClient

log = logging.getLogger(__name__)

MAX_IDS = 1000  # per batchModify (Google's limit)
INBOX = "INBOX"


class GmailMailbox:
    def __init__(self, client: GmailClient, mailbox: str) -> None:
        self.client = client
        self.mailbox = mailbox
        self._user = f"/users/{quote(mailbox, safe='@')}"
        self._label_ids: dict[str, str] = {}  # label name (lower case) -> id, as found or created

    async def mark_handled(self, messages: Sequence[HandledMessage], *, tag: str = "",
                           move_to: str = "") -> MarkOutcome:
        """Add the label named `tag` and/or, with `move_to` ARCHIVE, take the messages out of the inbox."""
        if move_to not in ("", ARCHIVE):
            raise GmailError(f"Gmail cannot move mail to {move_to!r}: only out of the inbox ({ARCHIVE!r})")
        ids = list(dict.fromkeys(m.provider_id for m in messages))
        if not ids or not (tag or move_to):
            return MarkOutcome()
        body: dict[str, Any] = {}
        if tag:
            body["addLabelIds"] = [await self.label_id(tag)]
        if move_to:
            body["removeLabelIds"] = [INBOX]
        try:
            for start in range(0, len(ids), MAX_IDS):
                await self.client.request("POST", f"{self._user}/messages/batchModify", idempotent=True,
                                          json={"ids": ids[start:start + MAX_IDS], **body})
        except GmailError:
            self._label_ids.clear()  # the label may have been deleted meanwhile: look it up again next time
            raise
        return MarkOutcome(changed=len(ids))

    async def label_id(self, name: str) -> str:
        """The id of the user label `name` (Gmail compares label names without case), created when missing."""
        key = name.lower()
        if key not in self._label_ids:
            found = await self._find_label(key)
            if found is None:
                found = await self._create_label(name)
            self._label_ids[key] = found
        return self._label_ids[key]

    async def _find_label(self, key: str) -> str | None:
        answer = await self.client.get(f"{self._user}/labels")
        for label in answer.get("labels") or ():
            if isinstance(label, dict) and str(label.get("name", "")).lower() == key and label.get("id"):
                return str(label["id"])
        return None

    async def _create_label(self, name: str) -> str:
        try:
            created = (await self.client.request("POST", f"{self._user}/labels", json={
                "name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"})).json()
        except GmailError as exc:
            if exc.status != 409:
                raise
            # Created meanwhile (another console, a colleague): the name is taken, so it is there to find.
            found = await self._find_label(name.lower())
            if found is None:
                raise
            return found
        log.info("created the Gmail label %r for handled mail", name)
        return str(created["id"])
