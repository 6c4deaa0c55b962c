"""What queries and jobs are given: the engine's parts as a protocol, so that the
application never imports the composition root (:mod:`workflow.bootstrap` builds the
one real :class:`Runtime`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from config.settings import Settings
from workflow.application.commands import Command
from workflow.application.principal import Principal
from workflow.domain.bodies import BodyRegistry
from workflow.store.tables import OutboxRow
from workflow.store.uow import UnitOfWork


class Runtime(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def bodies(self) -> BodyRegistry: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    def uow(self) -> UnitOfWork: ...

    def read(self) -> Session: ...

    def handle(self, command: Command, who: Principal) -> Any: ...

    def publish(self, rows: Sequence[OutboxRow]) -> None: ...
