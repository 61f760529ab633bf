"""Read models the store returns to the services and the UI: queue rows (no bodies), an email's full
detail, audit entries, outbox items. Plain dataclasses so nothing above the store sees ORM objects."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Classification, Email, Enrichment, Proposal, Urgency


class SortKey(enum.StrEnum):
    RECEIVED = "received"
    SENDER = "sender"
    SUBJECT = "subject"
    CATEGORY = "category"
    URGENCY = "urgency"
    CONFIDENCE = "confidence"
    STATE = "state"


@dataclass(frozen=True, slots=True)
class QueueQuery:
    states: frozenset[EmailState] = frozenset()  # empty = all
    categories: frozenset[str] = frozenset()  # empty = all
    urgencies: frozenset[Urgency] = frozenset()  # empty = all
    text: str = ""  # free-text search over sender, subject and body
    sort: SortKey = SortKey.RECEIVED
    descending: bool = True


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    sender_address: str
    sender_name: str
    subject: str
    category: str
    urgency: Urgency | None
    confidence: float | None
    state: EmailState
    received_at: datetime
    flagged: bool = False
    snippet: str = ""
    state_reason: str = ""


@dataclass(frozen=True, slots=True)
class EmailDetail:
    id: int
    email: Email
    state: EmailState
    state_reason: str
    classification: Classification | None
    enrichment: Enrichment | None
    proposal: Proposal | None
    updated_at: datetime
    quarantine_raw_size: int = 0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    email_id: int | None
    before: str
    after: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    email_id: int
    kind: str  # "reply" | "escalation"
    idempotency_key: str
    status: str  # "pending" | "delivered" | "failed" | "cancelled" (undone before it was delivered)
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None
    external_id: str = ""
    link: str = ""
    error: str = ""
    attempts: int = 0
    not_before: datetime | None = None  # held until then (the undo window, or the wait before a retry)
    started_at: datetime | None = None  # a delivery has started: it can no longer be undone
    claimed_by: str = ""  # the console delivering it ...
    claimed_until: datetime | None = None  # ... and until when no other console may take it over
