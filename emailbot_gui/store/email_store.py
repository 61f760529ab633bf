"""EmailStore: every read and write the app makes, as short transactions over the async engine.

Writes are batched (one transaction per pipeline batch) and every state change is checked against the
lifecycle and written to the audit trail in the same transaction as the change itself."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from emailbot_gui.core.lifecycle import EmailState, check_transition
from emailbot_gui.core.types import Address, Classification, Email, Enrichment, Proposal
from emailbot_gui.store import bulk, codec
from emailbot_gui.store.db import create_engine, migrate
from emailbot_gui.store.models import (
    AUDIT_TABLE,
    CONTENT_TABLE,
    EMAILS_TABLE,
    AuditEventRow,
    EmailContentRow,
    EmailRow,
    SyncCursorRow,
)
from emailbot_gui.store.operator_ops import OperatorOpsMixin
from emailbot_gui.store.queue_reads import QueueReadsMixin
from emailbot_gui.store.search_index import SearchIndexMixin
from emailbot_gui.store.triage_batches import (
    StageResults,
    TriageBatchesMixin,
    audit_row,
    utc_now,
)

QUARANTINE_RAW_LIMIT = 5 * 1024 * 1024
_T = TypeVar("_T")
ADDRESS_LIMIT = 320  # the sender columns' length


@dataclass(frozen=True, slots=True)
class Quarantined:
    """Something fetched that could not be parsed: kept, visible, with its reason, never processed."""

    provider_id: str
    origin: str
    reason: str
    raw: bytes | None = None


@dataclass(frozen=True, slots=True)
class EmailIdentity:
    """Who an email is to its mailbox, without its content: enough to find the message there again."""

    source: str
    provider_id: str
    state: EmailState
    message_id: str = ""  # the RFC 5322 Message-ID ("" when it had none)


@dataclass(frozen=True, slots=True)
class IngestResult:
    new_ids: list[int]
    duplicates: int
    quarantined_ids: list[int]
    new_emails: list[Email] = field(default_factory=list)  # as stored (what loading `new_ids` would return)


class EmailStore(QueueReadsMixin, OperatorOpsMixin, TriageBatchesMixin, SearchIndexMixin):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.session = async_sessionmaker(engine, expire_on_commit=False)
        self._write_turn = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction. This process's writers take turns here rather than in SQLite's busy handler,
        which sleeps in steps of milliseconds: a poll storing a flood overlaps the pipeline saving results."""
        async with self._write_turn, self.session.begin() as s:
            yield s

    @classmethod
    async def open(cls, url: str) -> EmailStore:
        engine = create_engine(url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # ---- sync cursors -------------------------------------------------------------------------------

    async def cursor(self, source: str) -> str | None:
        async with self.session() as s:
            return await s.scalar(select(SyncCursorRow.cursor).where(SyncCursorRow.source == source))

    @staticmethod
    async def _save_cursor(s: AsyncSession, source: str, cursor: str) -> None:
        row = await s.get(SyncCursorRow, source)
        if row is None:
            s.add(SyncCursorRow(source=source, cursor=cursor, updated_at=utc_now()))
        else:
            row.cursor = cursor
            row.updated_at = utc_now()

    # ---- ingest -------------------------------------------------------------------------------------

    async def ingest(self, source: str, emails: Sequence[Email], quarantined: Sequence[Quarantined] = (),
                     cursor: str | None = None, *, more_waiting: bool = False) -> IngestResult:
        """Insert what is new, skip what the queue already has (same provider id or Message-ID), and save
        the source's cursor in the same transaction, so a crash never loses or duplicates a batch.
        `more_waiting`: the mailbox has more right now (a flood), so the search index is left to catch up
        after it (see search_index)."""
        now = utc_now()
        async with self.write() as s:
            provider_ids = [e.provider_id for e in emails] + [q.provider_id for q in quarantined]
            known_provider: set[str] = set()
            known_message: set[tuple[str, str, str]] = set()
            for chunk in _chunks(provider_ids, 500):
                known_provider.update(await s.scalars(select(EmailRow.provider_id).where(
                    EmailRow.source == source, EmailRow.provider_id.in_(chunk))))
            message_ids = [e.message_id for e in emails if e.message_id]
            for chunk in _chunks(message_ids, 500):
                found = await s.execute(select(EmailRow.message_id, EmailRow.sender_address, EmailRow.subject)
                                        .where(EmailRow.source == source, EmailRow.message_id.in_(chunk)))
                known_message.update((m, a.lower(), subj) for m, a, subj in found.all())
            rows: list[dict[str, Any]] = []
            contents: list[dict[str, Any]] = []
            kept: list[Email] = []
            duplicates = 0
            for e in emails:
                # The same Message-ID alone is not proof: some senders reuse one for different mails.
                identity = (e.message_id, e.sender.address[:ADDRESS_LIMIT].lower(), e.subject)
                if e.provider_id in known_provider or identity in known_message:
                    duplicates += 1
                    continue
                known_provider.add(e.provider_id)
                known_message.add(identity)
                rows.append(_email_row(source, e, now))
                contents.append(_content_row(e))
                kept.append(_as_stored(source, e))
            q_rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
            for q in quarantined:
                if q.provider_id in known_provider:
                    duplicates += 1
                    continue
                known_provider.add(q.provider_id)
                q_rows.append(_quarantine_rows(source, q, now))
            new_ids = await _insert_returning_ids(s, rows)
            for eid, content in zip(new_ids, contents, strict=True):
                content["email_id"] = eid
            await bulk.insert_rows(s, CONTENT_TABLE, contents)
            q_ids = await _insert_returning_ids(s, [r for r, _ in q_rows])
            q_contents = [dict(c, email_id=i) for i, (_, c) in zip(q_ids, q_rows, strict=True)]
            await bulk.insert_rows(s, CONTENT_TABLE, q_contents)
            await self._index_new(s, list(zip(new_ids + q_ids, rows + [r for r, _ in q_rows], strict=True)),
                                  now=not more_waiting)
            audits = [audit_row(i, "fetched", "", EmailState.NEW.value, at=now) for i in new_ids]
            audits += [audit_row(i, "quarantined", "", EmailState.QUARANTINED.value, at=now,
                                 reason=r["state_reason"], origin=c["headers"].get("origin", ""))
                       for i, (r, c) in zip(q_ids, q_rows, strict=True)]
            await bulk.insert_rows(s, AUDIT_TABLE, audits)
            if cursor is not None:
                await self._save_cursor(s, source, cursor)
        return IngestResult(new_ids=new_ids, duplicates=duplicates, quarantined_ids=q_ids, new_emails=kept)

    # ---- pipeline -----------------------------------------------------------------------------------

    async def ids_in_state(self, state: EmailState, limit: int, after_id: int = 0) -> list[int]:
        async with self.session() as s:
            result = await s.scalars(select(EmailRow.id).where(EmailRow.state == state.value,
                                                                EmailRow.id > after_id)
                                     .order_by(EmailRow.id).limit(limit))
            return list(result)

    async def identities(self, ids: Sequence[int]) -> dict[int, EmailIdentity]:
        """id -> source, provider id, state and Message-ID of these emails, without reading their content."""
        out: dict[int, EmailIdentity] = {}
        async with self.session() as s:
            for chunk in _chunks(list(ids), 500):
                found = await s.execute(select(EmailRow.id, EmailRow.source, EmailRow.provider_id, EmailRow.state,
                                               EmailRow.message_id).where(EmailRow.id.in_(chunk)))
                out.update((i, EmailIdentity(source, provider_id, EmailState(state), message_id or ""))
                           for i, source, provider_id, state, message_id in found)
        return out

    async def load_classifications(self, ids: Sequence[int]) -> dict[int, Classification]:
        async with self.session() as s:
            result = await s.execute(select(EmailContentRow.email_id, EmailContentRow.classification)
                                     .where(EmailContentRow.email_id.in_(list(ids))))
            out: dict[int, Classification] = {}
            for eid, data in result.all():
                c = codec.classification_from_json(data)
                if c is not None:
                    out[eid] = c
            return out

    async def load_enrichments(self, ids: Sequence[int]) -> dict[int, Enrichment]:
        async with self.session() as s:
            result = await s.execute(select(EmailContentRow.email_id, EmailContentRow.enrichment)
                                     .where(EmailContentRow.email_id.in_(list(ids))))
            out: dict[int, Enrichment] = {}
            for eid, data in result.all():
                e = codec.enrichment_from_json(data)
                if e is not None:
                    out[eid] = e
            return out

    # One stage at a time (tests, tools): the pipeline's batch write with just that stage's results.
    async def save_classifications(self, items: Sequence[tuple[int, Classification]]) -> None:
        await self.save_stage_results([StageResults(i, EmailState.NEW, classification=c) for i, c in items])

    async def save_enrichments(self, items: Sequence[tuple[int, Enrichment]]) -> None:
        await self.save_stage_results([StageResults(i, EmailState.CLASSIFIED, enrichment=e) for i, e in items])

    async def save_proposals(self, items: Sequence[tuple[int, Proposal]]) -> None:
        await self.save_stage_results([StageResults(i, EmailState.ENRICHED, proposal=p) for i, p in items])

    async def record_stage_failure(self, email_id: int, state: EmailState, reason: str,
                                   max_retries: int) -> bool:
        """Count a failed attempt at a pipeline stage; after `max_retries` the email goes to FAILED with
        the reason. Returns True when it failed for good."""
        async with self.write() as s:
            row = await s.get(EmailRow, email_id)
            if row is None or row.state != state.value:
                return False
            row.retries += 1
            row.state_reason = reason
            row.updated_at = utc_now()
            if row.retries < max_retries:
                return False
            check_transition(state, EmailState.FAILED)
            row.state = EmailState.FAILED.value
            s.add(AuditEventRow(**audit_row(email_id, "failed", state.value, EmailState.FAILED.value,
                                            reason=reason, attempts=row.retries)))
            return True

    async def count_in_states(self, states: Sequence[EmailState]) -> int:
        async with self.session() as s:
            return int(await s.scalar(select(func.count()).select_from(EmailRow)
                                      .where(EmailRow.state.in_([x.value for x in states]))) or 0)




# ---- row builders -------------------------------------------------------------------------------------

def _chunks(values: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


async def _insert_returning_ids(s: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of one source; their ids in the order given. One executemany and a lookup by the unique
    (source, provider_id): INSERT ... RETURNING in parameter order runs row by row on SQLite."""
    if not rows:
        return []
    await bulk.insert_rows(s, EMAILS_TABLE, rows)
    ids: dict[str, int] = {}
    for chunk in _chunks([r["provider_id"] for r in rows], 500):
        found = await s.execute(select(EmailRow.provider_id, EmailRow.id).where(
            EmailRow.source == rows[0]["source"], EmailRow.provider_id.in_(chunk)))
        ids.update((provider_id, i) for provider_id, i in found.all())
    return [ids[r["provider_id"]] for r in rows]


def _email_row(source: str, e: Email, now: datetime) -> dict[str, Any]:
    return {"source": source, "provider_id": e.provider_id, "message_id": e.message_id,
            "thread_id": e.thread_id, "in_reply_to": e.in_reply_to, "sender_address": e.sender.address[:ADDRESS_LIMIT],
            "sender_name": e.sender.name[:ADDRESS_LIMIT], "subject": e.subject, "snippet": e.snippet[:300],
            "received_at": e.received_at, "size": e.size, "state": EmailState.NEW.value, "state_reason": "",
            "retries": 0, "flagged": 0, "category": "", "urgency": None, "confidence": None,
            "updated_at": now}


def _as_stored(source: str, e: Email) -> Email:
    """`e` as loading it back from the store gives it: stored under `source`, the sender's columns bounded."""
    if e.source == source and len(e.sender.address) <= ADDRESS_LIMIT and len(e.sender.name) <= ADDRESS_LIMIT:
        return e
    return replace(e, source=source,
                   sender=Address(e.sender.address[:ADDRESS_LIMIT], e.sender.name[:ADDRESS_LIMIT]))


def _content_row(e: Email) -> dict[str, Any]:
    headers = {"to": [codec.address_to_json(a) for a in e.to], "cc": [codec.address_to_json(a) for a in e.cc],
               "reply_to": [codec.address_to_json(a) for a in e.reply_to], "references": list(e.references),
               "language_hint": e.language_hint, "parse_defects": list(e.parse_defects)}
    return {"headers": headers, "body_text": e.body_text, "body_html": e.body_html,
            "attachments": [codec.attachment_to_json(a) for a in e.attachments], "classification": None,
            "enrichment": None, "proposal": None, "raw": None}


def _quarantine_rows(source: str, q: Quarantined, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = q.raw if q.raw is not None and len(q.raw) <= QUARANTINE_RAW_LIMIT else None
    row = {"source": source, "provider_id": q.provider_id, "message_id": f"<{q.provider_id}@quarantine.invalid>",
           "thread_id": "", "in_reply_to": "", "sender_address": "", "sender_name": "",
           "subject": f"(unreadable) {q.origin}"[:500], "snippet": q.reason[:300], "received_at": now,
           "size": len(q.raw or b""), "state": EmailState.QUARANTINED.value, "state_reason": q.reason,
           "retries": 0, "flagged": 0, "category": "", "urgency": None, "confidence": None, "updated_at": now}
    content: dict[str, Any] = {"headers": {"origin": q.origin}, "body_text": "", "body_html": "", "attachments": [],
               "classification": None, "enrichment": None, "proposal": None, "raw": raw}
    return row, content


# Columns, not ORM entities: loading a batch of emails builds no identity-mapped objects.
EMAIL_COLUMNS = (*EmailRow.__table__.c, EmailContentRow.headers, EmailContentRow.body_text,
                 EmailContentRow.body_html, EmailContentRow.attachments)


def email_from_rows(row: EmailRow | Row[Any], content: EmailContentRow | Row[Any]) -> Email:
    h = content.headers or {}
    return Email(source=row.source, provider_id=row.provider_id, message_id=row.message_id,
                 subject=row.subject, sender=Address(row.sender_address, row.sender_name),
                 received_at=row.received_at, to=codec.addresses_from_json(h.get("to")),
                 cc=codec.addresses_from_json(h.get("cc")), reply_to=codec.addresses_from_json(h.get("reply_to")),
                 thread_id=row.thread_id, in_reply_to=row.in_reply_to,
                 references=tuple(h.get("references", ())), body_text=content.body_text,
                 body_html=content.body_html,
                 attachments=tuple(codec.attachment_from_json(a) for a in content.attachments or ()),
                 size=row.size, language_hint=h.get("language_hint", ""),
                 parse_defects=tuple(h.get("parse_defects", ())))
