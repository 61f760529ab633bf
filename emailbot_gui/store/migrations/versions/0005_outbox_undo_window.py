"""outbox: an undo window and an exclusive delivery claim

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 19:00:00

- `not_before`: an approved reply or escalation is held until then, so the operator can undo the decision
  (and a delivery that failed waits there before its next attempt). Empty: deliver at once, as before.
- `started_at`: set, in its own committed update, just before a delivery first starts. An undo only cancels a
  row that is still pending with no `started_at`, so a decision is never undone while its reply is on the wire.
- `claimed_by` / `claimed_until`: the console delivering the row, and until when no other console sharing the
  queue may take it over (a lease, so a console that died mid-delivery does not block the row for ever). The
  same update sets them, so two consoles never deliver one row at the same time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A row undone under 0005 ("cancelled") was never delivered: before 0005 nothing knew that state, so it goes.
    op.execute("DELETE FROM outbox WHERE status = 'cancelled'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("started_at")
        batch_op.drop_column("not_before")
