"""The message bus: every change goes through :meth:`MessageBus.handle`.

For one command, in one transaction:

1. the unit of work opens (on PostgreSQL the work stream's row is locked when loaded);
2. the policy allows the command or refuses it (:mod:`workflow.application.policy`);
3. the command's one handler acts on the aggregates through the unit of work;
4. the events the aggregates raised are dispatched, in order, to their handlers (outbox
   rows for notifications and decision requests, the deadline ledger); events those
   handlers raise are dispatched after them;
5. the unit of work persists everything and commits once;
6. only then are the new outbox rows handed to the publisher (the broker): a refused or
   rolled-back change sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from config.settings import Settings
from workflow.adapters import logs
from workflow.application.commands import Command
from workflow.application.context import Context
from workflow.application.inputs import check_command_text, check_text
from workflow.application.policy import authorise
from workflow.application.principal import Principal
from workflow.application.subjects import relation_of
from workflow.domain.bodies import BodyRegistry
from workflow.domain.errors import WorkflowError
from workflow.domain.events import Event
from workflow.domain.workstream import WorkStream
from workflow.store.tables import OutboxRow
from workflow.store.uow import UnitOfWork

log = logs.get_logger("cjji.bus")

Handler = Callable[[Any, Context], Any]
Publisher = Callable[[Sequence[OutboxRow]], object]


class EventHandler(Protocol):
    def __call__(self, event: Any, ws: WorkStream, ctx: Context) -> None: ...


class MessageBus:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        *,
        clock: Callable[[], Any],
        bodies: BodyRegistry,
        settings: Settings,
        handlers: Mapping[type[Command], Handler],
        event_handlers: Mapping[type[Event], Sequence[EventHandler]],
        publisher: Publisher | None = None,
    ) -> None:
        self._uow, self._clock, self._bodies, self._settings = uow, clock, bodies, settings
        self._handlers, self._event_handlers = handlers, event_handlers
        self.publisher = publisher

    def handle(self, command: Command, who: Principal) -> Any:
        """Authorise ``command`` for ``who``, handle it and commit; returns what its handler
        returns. Raises the handler's or the policy's error, with nothing changed."""
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        check_command_text(command)  # control characters and lengths, before anything
        check_text("actor", who.name)
        name = type(command).__name__
        # Every line written while the command runs, and every outbox row it writes,
        # carries who acted and on which work stream (workflow/adapters/logs.py).
        # A command sent with no request or CLI command around it gets an id of its own.
        correlation_id = logs.current().get("correlation_id") or logs.new_correlation_id()
        with logs.bound(
            correlation_id=correlation_id,
            actor=who.username,
            stream_ref=getattr(command, "key", None),
        ):
            try:
                with self._uow() as uow:
                    ctx = Context(uow, who, self._clock, self._bodies, self._settings)
                    relation, about = relation_of(command, who, uow, self._bodies)
                    authorise(command, who, relation, about)
                    result = handler(command, ctx)
                    self._dispatch(ctx)
                    published = uow.commit()
            except WorkflowError as error:
                log.info("command refused", command=name, refusal=type(error).__name__)
                raise
            log.info("command done", command=name, outbox_rows=len(published))
            if self.publisher is not None and published:
                self.publisher(published)
        return result

    def _dispatch(self, ctx: Context) -> None:
        """Hand each event the aggregates raised to its handlers, inside the transaction."""
        dispatched: set[str] = set()
        while pending := [r for r in ctx.uow.streams.seen if r not in dispatched]:
            for ref in pending:  # a handler may create a work stream: it is dispatched next
                dispatched.add(ref)
                ws = ctx.uow.streams.seen[ref]
                queue, done = ws.drain(), []
                while queue:
                    event = queue.pop(0)
                    done.append(event)
                    for handle in self._event_handlers.get(type(event), ()):
                        handle(event, ws, ctx)
                    queue.extend(ws.drain())
                ctx.uow.add_stream_events(ref, done)


__all__ = ["EventHandler", "Handler", "MessageBus", "Publisher"]
