"""The unit of work: one transaction holding the change, its audit events and its outbox.

It only persists. On commit it saves every work stream and business plan it loaded that
recorded events,
adds the outbox rows, chains every event onto the audit trail, and commits once; it
returns the new outbox rows, which the caller hands to the broker after the commit (a
rolled-back change sends nothing; a publish that fails loses nothing, because the relay
finds the rows again). What events lead to is decided above it, by the message bus.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from workflow.domain.errors import Conflict
from workflow.domain.events import DomainEvent
from workflow.domain.workstream import WorkStream
from workflow.store.audit import append_chained, as_utc
from workflow.store.plans import PlanRepository
from workflow.store.repository import WorkStreamRepository
from workflow.store.tables import OutboxRow

_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_ADD_OUTBOX = insert(_OUTBOX)


class UnitOfWork:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lock_rows: bool,
        clock: Callable[[], datetime],
        publishing: bool = False,
        lease_seconds: int = 60,
        context: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        """``publishing``: the caller hands the outbox rows to the broker right after the
        commit, so they are stored as published, leased against the relay. ``context``:
        what the logs have bound (correlation id, actor), stored on each outbox row."""
        self._sessions, self._lock_rows, self.clock = sessions, lock_rows, clock
        self._publishing, self._lease = publishing, lease_seconds
        self._context = context
        self._new: set[str] = set()

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.streams = WorkStreamRepository(self.session, lock_rows=self._lock_rows)
        self.plans = PlanRepository(self.session, lock_rows=self._lock_rows)
        self._loose_events: list[tuple[str | None, DomainEvent]] = []
        self._outbox: list[OutboxRow] = []
        self._stream_events: dict[str, list[DomainEvent]] = {}
        self._new = set()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    # -- what a handler asks for ------------------------------------------------------
    def add_stream(self, ws: WorkStream) -> None:
        self.streams.add(ws, as_utc(self.clock()))
        self._new.add(ws.ref)

    def record(self, event: DomainEvent, stream_ref: str | None = None) -> None:
        """An audit event that belongs to no loaded work stream (or to one by ref)."""
        self._loose_events.append((stream_ref, event))

    def add_stream_events(self, ref: str, events: Sequence[DomainEvent]) -> None:
        """Events of a loaded work stream already taken from it (by the bus, which has
        dispatched them): chained with it on commit."""
        self._stream_events.setdefault(ref, []).extend(events)

    def enqueue(self, task: str, payload: dict[str, Any], stream_ref: str | None) -> OutboxRow:
        bound = self._context() if self._context is not None else {}
        row = OutboxRow(
            id=str(uuid.uuid4()),
            stream_ref=stream_ref,
            task=task,
            payload=payload,
            created_at=as_utc(self.clock()),
            correlation_id=bound.get("correlation_id"),
            actor=bound.get("actor"),
        )
        self._outbox.append(row)
        return row

    # -- commit ---------------------------------------------------------------------
    def commit(self) -> list[OutboxRow]:
        now = as_utc(self.clock())
        chained: list[tuple[str | None, list[DomainEvent]]] = []
        for ref, ws in list(self.streams.seen.items()):
            events = self._stream_events.pop(ref, []) + ws.drain()
            if not events:
                continue
            if ref in self._new:
                self.streams.refresh_new(ws)
            else:
                self.streams.save(ws, now)
            chained.append((ref, events))
        for plan in self.plans.seen.values():
            if plan_events := plan.drain():
                self.plans.save(plan)
                chained.append((plan.audit_ref, plan_events))
        if self._outbox:
            for row in self._outbox:
                # Published right after commit: the relay leaves it alone until the lease ends.
                if self._publishing:
                    row.lease_until, row.published_at = now + timedelta(seconds=self._lease), now
                    row.attempts = 1
            # Core, not the ORM: the rows are only handed to the publisher after the commit.
            values = [
                {c.name: getattr(row, c.name) for c in _OUTBOX.columns} for row in self._outbox
            ]
            self.session.connection().execute(
                _ADD_OUTBOX, values[0] if len(values) == 1 else values
            )
        chained += [(stream_ref, [event]) for stream_ref, event in self._loose_events]
        # The chain head is locked last so that concurrent writers queue on it briefly.
        append_chained(self.session, chained)
        try:
            self.session.commit()
        except OperationalError as error:
            raise Conflict(f"the database refused the change ({error.orig}): try again") from error
        published, self._outbox, self._loose_events, self._new = self._outbox, [], [], set()
        return published
