"""Recording heartbeats: the worker, beat, the relay and the sweep say they are alive.

A heartbeat is one row per name, overwritten (:mod:`workflow.store.heartbeat_tables`);
it is written in its own short transaction, never inside a change's, so a heartbeat
cannot hold a lock a command waits for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workflow.store.heartbeat_tables import HeartbeatRow

WORKER_PREFIX = "worker:"
BEAT = "beat"
RELAY = "relay"
SWEEP = "sweep"


def record(engine: Engine, name: str, now: datetime, duration: float | None = None) -> None:
    """Say that ``name`` was alive at ``now`` (and how long its run took)."""
    for attempt in range(2):
        try:
            with Session(engine) as session:
                row = session.get(HeartbeatRow, name)
                if row is None:
                    row = HeartbeatRow(name=name, at=now)
                row.at = now
                row.runs += 1
                if duration is not None:
                    row.duration_seconds = duration
                session.add(row)
                session.commit()
            return
        except IntegrityError:  # two processes wrote a new name at once: update instead
            if attempt:
                raise


@contextmanager
def timed(engine: Engine, name: str, clock: Callable[[], datetime]) -> Iterator[None]:
    """Record ``name``'s heartbeat, with the run's duration, once the run has finished."""
    started = time.monotonic()
    yield
    record(engine, name, clock(), time.monotonic() - started)
