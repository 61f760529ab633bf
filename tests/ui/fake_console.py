"""An in-memory stand-in for TriageConsole, for model tests that need many rows (100,000) or that count
the calls the UI makes. Constructor-injected; the window tests use the real console."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from emailbot_gui.core.categories import CATEGORY_KEYS, DEFAULT_CATEGORIES
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Urgency
from emailbot_gui.services.events import EmailsChanged, EventHub, LoopStatus
from emailbot_gui.store.views import QueueQuery, QueueRow, SortKey

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_rows(n: int) -> list[QueueRow]:
    urgencies = list(Urgency)
    return [
        QueueRow(
            id=i + 1,
            sender_address=f"user{i}@example.com",
            sender_name=f"User {i:06d}",
            subject=f"Subject {i:06d}" + (" printer" if i % 10 == 0 else ""),
            category=CATEGORY_KEYS[i % len(CATEGORY_KEYS)],
            urgency=urgencies[i % len(urgencies)],
            confidence=(i % 100) / 100,
            state=EmailState.AWAITING_REVIEW if i % 3 else EmailState.SENT,
            received_at=NOW - timedelta(minutes=i),
            flagged=i % 50 == 0,
        )
        for i in range(n)
    ]


_SORT_FIELDS = {
    SortKey.RECEIVED: lambda r: r.received_at,
    SortKey.SENDER: lambda r: r.sender_name,
    SortKey.SUBJECT: lambda r: r.subject,
    SortKey.CATEGORY: lambda r: r.category,
    SortKey.URGENCY: lambda r: int(r.urgency or 0),
    SortKey.CONFIDENCE: lambda r: r.confidence or 0.0,
    SortKey.STATE: lambda r: r.state.value,
}


@dataclass
class FakeQueueConsole:
    rows: list[QueueRow]
    events: EventHub = field(default_factory=EventHub)
    actor: str = "tester"
    categories: tuple = DEFAULT_CATEGORIES
    loop_status: LoopStatus = field(default_factory=lambda: LoopStatus(state="idle"))
    page_calls: list[tuple[int, int]] = field(default_factory=list)
    count_calls: int = 0
    fail_pages: bool = False

    def _select(self, query: QueueQuery) -> list[QueueRow]:
        text = query.text.lower()
        selected = [
            r for r in self.rows
            if (not query.states or r.state in query.states)
            and (not query.categories or r.category in query.categories)
            and (not query.urgencies or r.urgency in query.urgencies)
            and (not text or text in r.subject.lower() or text in r.sender_address.lower())
        ]
        selected.sort(key=lambda r: (_SORT_FIELDS[query.sort](r), r.id), reverse=query.descending)
        return selected

    async def queue_count(self, query: QueueQuery) -> int:
        self.count_calls += 1
        return len(self._select(query))

    async def queue_page(self, query: QueueQuery, offset: int, limit: int) -> list[QueueRow]:
        self.page_calls.append((offset, limit))
        if self.fail_pages:
            raise ConnectionError("store unavailable")
        return self._select(query)[offset:offset + limit]

    async def counts(self) -> dict[EmailState, int]:
        result: dict[EmailState, int] = {}
        for r in self.rows:
            result[r.state] = result.get(r.state, 0) + 1
        return result

    async def directory(self) -> list[Address]:
        return []

    def poll_now(self) -> None:
        pass

    def publish(self, ids: Sequence[int], reason: str = "changed") -> None:
        self.events.publish(EmailsChanged(tuple(ids), reason))
