"""Read side of the store: the queue (counted, filtered, sorted, paged — never reading bodies), one
email's detail, the audit trail and the outbox."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Urgency
from emailbot_gui.store import codec
from emailbot_gui.store.models import AuditEventRow, EmailContentRow, EmailRow, OutboxRow, TrainingExampleRow
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(stmt: AnySelect, q: QueueQuery) -> AnySelect:
    if q.states:
        stmt = stmt.where(EmailRow.state.in_(sorted(s.value for s in q.states)))
    if q.categories:
        stmt = stmt.where(EmailRow.category.in_(sorted(q.categories)))
    if q.urgencies:
        stmt = stmt.where(EmailRow.urgency.in_(sorted(int(u) for u in q.urgencies)))
    for word in q.text.split():
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(or_(EmailRow.subject.ilike(pattern, escape="\\"),
                              EmailRow.sender_address.ilike(pattern, escape="\\"),
                              EmailRow.sender_name.ilike(pattern, escape="\\"),
                              EmailRow.snippet.ilike(pattern, escape="\\")))
    return stmt


def _queue_row(r: Any) -> QueueRow:
    return QueueRow(id=r.id, sender_address=r.sender_address, sender_name=r.sender_name, subject=r.subject,
                    category=r.category, urgency=Urgency(r.urgency) if r.urgency else None,
                    confidence=r.confidence, state=EmailState(r.state), received_at=r.received_at,
                    flagged=bool(r.flagged), snippet=r.snippet, state_reason=r.state_reason)


def _outbox_item(r: OutboxRow) -> OutboxItem:
    return OutboxItem(id=r.id, email_id=r.email_id, kind=r.kind, idempotency_key=r.idempotency_key,
                      status=r.status, payload=r.payload, created_at=r.created_at, delivered_at=r.delivered_at,
                      external_id=r.external_id, link=r.link, error=r.error, attempts=r.attempts)


class QueueReadsMixin:
    session: async_sessionmaker[AsyncSession]

    async def queue_count(self, q: QueueQuery) -> int:
        async with self.session() as s:
            return int(await s.scalar(_filtered(select(func.count()).select_from(EmailRow), q)) or 0)

    async def queue_page(self, q: QueueQuery, offset: int, limit: int) -> list[QueueRow]:
        column = _SORT_COLUMNS[q.sort]
        order = [column.desc(), EmailRow.id.desc()] if q.descending else [column.asc(), EmailRow.id.asc()]
        stmt = _filtered(select(*_QUEUE_COLUMNS), q).order_by(*order).offset(offset).limit(limit)
        async with self.session() as s:
            return [_queue_row(r) for r in (await s.execute(stmt)).all()]

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
