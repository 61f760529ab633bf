"""What the CRM connectors share: their errors, a wrapper that keeps secrets out of logs and reprs, and the
"create a case / ticket" action the operator approves (the request, the created record, and the
`CrmActionSink` Protocol the outbox dispatcher delivers it through).

Idempotency protocol every sink follows (the outbox row's key alone cannot be searched for remotely):

1. `create_case` first checkpoints `{"stage": "creating", "marker": <random marker>}` — durably, in the
   store — *before* it sends the create request, and writes the marker into the created record (a field
   or the subject);
2. after the remote system answered it checkpoints `{"stage": "created", "external_id", "link"}`;
3. on a retry (after a crash or a timeout) the dispatcher first calls `find_created(key, progress)`, which
   returns the recorded receipt, or looks the record up remotely by the marker. Only when nothing carries
   the marker is the record created (again with the *same* marker).

So a crash between the create request and the recording of its answer never leads to a second record.
This module imports no HTTP library: the store, the dispatcher and the console depend on it alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from emailbot_gui.connectors.base import Checkpoint, DeliveryReceipt, _no_checkpoint
from emailbot_gui.core.types import Urgency

MAX_ADDRESS = 320
CRM_CASE_KIND = "crm_case"  # the outbox kind of an approved "create case/ticket"
MARKER_PREFIX = "EB-"


class CrmError(Exception):
    """A CRM or customer database did not do what was asked; the message says why, without secrets."""


class CrmAuthError(CrmError):
    """The credentials were refused (revoked token, wrong client secret, missing scopes)."""


class CrmRateLimited(CrmError):
    """The service kept answering 429 within the retry budget."""


class Secret:
    """A secret string (client secret, access token, password) that never shows in a repr, a str or a
    log line. `reveal()` is the one way to the value, used where it goes on the wire."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickled into a cache or a crash dump with its value
        raise TypeError("a Secret cannot be pickled")


def as_secret(value: str | Secret) -> Secret:
    return value if isinstance(value, Secret) else Secret(value)


def searchable_address(address: str) -> str | None:
    """The address to look up, or None when it cannot be one (empty, too long, no @, control characters):
    then nothing is searched at all."""
    value = address.strip()
    if not value or len(value) > MAX_ADDRESS or "@" not in value:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    return value


def new_marker() -> str:
    """A unique, searchable token (letters and digits only, so no query language needs it escaped)."""
    return f"{MARKER_PREFIX}{secrets.token_hex(8).upper()}"


def is_marker(value: object) -> bool:
    return (isinstance(value, str) and value.startswith(MARKER_PREFIX) and len(value) == len(MARKER_PREFIX) + 16
            and value[len(MARKER_PREFIX):].isalnum())


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """An approved "create a case / ticket" for one email, as the dispatcher hands it to a sink."""

    idempotency_key: str
    target: str
    sender: str  # the customer's address: the contact to attach the case to, when known
    subject: str
    description: str
    urgency: Urgency = Urgency.MEDIUM
    email_id: int = 0
    progress: Mapping[str, Any] = field(default_factory=dict)
    checkpoint: Checkpoint = _no_checkpoint


@runtime_checkable
class CrmActionSink(Protocol):
    """Somewhere an approved case/ticket can be created (Salesforce, HubSpot, the customer database)."""

    name: str  # the target key: "salesforce", "hubspot", "customer_db"
    label: str  # what the operator reads: "Salesforce"

    async def create_case(self, request: CaseRequest) -> DeliveryReceipt: ...

    async def find_created(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        """The record an earlier (interrupted) attempt created, found by the checkpointed marker."""
        ...


def recorded_receipt(progress: Mapping[str, Any]) -> DeliveryReceipt | None:
    """The receipt an earlier attempt checkpointed after the remote system answered, if any."""
    if progress.get("stage") == "created" and progress.get("external_id"):
        return DeliveryReceipt(external_id=str(progress["external_id"]), link=str(progress.get("link", "")),
                               details={"resumed": True})
    return None


async def begin_create(request: CaseRequest) -> str:
    """Step 1 of the protocol: the marker to write into the record, checkpointed before any request."""
    marker = request.progress.get("marker")
    if not is_marker(marker):
        marker = new_marker()
        await request.checkpoint({"stage": "creating", "marker": marker})
    return str(marker)


async def finish_create(request: CaseRequest, external_id: str, link: str, **details: Any) -> DeliveryReceipt:
    """Step 2: record what the remote system answered, then hand the receipt to the dispatcher."""
    await request.checkpoint({"stage": "created", "external_id": external_id, "link": link})
    return DeliveryReceipt(external_id=external_id, link=link, details=details or None)


def marked_subject(subject: str, marker: str, limit: int = 255) -> str:
    """The case subject with the marker appended (the subject is the one short text field every CRM can
    filter on), cut so the whole fits `limit` characters."""
    suffix = f" [{marker}]"
    text = " ".join((subject or "(no subject)").split())
    return text[: max(0, limit - len(suffix))] + suffix


def clean_text(value: str, limit: int) -> str:
    """A description as CRMs accept it: no NULs or other control characters but newlines and tabs."""
    cleaned = "".join(ch for ch in value if ch in "\n\t" or ch >= " ")
    return cleaned[:limit]


PRIORITY_BY_URGENCY: Mapping[Urgency, str] = {
    Urgency.LOW: "Low", Urgency.MEDIUM: "Medium", Urgency.HIGH: "High", Urgency.CRITICAL: "High",
}
