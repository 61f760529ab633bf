"""On-demand work on the shared mailbox beyond polling: the raw MIME of one message, attachments
(listed for many messages in one $batch, downloaded one at a time with a size cap), the Outlook link of a
message, and marking handled mail (a category and/or a move) so colleagues see the console's work."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from emailbot_gui.connectors.base import HandledMessage, MarkOutcome
from emailbot_gui.connectors.graph.batch import BatchRequest, run_batch
from emailbot_gui.connectors.graph.errors import GraphError
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.connectors.graph.messages import ATTACHMENT_SELECT

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 25 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class GraphAttachment:
    id: str
    name: str
    content_type: str
    size: int
    inline: bool


class GraphMailbox:
    def __init__(self, client: GraphClient, mailbox: str) -> None:
        self.client = client
        self.mailbox = mailbox
        self._base = f"/users/{quote(mailbox, safe='@')}/messages"

    def _message(self, provider_id: str) -> str:
        return f"{self._base}/{quote(provider_id, safe='')}"

    async def fetch_mime(self, provider_id: str, *, max_bytes: int = MAX_DOWNLOAD) -> bytes:
        """The message as RFC 5322 bytes (for "view original" or an export), not used by polling."""
        response = await self.client.request("GET", f"{self._message(provider_id)}/$value")
        if len(response.content) > max_bytes:
            raise GraphError(f"message is larger than {max_bytes} bytes")
        return response.content

    async def web_link(self, provider_id: str) -> str:
        data = await self.client.get(self._message(provider_id), params={"$select": "webLink"})
        link = str(data.get("webLink", ""))
        return link if link.startswith("https://") else ""

    async def list_attachments(self, provider_ids: Sequence[str]) -> dict[str, list[GraphAttachment]]:
        """Attachments (without their content) of several messages, in batches of 20."""
        requests = [BatchRequest(str(i), "GET", f"{self._message(pid)}/attachments?$select={ATTACHMENT_SELECT}")
                    for i, pid in enumerate(provider_ids)]
        answers = await run_batch(self.client, requests)
        out: dict[str, list[GraphAttachment]] = {}
        for i, pid in enumerate(provider_ids):
            answer = answers[str(i)]
            if not answer.ok:
                raise GraphError(f"listing attachments of a message failed: {answer.status} {answer.error_code}",
                                 status=answer.status, code=answer.error_code)
            out[pid] = [GraphAttachment(str(a.get("id", "")), str(a.get("name", "")),
                                        str(a.get("contentType", "")), int(a.get("size") or 0),
                                        bool(a.get("isInline")))
                        for a in (answer.body or {}).get("value", [])]
        return out

    async def download_attachment(self, provider_id: str, attachment: GraphAttachment, *,
                                  max_bytes: int = MAX_DOWNLOAD) -> bytes:
        if attachment.size > max_bytes:
            raise GraphError(f"{attachment.name} is {attachment.size} bytes, above the {max_bytes} byte limit")
        url = f"{self._message(provider_id)}/attachments/{quote(attachment.id, safe='')}/$value"
        response = await self.client.request("GET", url)
        if len(response.content) > max_bytes:  # the listed size was wrong: a cut file would be a corrupt one
            raise GraphError(f"{attachment.name} is larger than the {max_bytes} byte limit")
        return response.content

    async def mark_processed(self, provider_ids: Sequence[str], *, category: str = "", move_to: str = "") -> int:
        """Add `category` (keeping the others) and/or move to `move_to` (a well-known folder name or id).
        Two $batch rounds per 20 messages at most; returns how many were changed."""
        outcome = await self.mark_handled([HandledMessage(p) for p in provider_ids], tag=category, move_to=move_to)
        return outcome.changed

    async def mark_handled(self, messages: Sequence[HandledMessage], *, tag: str = "",
                           move_to: str = "") -> MarkOutcome:
        """`mark_processed` (`tag` is the Outlook category), saying which messages could not be marked and why, and
        which are gone (Graph answers 404: deleted, or moved out of the mailbox's reach, by someone else)."""
        provider_ids = [m.provider_id for m in messages]
        category = tag
        outcome = MarkOutcome()
        if not provider_ids or not (category or move_to):
            return outcome
        if category:
            reads = [BatchRequest(str(i), "GET", f"{self._message(p)}?$select=categories")
                     for i, p in enumerate(provider_ids)]
            current = await run_batch(self.client, reads)
            patches = []
            for i, pid in enumerate(provider_ids):
                answer = current[str(i)]
                if answer.status == 404:  # moved to a folder out of reach, or deleted, by a colleague
                    outcome.gone.append(pid)
                    continue
                if not answer.ok:
                    log.warning("cannot read categories of a message: %s %s", answer.status, answer.error_code)
                    outcome.failed[pid] = f"reading its categories: {answer.status} {answer.error_code}".strip()
                    continue
                categories = list((answer.body or {}).get("categories") or [])
                if category not in categories:
                    patches.append(BatchRequest(str(i), "PATCH", self._message(pid),
                                                {"categories": [*categories, category]}))
            for request_id, answer in (await run_batch(self.client, patches)).items() if patches else ():
                outcome.changed += answer.ok
                if not answer.ok:
                    outcome.failed[provider_ids[int(request_id)]] = \
                        f"setting the category: {answer.status} {answer.error_code}".strip()
        if move_to:
            # POST move is repeatable in effect: moving an item already in the target leaves it there.
            gone = set(outcome.gone)
            moves = [BatchRequest(str(i), "POST", f"{self._message(p)}/move", {"destinationId": move_to})
                     for i, p in enumerate(provider_ids) if p not in gone]
            moved = 0
            for request_id, answer in (await run_batch(self.client, moves)).items() if moves else ():
                moved += answer.ok
                pid = provider_ids[int(request_id)]
                if answer.status == 404:
                    if pid not in gone:
                        outcome.gone.append(pid)
                        gone.add(pid)
                elif not answer.ok:
                    outcome.failed.setdefault(pid, f"moving it: {answer.status} {answer.error_code}".strip())
            outcome.changed = max(outcome.changed, moved)
        return outcome
