"""The domain's value types: an email, what the classifier and CRM sources said of it, the proposal,
and the operator's decision. Plain frozen dataclasses, so every layer can share them safely."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Urgency(enum.IntEnum):
    """Ordered, so `max()` and sorting by urgency do the right thing."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str | int | Urgency) -> Urgency:
        if isinstance(value, Urgency):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown urgency {value!r}; expected one of "
                             f"{', '.join(u.name for u in cls)}") from None

    @property
    def label(self) -> str:
        return self.name.capitalize()


SNIPPET_CHARS = 240


@dataclass(frozen=True, slots=True)
class Address:
    address: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    filename: str
    content_type: str
    size: int
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Email:
    """One message as the console knows it, whatever source it came from.

    `provider_id` is the source's own id (Graph immutable id, IMAP UID, a content hash for files);
    `message_id` is the RFC 5322 Message-ID, used to recognise the same mail arriving twice.
    """

    source: str
    provider_id: str
    message_id: str
    subject: str
    sender: Address
    received_at: datetime
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    thread_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    body_text: str = ""
    body_html: str = ""
    attachments: tuple[AttachmentInfo, ...] = ()
    size: int = 0
    language_hint: str = ""
    parse_defects: tuple[str, ...] = ()

    @property
    def snippet(self) -> str:
        """The body's first 240 characters with whitespace runs collapsed, read from the start of the body only:
        splitting all of a 10 MB body took a fifth of a second, on the window's thread while mail is stored."""
        text, size = self.body_text, 1024
        while size < len(text):
            joined = " ".join(text[:size].split())  # a prefix of the whole body's (a word cut short included)
            if len(joined) >= SNIPPET_CHARS:
                return joined[:SNIPPET_CHARS]
            size *= 4
        return " ".join(text.split())[:SNIPPET_CHARS]


@dataclass(frozen=True, slots=True)
class Classification:
    category: str
    urgency: Urgency
    confidence: float
    rationale: str
    model: str
    language: str = ""
    flags: tuple[str, ...] = ()  # e.g. "prompt-injection", "phishing-link"
    needs_manual_action: bool = False
    draft_reply: str = ""  # a reply drafted by the classifier itself (the AI), for the proposer to use

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within [0, 1], got {self.confidence}")


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one CRM/context source said about a sender: a record, nothing, or an error."""

    source: str
    status: str  # "found" | "not_found" | "error" | "disabled"
    record: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    fetched_at: datetime | None = None
    elapsed_ms: float = 0.0

    FOUND = "found"
    NOT_FOUND = "not_found"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Enrichment:
    results: tuple[SourceResult, ...] = ()

    def by_source(self, source: str) -> SourceResult | None:
        return next((r for r in self.results if r.source == source), None)

    @property
    def customer_name(self) -> str:
        for r in self.results:
            if r.status == SourceResult.FOUND:
                name = r.record.get("customer", {}).get("name") or r.record.get("name")
                if name:
                    return str(name)
        return ""


@dataclass(frozen=True, slots=True)
class EscalationProposal:
    people: tuple[Address, ...]
    topic: str
    message: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the console proposes to do with an email; the operator approves, edits or overrides it."""

    reply_text: str = ""
    escalation: EscalationProposal | None = None
    no_reply_reason: str = ""  # e.g. "out-of-office notice": close without replying


class DecisionKind(enum.StrEnum):
    APPROVE_REPLY = "approve_reply"
    APPROVE_EDITED_REPLY = "approve_edited_reply"
    CLOSE = "close"  # done without a reply
    REJECT = "reject"
    OVERRIDE = "override"
    ESCALATE = "escalate"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    actor: str
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)
