"""Alembic environment: the URL and connection come from scoring.store.migrate."""

from __future__ import annotations

from alembic import context

from scoring.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through scoring.store.migrate.upgrade_database")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
