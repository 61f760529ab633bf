"""queue performance: indexes for every sort of the queue and for the pipeline, and an indexed text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 11:30:00

- (state, id): the pipeline reads each state's emails in id order.
- (sender_address, received_at), (confidence, received_at), (subject, received_at): the queue's sorts (each
  sort breaks ties by received time, then id). The subject index is SQLite's only: PostgreSQL refuses index
  entries over ~2.7 kB, and a subject can be longer; it sorts 100,000 rows without one fast enough.
- Free-text search (sender, subject, snippet): on SQLite an FTS5 table with the trigram tokenizer, so a
  search for any substring of three characters or more is an index lookup; kept in step with `emails` by
  triggers. On PostgreSQL, trigram GIN indexes (pg_trgm) when the extension can be created. Where neither is
  available, the search stays a scan with LIKE: the same results, only slower.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FTS_COLUMNS = ("subject", "sender_address", "sender_name", "snippet")
_SORT_INDEXES = (("ix_emails_sender_received", ["sender_address", "received_at"]),
                 ("ix_emails_confidence_received", ["confidence", "received_at"]))


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.create_index("ix_emails_state_id", ["state", "id"], unique=False)
        for name, columns in _SORT_INDEXES:
            batch_op.create_index(name, columns, unique=False)
        if bind.dialect.name == "sqlite":
            batch_op.create_index("ix_emails_subject_received", ["subject", "received_at"], unique=False)
    if bind.dialect.name == "sqlite" and _sqlite_has_trigram_fts(bind):
        _create_sqlite_fts()
    elif bind.dialect.name == "postgresql":
        _create_postgresql_trigram_indexes(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("emails_fts_insert", "emails_fts_delete", "emails_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS emails_fts")
    elif bind.dialect.name == "postgresql":
        for column in FTS_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_emails_{column}_trgm")
    with op.batch_alter_table("emails", schema=None) as batch_op:
        if bind.dialect.name == "sqlite":
            batch_op.drop_index("ix_emails_subject_received")
        for name, _ in reversed(_SORT_INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_index("ix_emails_state_id")


def _sqlite_has_trigram_fts(bind: sa.Connection) -> bool:
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp.emailbot_fts_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:  # no FTS5, or SQLite before 3.34 (no trigram tokenizer)
        return False
    bind.exec_driver_sql("DROP TABLE temp.emailbot_fts_probe")
    return True


def _create_sqlite_fts() -> None:
    columns = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    op.execute(f"CREATE VIRTUAL TABLE emails_fts USING fts5({columns}, content='emails', content_rowid='id', "
               "tokenize='trigram')")
    op.execute(f"CREATE TRIGGER emails_fts_insert AFTER INSERT ON emails BEGIN "
               f"INSERT INTO emails_fts(rowid, {columns}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER emails_fts_delete AFTER DELETE ON emails BEGIN "
               f"INSERT INTO emails_fts(emails_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END")
    op.execute(f"CREATE TRIGGER emails_fts_update AFTER UPDATE OF {columns} ON emails BEGIN "
               f"INSERT INTO emails_fts(emails_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO emails_fts(rowid, {columns}) VALUES (new.id, {new}); END")
    op.execute("INSERT INTO emails_fts(emails_fts) VALUES ('rebuild')")  # the emails already stored


def _create_postgresql_trigram_indexes(bind: sa.Connection) -> None:
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:  # not installed, or not allowed to this role: searches scan instead
        savepoint.rollback()
        return
    savepoint.commit()
    for column in FTS_COLUMNS:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_emails_{column}_trgm ON emails USING gin ({column} gin_trgm_ops)")
