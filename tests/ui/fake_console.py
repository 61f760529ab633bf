"""An in-memory stand-in for TriageConsole, for model tests that need many rows (100,000) or that count
the calls the UI makes. Constructor-injected; the window tests use the real console."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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


class KeyringStandIn:
    """A SecretStore in memory that says it persists, like the OS keyring (MemorySecretStore says it does
    not, which is the no-keyring case). Counts writes, so a test can see that nothing was saved, and reads."""

    persistent = True

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.writes: list[str] = []
        self.reads: list[str] = []

    def get(self, name: str) -> str | None:
        self.reads.append(name)
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value
        self.writes.append(name)

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@dataclass
class FakeSettingsConsole:
    """What the Settings, health and auto-approval views use of TriageConsole, recording every call."""

    settings: Any = None
    secrets: KeyringStandIn = field(default_factory=KeyringStandIn)
    events: EventHub = field(default_factory=EventHub)
    categories: tuple = DEFAULT_CATEGORIES
    applied: list[Any] = field(default_factory=list)
    secrets_changed: list[bool] = field(default_factory=list)  # per apply_settings call
    restart_needed: bool = False
    fail_apply: Exception | None = None
    health_rows: list[Any] = field(default_factory=list)
    rechecks: int = 0
    agreement: dict[str, Any] = field(default_factory=dict)
    auto_rules: Any = None
    saved_rules: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        from emailbot_gui.config.settings import Settings
        from emailbot_gui.pipeline.auto_approval import AutoApprovalSettings

        self.settings = self.settings or Settings()
        self.auto_rules = self.auto_rules or AutoApprovalSettings()

    async def apply_settings(self, new: Any, *, secrets_changed: bool = True) -> bool:
        if self.fail_apply is not None:
            raise self.fail_apply
        self.applied.append(new)
        self.secrets_changed.append(secrets_changed)
        self.settings = new
        return self.restart_needed

    def health(self) -> list[Any]:
        return list(self.health_rows)

    async def recheck_health(self) -> list[Any]:
        self.rechecks += 1
        return list(self.health_rows)

    @property
    def auto_approval(self) -> Any:
        return self.auto_rules

    async def agreement_rates(self) -> dict[str, Any]:
        return dict(self.agreement)

    async def set_auto_approval(self, rules: Any) -> None:
        self.saved_rules.append(rules)
        self.auto_rules = rules
