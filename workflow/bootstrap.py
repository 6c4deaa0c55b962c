"""The composition root: builds the engine's parts from settings, once, on request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from config.settings import Settings, get_settings
from workflow.domain.bodies import DEFAULT_BODIES, BodyRegistry
from workflow.store.db import engine_for, is_postgres, session_factory
from workflow.store.tables import OutboxRow
from workflow.store.uow import Publisher, Reactions, UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything a service needs: settings, database, clock, registry and hooks."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = utc_now
    bodies: BodyRegistry = DEFAULT_BODIES
    reactions: Reactions | None = None
    publisher: Publisher | None = None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            lock_rows=is_postgres(self.engine),
            clock=self.clock,
            reactions=self.reactions,
            publisher=self.publisher,
            lease_seconds=self.settings.outbox_lease_seconds,
        )

    @cached_property
    def read_sessions(self) -> sessionmaker[Session]:
        if self.engine.dialect.name != "sqlite":
            return self.sessions
        url = self.engine.url.render_as_string(hide_password=False)
        return session_factory(engine_for(url, writer=False))

    def read(self) -> Session:
        """A session for queries that change nothing (on SQLite, without the write lock)."""
        return self.read_sessions()


def celery_publisher(rows: Sequence[OutboxRow]) -> object:
    """Publish through Celery; imported on first use so that commands stay quick to start."""
    from tasks.publisher import publish_rows

    return publish_rows(rows)


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    publisher: Publisher | None = None,
    with_reactions: bool = True,
) -> Runtime:
    settings = settings or get_settings()
    reactions = None
    if with_reactions:
        from workflow.services.reactions import react

        reactions = react
    return Runtime(
        settings, engine_for(settings.database_url), clock, DEFAULT_BODIES, reactions, publisher
    )
