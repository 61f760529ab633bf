"""filter counts from an index: (state, category) and (state, urgency)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 17:40:00

The queue counts what its filters match before it shows a page. With a category or urgency filter on top of
the state filter ("needs review"), SQLite walked every email in the state through the (state, id) index and
read each row for its category or urgency: on 100,000 emails awaiting review, 59 ms for one category and
131 ms for "high and critical". With these two indexes the same counts read only the index (about 1 ms).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEXES = (("ix_emails_state_category", ["state", "category"]), ("ix_emails_state_urgency", ["state", "urgency"]))


def upgrade() -> None:
    with op.batch_alter_table("emails", schema=None) as batch_op:
        for name, columns in _INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("emails", schema=None) as batch_op:
        for name, _ in reversed(_INDEXES):
            batch_op.drop_index(name)
