"""Alembic environment: always run from the app with a live connection in config.attributes."""

from __future__ import annotations

from alembic import context

from emailbot_gui.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run from the app (emailbot_gui.store.db), which passes a connection")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
