"""Heartbeats: when each background part of the engine last showed it was alive.

The worker writes its own row every few seconds; beat writes ``beat`` on every tick; the
relay and the reminder sweep write theirs each time they run, with how long they took.
``/readyz``, ``/metrics`` and the administrators' health page read them: they work
across processes because they are rows, not memory.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class HeartbeatRow(SQLModel, table=True):
    __tablename__ = "heartbeat"

    #: ``beat``, ``relay``, ``sweep``, or ``worker:HOSTNAME`` (one row per worker).
    name: str = Field(primary_key=True, max_length=200)
    at: datetime
    #: How long the last run took (relay and sweep), in seconds.
    duration_seconds: float | None = None
    runs: int = 0
