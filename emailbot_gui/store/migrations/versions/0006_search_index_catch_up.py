"""search index caught up after a flood: SQLite's FTS5 table may lag behind `emails`, up to a recorded mark

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 01:10:00

Indexing a mail's subject, sender and snippet in trigrams is the largest single cost of storing it (more than
the row itself): during a flood it took a sixth of the console's CPU. The store now indexes a poll's emails
as they arrive only when the index is complete and the mailbox has nothing more waiting; a flood's emails are
indexed right after it, in id order, by `EmailStore.index_pending`. `search_index.indexed_upto` is the mark:
every email up to it is indexed, none after it. A search matches the emails after the mark with LIKE, so it
finds the same emails meanwhile.

The FTS5 table takes its content from `emails`; its delete and update triggers give the index the old values
to remove, which must be exactly what was indexed. For an email after the mark nothing was, so they now fire
only up to the mark.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FTS_COLUMNS = ("subject", "sender_address", "sender_name", "snippet")
_COLUMNS = ", ".join(FTS_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in FTS_COLUMNS)


def upgrade() -> None:
    if not _has_fts(op.get_bind()):
        return
    op.execute("CREATE TABLE search_index (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_upto INTEGER NOT NULL)")
    op.execute("INSERT INTO search_index (id, indexed_upto) SELECT 1, coalesce(max(id), 0) FROM emails")
    _create_triggers(when=" WHEN old.id <= (SELECT indexed_upto FROM search_index)")


def downgrade() -> None:
    if not _has_fts(op.get_bind()):
        return
    # Before 0006 every email was indexed: what lags is indexed now.
    op.execute(f"INSERT INTO emails_fts(rowid, {_COLUMNS}) SELECT id, {_COLUMNS} FROM emails "
               "WHERE id > (SELECT indexed_upto FROM search_index) ORDER BY id")
    _create_triggers(when="")
    op.execute("DROP TABLE search_index")


def _create_triggers(when: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS emails_fts_delete")
    op.execute("DROP TRIGGER IF EXISTS emails_fts_update")
    op.execute(f"CREATE TRIGGER emails_fts_delete AFTER DELETE ON emails{when} BEGIN "
               f"INSERT INTO emails_fts(emails_fts, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END")
    op.execute(f"CREATE TRIGGER emails_fts_update AFTER UPDATE OF {_COLUMNS} ON emails{when} BEGIN "
               f"INSERT INTO emails_fts(emails_fts, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
               f"INSERT INTO emails_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END")


def _has_fts(bind: sa.Connection) -> bool:
    return bind.dialect.name == "sqlite" and bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'emails_fts'").first() is not None
