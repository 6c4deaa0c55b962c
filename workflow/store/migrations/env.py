"""Alembic environment: runs against the connection that `cjji db upgrade` hands in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from workflow.store import schema  # noqa: F401 - registers every table on the metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic command line without our CLI
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
