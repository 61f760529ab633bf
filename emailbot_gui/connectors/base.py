"""The Protocols every outside system sits behind. Production and tests differ only in what is
injected through constructors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from emailbot_gui.core.types import Address, Email, SourceResult


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A message as fetched, before parsing: the source's id and the raw RFC 5322 bytes."""

    provider_id: str
    raw: bytes
    origin: str = ""  # where it came from, for error messages (a file path, a folder name)
    received_at_hint: float | None = None  # POSIX time the source received it, when known


@dataclass(frozen=True, slots=True)
class FetchBatch:
    messages: Sequence[RawMessage]
    cursor: str  # opaque; persisted by the store so a restart resumes after this batch
    more: bool  # the source has more right now (poll again without waiting)
    unreadable: Sequence[tuple[str, str]] = ()  # (origin, reason) for items the source could not read


@runtime_checkable
class MailSource(Protocol):
    """A mailbox the console reads from."""

    name: str  # stable key, stored with each email ("demo", "maildir:/path", "graph:support@x")

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        """Return up to `limit` messages newer than `cursor` (None = from the beginning)."""
        ...


@runtime_checkable
class ContextSource(Protocol):
    """A source of what the company knows about a sender (CRM, customer database)."""

    name: str

    async def lookup(self, sender: Address) -> SourceResult: ...


Checkpoint = Callable[[Mapping[str, Any]], Awaitable[None]]


async def _no_checkpoint(_progress: Mapping[str, Any]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    """A reply to deliver. `progress` is what earlier attempts recorded through `checkpoint` (e.g. the id
    of a draft already created), so a transport can resume an interrupted delivery instead of redoing it.
    `checkpoint` merges into that record durably (in the store) before the transport's next step."""

    idempotency_key: str
    email: Email
    body_text: str
    progress: Mapping[str, Any] = field(default_factory=dict)
    checkpoint: Checkpoint = _no_checkpoint


@dataclass(frozen=True, slots=True)
class OutgoingEscalation:
    idempotency_key: str
    email: Email
    people: tuple[Address, ...]
    topic: str
    message: str
    progress: Mapping[str, Any] = field(default_factory=dict)
    checkpoint: Checkpoint = _no_checkpoint


class CheckAgainLater(Exception):
    """Raised by `find_delivered`: the action was handed over, and the server has not shown it yet (servers
    file sent mail with a delay). The outbox looks again after a while without counting a failed attempt;
    the transport itself bounds how long it keeps saying so (its grace period), then reports the delivery
    as unconfirmed for good."""


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    external_id: str
    link: str = ""
    details: dict[str, Any] | None = None


class ActionSink(Protocol):
    """Where approved actions go: a mail transport for replies, a chat service for escalations."""

    name: str

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt: ...

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt: ...

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        """Look up whether an action with this key was already delivered (resolves a crash
        between delivering and recording it, so nothing is ever sent twice). `progress` is what the
        interrupted attempt checkpointed."""
        ...


# ---- handled mail, marked in the mailbox for colleagues ----------------------------------------------

ARCHIVE = "archive"  # `move_to` meaning "out of the inbox" (Microsoft 365's well-known folder, Gmail's All Mail)


@dataclass(frozen=True, slots=True)
class HandledMessage:
    """A message the console is done with, as a mailbox finds it again: its provider id, and its Message-ID
    (an IMAP folder is searched by it; the provider id there is a hash of the bytes)."""

    provider_id: str
    message_id: str = ""


@dataclass(slots=True)
class MarkOutcome:
    changed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # provider id -> what went wrong (worth trying again)
    gone: list[str] = field(default_factory=list)  # provider ids no longer in the mailbox: nothing left to mark


class HandledMailbox(Protocol):
    """A mailbox that can tag handled messages and/or move them (`tag`, `move_to`: empty = not that)."""

    async def mark_handled(self, messages: Sequence[HandledMessage], *, tag: str = "",
                           move_to: str = "") -> MarkOutcome: ...
