"""Alembic environment: always run programmatically on a connection `open_store` provides."""

from __future__ import annotations

from alembic import context

from interlock.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline/CLI use is not supported
    raise RuntimeError("interlock migrations run through interlock.store.open_store()")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
