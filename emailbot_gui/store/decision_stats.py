"""How often the operator agreed with the console's proposals, per category: read-only queries over the
audit trail, for the auto-approval settings ("approved unchanged 47 of 50 times") and the UI.

An email counts once, by the operator's *first* decision on it, under the category the classifier
proposed (the `classified` audit entry before that decision), so a later override cannot hide that the
proposal was wrong:

- agreed: `approve_reply` (the reply went out unchanged), or `close` when the category needs no reply
  (the proposal was to close it);
- disagreed: `approve_edited_reply`, `override`, `reject`, or `close` when a reply was proposed;
- `escalate` is not counted: the escalation proposal is a separate question from the reply.

A decision the operator undid (an `undo` entry takes back the email's latest decision) never happened, as far
as agreement goes: the decision after it counts instead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from emailbot_gui.core.categories import DEFAULT_CATEGORIES
from emailbot_gui.store.decisions import DECISION_ACTIONS, UNDO, standing
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.models import AuditEventRow

NO_REPLY_CATEGORIES = frozenset(c.key for c in DEFAULT_CATEGORIES if not c.needs_reply)


@dataclass(frozen=True, slots=True)
class CategoryAgreement:
    category: str
    decided: int = 0  # emails with a counted first decision
    agreed: int = 0
    edited: int = 0
    overridden: int = 0
    rejected: int = 0
    closed_instead: int = 0  # closed without the proposed reply

    @property
    def rate(self) -> float | None:
        """Share of proposals approved unchanged; None before any decision."""
        return self.agreed / self.decided if self.decided else None


async def agreement_by_category(store: EmailStore, *, since: datetime | None = None,
                                no_reply_categories: Collection[str] = NO_REPLY_CATEGORIES,
                                exclude_actors: Collection[str] = ()) -> dict[str, CategoryAgreement]:
    """Agreement per proposed category. `since` limits it to decisions from then on; `exclude_actors`
    leaves out decisions that were not the operator's own (e.g. the auto-approver's)."""
    stmt = (select(AuditEventRow.email_id, AuditEventRow.action, AuditEventRow.actor, AuditEventRow.details,
                   AuditEventRow.at)
            .where(AuditEventRow.action.in_(("classified", UNDO, *DECISION_ACTIONS)),
                   AuditEventRow.email_id.is_not(None))
            .order_by(AuditEventRow.id))
    trails: dict[int, list[Row[Any]]] = {}
    async with store.session() as s:
        for row in (await s.execute(stmt)).all():
            trails.setdefault(row.email_id, []).append(row)
    first: list[tuple[str, str]] = []  # per email: (the category proposed, the operator's first standing decision)
    for trail in trails.values():
        decision = next((d for d in standing(trail, lambda r: r.action)
                         if d.actor not in exclude_actors and (since is None or d.at >= since)), None)
        if decision is None:
            continue
        before = trail[:next(i for i, r in enumerate(trail) if r is decision)]
        proposed = next((str((r.details or {}).get("category", "")) for r in reversed(before)
                         if r.action == "classified"), "")
        first.append((proposed, decision.action))
    counts: dict[str, dict[str, int]] = {}
    for category, action in first:
        if action == "escalate" or not category:
            continue
        c = counts.setdefault(category, dict.fromkeys(("decided", "agreed", "edited", "overridden", "rejected",
                                                       "closed_instead"), 0))
        c["decided"] += 1
        if action == "approve_reply" or (action == "close" and category in no_reply_categories):
            c["agreed"] += 1
        elif action == "approve_edited_reply":
            c["edited"] += 1
        elif action == "override":
            c["overridden"] += 1
        elif action == "reject":
            c["rejected"] += 1
        else:
            c["closed_instead"] += 1
    return {k: CategoryAgreement(k, **v) for k, v in sorted(counts.items())}
