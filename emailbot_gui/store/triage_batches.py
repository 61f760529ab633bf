"""The pipeline's batches: the next emails in a state, with their bodies, in one query; and a batch that
was classified, enriched and proposed in one pass saved in ONE transaction, each email advancing from where
it started as far as its results go, with an audit entry per step (classified, enriched, proposed) exactly
as if the steps had been saved one by one.

executemany statements (not the ORM's unit of work, see `bulk`): a batch of a few hundred emails is a handful
of statements, and little Python runs on the event loop thread per email."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emailbot_gui.core.lifecycle import EmailState, check_transition
from emailbot_gui.core.types import Classification, Email, Enrichment, Proposal
from emailbot_gui.store import bulk, codec
from emailbot_gui.store.models import AUDIT_TABLE, CONTENT_TABLE, EMAILS_TABLE

_BY_ID_AND_STATE = {"id": "id", "state_was": "state"}  # an email that is still in the state a pass started from
_ORDER = (EmailState.NEW, EmailState.CLASSIFIED, EmailState.ENRICHED, EmailState.AWAITING_REVIEW)
_RANK = {state: k for k, state in enumerate(_ORDER)}
SYSTEM = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


def audit_row(email_id: int | None, action: str, before: str, after: str, actor: str = SYSTEM,
              at: datetime | None = None, **details: Any) -> dict[str, Any]:
    """One row of the audit trail: who, when, what, before -> after, and the details."""
    return {"at": at or utc_now(), "actor": actor, "action": action, "email_id": email_id,
            "before": before, "after": after, "details": details}


@dataclass(frozen=True, slots=True)
class StageResults:
    """What one pass of the pipeline worked out for one email that was in `start`: a classification (needed
    from NEW), an enrichment (needed up to CLASSIFIED) and a proposal. Missing results end the advance."""

    email_id: int
    start: EmailState
    classification: Classification | None = None
    enrichment: Enrichment | None = None
    proposal: Proposal | None = None

    @property
    def reached(self) -> EmailState:
        # the step out of _ORDER[k] needs the k-th result
        results = (self.classification, self.enrichment, self.proposal)
        k = _RANK[self.start]
        while k < len(results) and results[k] is not None:
            k += 1
        return _ORDER[k]


def _steps(start: EmailState, reached: EmailState) -> list[tuple[EmailState, EmailState]]:
    i, j = _RANK[start], _RANK[reached]
    return [(_ORDER[k], _ORDER[k + 1]) for k in range(i, j)]


class TriageBatchesMixin:
    session: async_sessionmaker[AsyncSession]
    write: Callable[[], AbstractAsyncContextManager[AsyncSession]]  # EmailStore.write

    async def load_in_state(self, state: EmailState, limit: int, after_id: int = 0) -> list[tuple[int, Email]]:
        """The next `limit` emails in `state` after `after_id`, in id order, with their bodies: one query."""
        return await self._load_emails(EMAILS_TABLE.c.state == state.value, EMAILS_TABLE.c.id > after_id, limit=limit)

    async def load_emails(self, ids: Sequence[int]) -> list[tuple[int, Email]]:
        """These emails, in id order, with their bodies: one query."""
        return await self._load_emails(EMAILS_TABLE.c.id.in_(list(ids))) if ids else []

    async def _load_emails(self, *where: ColumnElement[bool], limit: int | None = None) -> list[tuple[int, Email]]:
        from emailbot_gui.store.email_store import EMAIL_COLUMNS, email_from_rows

        stmt = (select(*EMAIL_COLUMNS).join(CONTENT_TABLE, CONTENT_TABLE.c.email_id == EMAILS_TABLE.c.id)
                .where(*where).order_by(EMAILS_TABLE.c.id).limit(limit))
        async with self.session() as s:
            return [(row.id, email_from_rows(row, row)) for row in (await s.execute(stmt)).all()]

    async def save_stage_results(self, results: Sequence[StageResults]) -> list[StageResults]:
        """Advance every email that is still in its `start` state (one an operator or another run moved
        on meanwhile is left alone) in one transaction; returns the results that were saved."""
        moving = [r for r in results if r.reached != r.start]
        if not moving:
            return []
        for r in moving:
            for before, after in _steps(r.start, r.reached):
                check_transition(before, after)
        now = datetime.now(UTC)
        async with self.write() as s:
            # By primary key, the state compared here: with `state = ?` in the WHERE clause SQLite walks
            # the state index through every email in that state instead.
            found = await s.execute(select(EMAILS_TABLE.c.id, EMAILS_TABLE.c.state).where(
                EMAILS_TABLE.c.id.in_([r.email_id for r in moving])))
            current: dict[int, str] = {i: state for i, state in found.all()}
            live = [r for r in moving if current.get(r.email_id) == r.start.value]
            if not live:
                return []
            await _update_rows(s, live, now)
            await _update_content(s, live)
            await bulk.insert_rows(s, AUDIT_TABLE, [a for r in live for a in _audits(r, now)])
        return live


async def _update_rows(s: AsyncSession, live: Sequence[StageResults], now: datetime) -> None:
    """Each email's new state (compared with the one it started in), with its classification's columns for
    those that started new."""
    classified = [r for r in live if r.start is EmailState.NEW]
    others = [r for r in live if r.start is not EmailState.NEW]
    fixed = {"state_reason": "", "updated_at": now}
    await bulk.update_rows(s, EMAILS_TABLE, _BY_ID_AND_STATE, [
        {"state": r.reached.value, "category": c.category, "urgency": int(c.urgency), "confidence": c.confidence,
         "flagged": int(bool(c.flags)), "id": r.email_id, "state_was": r.start.value}
        for r in classified if (c := r.classification) is not None], fixed)
    await bulk.update_rows(s, EMAILS_TABLE, _BY_ID_AND_STATE, [
        {"state": r.reached.value, "id": r.email_id, "state_was": r.start.value} for r in others], fixed)


async def _update_content(s: AsyncSession, live: Sequence[StageResults]) -> None:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in live:
        values: dict[str, Any] = {}
        if r.start is EmailState.NEW and r.classification is not None:
            values["classification"] = codec.classification_to_json(r.classification)
        if r.start is not EmailState.ENRICHED and r.enrichment is not None:
            values["enrichment"] = codec.enrichment_to_json(r.enrichment)
        if r.reached is EmailState.AWAITING_REVIEW and r.proposal is not None:
            values["proposal"] = codec.proposal_to_json(r.proposal)
        values["email_id"] = r.email_id
        groups[tuple(sorted(values))].append(values)
    for columns, rows in groups.items():
        if len(columns) > 1:
            await bulk.update_rows(s, CONTENT_TABLE, {"email_id": "email_id"}, rows)


def _audits(r: StageResults, now: datetime) -> list[dict[str, Any]]:
    out = []
    details: dict[str, Any]
    for before, after in _steps(r.start, r.reached):
        if after is EmailState.CLASSIFIED and (c := r.classification) is not None:
            action, details = "classified", {"category": c.category, "urgency": c.urgency.name,
                                             "confidence": round(c.confidence, 3), "model": c.model}
        elif after is EmailState.ENRICHED and (e := r.enrichment) is not None:
            action, details = "enriched", {"sources": {x.source: x.status for x in e.results}}
        elif (p := r.proposal) is not None:
            action, details = "proposed", {"reply": bool(p.reply_text), "escalation": p.escalation is not None,
                                           "no_reply_reason": p.no_reply_reason}
        else:  # pragma: no cover - `reached` only advances past a step whose result is there
            raise AssertionError(f"no result for the step to {after.value}")
        out.append(audit_row(r.email_id, action, before.value, after.value, at=now, **details))
    return out
