"""Read side of the store: the queue (counted, filtered, sorted, paged — never reading bodies), one
email's detail, the audit trail and the outbox.

Every sort breaks ties by received time, then id, so that each has an index to walk ((column, received_at);
SQLite appends the rowid, which is the id). The free-text search finds each word of three characters or
more through the trigram index of migration 0002 where there is one (SQLite's FTS5 table; PostgreSQL's
pg_trgm indexes serve the ILIKE below by themselves); shorter words, and databases without the index, are
matched with LIKE: the same results either way. Emails the SQLite index does not have yet (a flood's, until
it catches up: see search_index) are matched with a LIKE that folds case as the index does."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, and_, column, func, literal_column, or_, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Urgency
from emailbot_gui.store import codec
from emailbot_gui.store.db import UNICODE_LOWER
from emailbot_gui.store.models import AuditEventRow, EmailContentRow, EmailRow, OutboxRow, TrainingExampleRow
from emailbot_gui.store.search_index import SEARCH_MARK
from emailbot_gui.store.views import AuditEntry, EmailDetail, OutboxItem, QueueQuery, QueueRow, SortKey

AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])

_SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.RECEIVED: EmailRow.received_at,
    SortKey.SENDER: EmailRow.sender_address,
    SortKey.SUBJECT: EmailRow.subject,
    SortKey.CATEGORY: EmailRow.category,
    SortKey.URGENCY: EmailRow.urgency,
    SortKey.CONFIDENCE: EmailRow.confidence,
    SortKey.STATE: EmailRow.state,
}

_QUEUE_COLUMNS = (EmailRow.id, EmailRow.sender_address, EmailRow.sender_name, EmailRow.subject,
                  EmailRow.category, EmailRow.urgency, EmailRow.confidence, EmailRow.state,
                  EmailRow.received_at, EmailRow.flagged, EmailRow.snippet, EmailRow.state_reason)


_FTS = table("emails_fts", column("rowid", Integer))
FTS_MIN_CHARS = 3  # the trigram index finds substrings of at least three characters
WALK_SORT_INDEX_FROM = 0.05  # share of all emails matched from which a page walks the sort's index
COUNT_TTL = 60.0  # seconds a count is trusted for that choice (the share changes slowly; a re-sort counts nothing)
COUNTS_KEPT = 64


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order(q: QueueQuery) -> list[Any]:
    column = _SORT_COLUMNS[q.sort]
    keys = [column, EmailRow.id] if q.sort is SortKey.RECEIVED else [column, EmailRow.received_at, EmailRow.id]
    return [k.desc() if q.descending else k.asc() for k in keys]


def _filtered(stmt: AnySelect, q: QueueQuery, *, fts: bool, seek_states: bool = True) -> AnySelect:
    """`seek_states=False` hides the state column from SQLite's planner (`state || ''` has no index): when
    the filters match many emails, walking the sort's index and checking each row beats seeking every email
    in the states and sorting them all (1 ms against 200 ms at 100,000)."""
    if q.states:
        state = EmailRow.state if seek_states else EmailRow.state.concat("")
        stmt = stmt.where(state.in_(sorted(s.value for s in q.states)))
    if q.categories:
        stmt = stmt.where(EmailRow.category.in_(sorted(q.categories)))
    if q.urgencies:
        stmt = stmt.where(EmailRow.urgency.in_(sorted(int(u) for u in q.urgencies)))
    words = q.text.split()
    indexed = [w for w in words if fts and len(w) >= FTS_MIN_CHARS]
    if indexed:
        stmt = stmt.where(_fts_match(indexed))
    for word in words:
        if word not in indexed:
            stmt = stmt.where(_like_any(word))
    return stmt


def _fts_match(words: list[str]) -> ColumnElement[bool]:
    """Emails with every word somewhere in their sender, subject or snippet (as substrings, any case): those
    the index has through the index, those it does not have yet (after a flood) with LIKE."""
    query = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)  # phrases: no query syntax
    indexed = EmailRow.id.in_(select(_FTS.c.rowid).where(literal_column("emails_fts").op("MATCH")(query)))
    lagging = and_(EmailRow.id > select(SEARCH_MARK.c.indexed_upto).scalar_subquery(), *map(_folded_like_any, words))
    return or_(indexed, lagging)


def _folded_like_any(word: str) -> ColumnElement[bool]:
    """`_like_any`, with the case of every letter folded as the index folds it (SQLite only)."""
    pattern = f"%{_escape_like(word.lower())}%"
    return or_(*(getattr(func, UNICODE_LOWER)(c).like(pattern, escape="\\") for c in _SEARCHED))


def _like_any(word: str) -> ColumnElement[bool]:
    pattern = f"%{_escape_like(word)}%"
    return or_(*(c.ilike(pattern, escape="\\") for c in _SEARCHED))


_SEARCHED = (EmailRow.subject, EmailRow.sender_address, EmailRow.sender_name, EmailRow.snippet)


def _queue_row(r: Any) -> QueueRow:
    return QueueRow(id=r.id, sender_address=r.sender_address, sender_name=r.sender_name, subject=r.subject,
                    category=r.category, urgency=Urgency(r.urgency) if r.urgency else None,
                    confidence=r.confidence, state=EmailState(r.state), received_at=r.received_at,
                    flagged=bool(r.flagged), snippet=r.snippet, state_reason=r.state_reason)


def _outbox_item(r: OutboxRow) -> OutboxItem:
    return OutboxItem(id=r.id, email_id=r.email_id, kind=r.kind, idempotency_key=r.idempotency_key,
                      status=r.status, payload=r.payload, created_at=r.created_at, delivered_at=r.delivered_at,
                      external_id=r.external_id, link=r.link, error=r.error, attempts=r.attempts,
                      not_before=r.not_before, started_at=r.started_at, claimed_by=r.claimed_by,
                      claimed_until=r.claimed_until)


class QueueReadsMixin:
    session: async_sessionmaker[AsyncSession]
    _fts: bool | None = None  # whether the database has the FTS5 table; looked up once
    _counted: dict[QueueQuery, tuple[float, int]] | None = None  # filters (sort aside) -> (when, emails matched)

    async def queue_count(self, q: QueueQuery) -> int:
        async with self.session() as s:
            return await self._count(s, q)

    async def queue_page(self, q: QueueQuery, offset: int, limit: int) -> list[QueueRow]:
        async with self.session() as s:
            walk = bool(q.states) and (await s.connection()).dialect.name == "sqlite" and \
                await self._matching_share(s, q) >= WALK_SORT_INDEX_FROM
            stmt = _filtered(select(*_QUEUE_COLUMNS), q, fts=await self._has_fts(s), seek_states=not walk)
            return [_queue_row(r) for r in (await s.execute(stmt.order_by(*_order(q)).offset(offset).limit(limit)))]

    async def _count(self, s: AsyncSession, q: QueueQuery) -> int:
        found = int(await s.scalar(_filtered(select(func.count()).select_from(EmailRow), q,
                                             fts=await self._has_fts(s))) or 0)
        if self._counted is None or len(self._counted) > COUNTS_KEPT:
            self._counted = {}
        self._counted[replace(q, sort=SortKey.RECEIVED, descending=True)] = (time.monotonic(), found)
        return found

    async def _matching_share(self, s: AsyncSession, q: QueueQuery) -> float:
        """The share of all emails `q`'s filters match, from the count the queue took just before its first
        page (or a new count when there is none from the last few seconds)."""
        cached = (self._counted or {}).get(replace(q, sort=SortKey.RECEIVED, descending=True))
        matched = cached[1] if cached is not None and time.monotonic() - cached[0] < COUNT_TTL else \
            await self._count(s, q)
        return matched / max(1, int(await s.scalar(select(func.max(EmailRow.id))) or 0))

    async def _has_fts(self, s: AsyncSession) -> bool:
        if self._fts is None:
            found = (await s.connection()).dialect.name == "sqlite" and await s.scalar(text(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'emails_fts'")) is not None
            self._fts = bool(found)
        return self._fts

    async def counts(self) -> dict[EmailState, int]:
        async with self.session() as s:
            result = await s.execute(select(EmailRow.state, func.count()).group_by(EmailRow.state))
            return {EmailState(state): int(n) for state, n in result.all()}

    async def counts_by(self, column: str) -> dict[str, int]:
        col = {"category": EmailRow.category, "urgency": EmailRow.urgency}[column]
        async with self.session() as s:
            result = await s.execute(select(col, func.count()).group_by(col))
            return {("" if k is None else str(k)): int(n) for k, n in result.all()}

    async def detail(self, email_id: int) -> EmailDetail | None:
        from emailbot_gui.store.email_store import email_from_rows

        async with self.session() as s:
            result = (await s.execute(select(EmailRow, EmailContentRow)
                                      .join(EmailContentRow, EmailContentRow.email_id == EmailRow.id)
                                      .where(EmailRow.id == email_id))).first()
            if result is None:
                return None
            row, content = result[0], result[1]
            return EmailDetail(id=row.id, email=email_from_rows(row, content), state=EmailState(row.state),
                               state_reason=row.state_reason,
                               classification=codec.classification_from_json(content.classification),
                               enrichment=codec.enrichment_from_json(content.enrichment),
                               proposal=codec.proposal_from_json(content.proposal), updated_at=row.updated_at,
                               quarantine_raw_size=len(content.raw or b""))

    async def audit(self, email_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
        stmt = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
        if email_id is not None:
            stmt = stmt.where(AuditEventRow.email_id == email_id)
        async with self.session() as s:
            return [AuditEntry(id=r.id, at=r.at, actor=r.actor, action=r.action, email_id=r.email_id,
                               before=r.before, after=r.after, details=r.details or {})
                    for r in await s.scalars(stmt)]

    async def outbox(self, limit: int = 500, status: str | None = None) -> list[OutboxItem]:
        stmt = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
        if status is not None:
            stmt = select(OutboxRow).where(OutboxRow.status == status).order_by(OutboxRow.id).limit(limit)
        async with self.session() as s:
            return [_outbox_item(r) for r in await s.scalars(stmt)]

    async def training_examples(self) -> list[tuple[str, str, str, str]]:
        """The operator's corrections: (subject, body, category, urgency)."""
        async with self.session() as s:
            result = await s.execute(select(TrainingExampleRow.subject, TrainingExampleRow.body,
                                            TrainingExampleRow.category, TrainingExampleRow.urgency)
                                     .order_by(TrainingExampleRow.id))
            return [(r[0], r[1], r[2], r[3]) for r in result.all()]
