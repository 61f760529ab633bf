"""A tiny synchronous event hub: the pipeline and the console publish, the UI subscribes.

Callbacks run on the publishing thread, which is always the event-loop thread (the GUI thread under
qasync), so a subscriber may touch Qt objects directly."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from emailbot_gui.services.checks import Check

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmailsChanged:
    ids: tuple[int, ...]
    reason: str  # "fetched", "classified", "enriched", "proposed", "approved", "sent", ...
    actor: str = "system"


@dataclass(frozen=True, slots=True)
class LoopStatus:
    state: str  # "idle" | "polling" | "processing" | "stopped" | "error"
    last_poll: datetime | None = None
    next_poll: datetime | None = None
    message: str = ""
    fetched_total: int = 0


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the operator should see (an error, a completed send)."""

    level: str  # "info" | "warning" | "error"
    text: str


class IntegrationState(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILING = "failing"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class Health:
    """One integration's health: its state, the last error and when it was last checked or heard from."""

    name: str  # "mail", "openai", "salesforce", "hubspot", "customer_db", "teams"
    label: str
    state: IntegrationState
    last_error: str = ""
    checked_at: datetime | None = None
    checks: tuple[Check, ...] = ()  # the last periodic check's rows


@dataclass(frozen=True, slots=True)
class HealthChanged:
    health: tuple[Health, ...]


Event = EmailsChanged | LoopStatus | Notice | HealthChanged


@dataclass
class EventHub:
    _subscribers: list[Callable[[Event], None]] = field(default_factory=list)

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def publish(self, event: Event) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a broken view must not stop the pipeline
                log.exception("event subscriber failed on %r", type(event).__name__)
