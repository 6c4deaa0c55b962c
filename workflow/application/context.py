"""What a handler is given: the open unit of work, who is acting, and the engine's parts
(clock, body registry, settings). Handlers import none of these themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config.settings import Settings
from workflow.application.principal import Actor, Principal
from workflow.domain.bodies import BodyRegistry
from workflow.store.uow import UnitOfWork


@dataclass
class Context:
    uow: UnitOfWork
    who: Principal
    clock: Callable[[], datetime]
    bodies: BodyRegistry
    settings: Settings
    #: What event handlers keep for the rest of one transaction (a work stream's ledger).
    scratch: dict[Any, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return self.who.actor
