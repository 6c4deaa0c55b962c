"""The composition root: builds the engine's parts from settings, once, on request, and
hands them to the message bus and its handlers (no handler imports this module)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from config.settings import Settings, get_settings
from workflow.adapters import logs
from workflow.application.commands import Command
from workflow.application.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from workflow.application.messagebus import MessageBus, Publisher
from workflow.application.principal import Principal
from workflow.domain.bodies import DEFAULT_BODIES, BodyRegistry
from workflow.store.db import engine_for, is_postgres, session_factory
from workflow.store.tables import OutboxRow
from workflow.store.uow import UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything the entry points and jobs need: settings, database, clock, registry,
    publisher, and the message bus built from them."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime] = utc_now
    bodies: BodyRegistry = DEFAULT_BODIES
    publisher: Publisher | None = None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            lock_rows=is_postgres(self.engine),
            clock=self.clock,
            publishing=self.publisher is not None,
            lease_seconds=self.settings.outbox_lease_seconds,
            context=logs.current,
        )

    @cached_property
    def bus(self) -> MessageBus:
        return MessageBus(
            self.uow,
            clock=self.clock,
            bodies=self.bodies,
            settings=self.settings,
            handlers=COMMAND_HANDLERS,
            event_handlers=EVENT_HANDLERS,
            publisher=self.publisher,
        )

    def handle(self, command: Command, who: Principal) -> Any:
        """Send ``command`` on the bus as ``who``: allowed by the policy or refused."""
        return self.bus.handle(command, who)

    def publish(self, rows: Sequence[OutboxRow]) -> None:
        """Hand outbox rows committed outside the bus (by jobs) to the broker."""
        if self.publisher is not None and rows:
            self.publisher(rows)

    @cached_property
    def read_sessions(self) -> sessionmaker[Session]:
        if self.engine.dialect.name != "sqlite":
            return self.sessions
        url = self.engine.url.render_as_string(hide_password=False)
        return session_factory(engine_for(url, writer=False))

    def read(self) -> Session:
        """A session for queries that change nothing (on SQLite, without the write lock)."""
        return self.read_sessions()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    publisher: Publisher | None = None,
) -> Runtime:
    settings = settings or get_settings()
    return Runtime(settings, engine_for(settings.database_url), clock, DEFAULT_BODIES, publisher)
