"""SQLAlchemy ORM tables. Bodies live apart from the queue's columns so listing 100,000 emails never
reads a body; every state change and decision becomes a row in `audit_events`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores no zone; values come back naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UtcDateTime}


class EmailRow(Base):
    __tablename__ = "emails"
    __table_args__ = (
        UniqueConstraint("source", "provider_id", name="uq_emails_source_provider"),
        Index("ix_emails_source_message_id", "source", "message_id"),
        Index("ix_emails_state_received", "state", "received_at"),
        Index("ix_emails_state_id", "state", "id"),  # the pipeline reads each state's emails in id order
        Index("ix_emails_state_category", "state", "category"),  # the queue's filter counts (migration 0004)
        Index("ix_emails_state_urgency", "state", "urgency"),
        Index("ix_emails_sender_received", "sender_address", "received_at"),  # the queue's sorts
        Index("ix_emails_confidence_received", "confidence", "received_at"),
        # Also, made by migration 0002 where the database allows: (subject, received_at) on SQLite, and the
        # text search's index (an FTS5 table `emails_fts` on SQLite, pg_trgm GIN indexes on PostgreSQL).
        Index("ix_emails_received", "received_at"),
        Index("ix_emails_category_received", "category", "received_at"),
        Index("ix_emails_urgency_received", "urgency", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(200))
    provider_id: Mapped[str] = mapped_column(String(400))
    message_id: Mapped[str] = mapped_column(String(998))
    thread_id: Mapped[str] = mapped_column(String(998), default="")
    in_reply_to: Mapped[str] = mapped_column(String(998), default="")
    sender_address: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    snippet: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    size: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(32))
    state_reason: Mapped[str] = mapped_column(Text, default="")
    retries: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(64), default="")
    urgency: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EmailContentRow(Base):
    """The heavy parts of an email, read only when one email is opened."""

    __tablename__ = "email_content"

    email_id: Mapped[int] = mapped_column(ForeignKey("emails.id", ondelete="CASCADE"), primary_key=True)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # to, cc, reply_to, references...
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    classification: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    enrichment: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # kept for quarantined mail only


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_email", "email_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    email_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[str] = mapped_column(String(64), default="")
    after: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxRow(Base):
    """An approved action waiting for (or done with) delivery. The unique idempotency key is what makes
    'a reply is never sent twice' hold across crashes: the row is written with the approval, in the same
    transaction, and delivery only ever works from it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("emails.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    external_id: Mapped[str] = mapped_column(String(400), default="")
    link: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not delivered before this moment: the operator's undo window, or the wait before a retry (migration 0005).
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # When a delivery first started: from then on the action can no longer be undone (migration 0005).
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Which console is delivering it, and until when no other may take it over (migration 0005).
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SyncCursorRow(Base):
    __tablename__ = "sync_cursors"

    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    cursor: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TrainingExampleRow(Base):
    """An operator's correction: a labelled example the local classifier learns from."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))


# Core tables for the bulk writes (executemany statements, no unit of work).
EMAILS_TABLE: Table = Base.metadata.tables["emails"]
CONTENT_TABLE: Table = Base.metadata.tables["email_content"]
AUDIT_TABLE: Table = Base.metadata.tables["audit_events"]
