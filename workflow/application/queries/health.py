"""Is the engine well? The checks of ``/readyz`` and what the administrators' health page
shows: the database, the broker, beat's and the worker's heartbeats, the last relay and
sweep, and how long the oldest message has waited.

Everything is read from the database (heartbeats are rows, :mod:`workflow.store.
heartbeat_tables`), so the web process sees the worker's and beat's state without
sharing memory with them. "Late" is ``CJJI_HEARTBEAT_LATE_SECONDS`` beyond what each part
promises: the worker and beat write every ``CJJI_HEARTBEAT_EVERY_SECONDS``, the relay
runs every ``CJJI_RELAY_EVERY_SECONDS``, the sweep every ``CJJI_SWEEP_EVERY_SECONDS``, and
a message waits at most its lease (``CJJI_OUTBOX_LEASE_SECONDS``) before the relay
hands it out again.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kombu import Connection
from sqlalchemy import func, text
from sqlmodel import col, select

from workflow.application.jobs.heartbeats import BEAT, RELAY, SWEEP, WORKER_PREFIX
from workflow.application.runtime import Runtime
from workflow.store.audit import as_utc
from workflow.store.heartbeat_tables import HeartbeatRow
from workflow.store.tables import OutboxRow


@dataclass(frozen=True)
class Check:
    """One thing an operator watches: ok or not, and why, in words."""

    name: str
    ok: bool
    detail: str
    #: When it last showed it was alive (heartbeats, the oldest waiting message).
    at: datetime | None = None
    age_seconds: float | None = None
    #: How long its last run took (relay, sweep).
    duration_seconds: float | None = None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat() if self.at else None
        return out


def readiness(rt: Runtime) -> list[Check]:
    """What ``/readyz`` asks: the database, the broker, a recent beat tick, a live worker."""
    database = check_database(rt)
    if not database.ok:  # the heartbeats live in the database: nothing more can be read
        missing = "cannot be read: the database is not reachable"
        return [
            database,
            check_broker(rt),
            Check(BEAT, False, missing),
            Check("worker", False, missing),
        ]
    beats = heartbeats(rt)
    return [database, check_broker(rt), check_beat(rt, beats), check_worker(rt, beats)]


def operations(rt: Runtime) -> list[Check]:
    """What the administrators' health page shows, each ok or late."""
    beats = heartbeats(rt)
    return [
        check_outbox(rt),
        check_job(rt, beats, RELAY, "relay", rt.settings.relay_every_seconds),
        check_job(rt, beats, SWEEP, "reminder sweep", rt.settings.sweep_every_seconds),
        check_worker(rt, beats),
        check_beat(rt, beats),
    ]


def heartbeats(rt: Runtime) -> dict[str, HeartbeatRow]:
    with rt.read() as session:
        return {row.name: row for row in session.exec(select(HeartbeatRow)).all()}


def check_database(rt: Runtime) -> Check:
    try:
        with rt.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach it is "not ready", with its words
        return Check("database", False, f"not reachable: {type(error).__name__}")
    return Check("database", True, f"{rt.engine.dialect.name} answers")


def check_broker(rt: Runtime) -> Check:
    """Connect to the broker within the broker time limit (a hung broker is "not ready")."""
    limit = rt.settings.broker_timeout_seconds
    url = rt.settings.broker_url
    options: dict[str, Any] = {}
    if url.startswith(("redis://", "rediss://")):
        options = {"socket_timeout": limit, "socket_connect_timeout": limit, "max_retries": 0}
    try:
        with Connection(url, connect_timeout=limit, transport_options=options) as connection:
            connection.ensure_connection(max_retries=1, timeout=math.ceil(limit))
            connection.default_channel  # noqa: B018 - opening a channel talks to it
    except Exception as error:  # kombu, redis, socket and SQLAlchemy errors alike
        return Check("broker", False, f"not reachable: {type(error).__name__}")
    return Check("broker", True, f"{connection.transport_cls} answers")


def age_seconds(now: datetime, at: datetime) -> float:
    return max((as_utc(now) - as_utc(at)).total_seconds(), 0.0)


def _age(rt: Runtime, at: datetime) -> float:
    return age_seconds(rt.clock(), at)


def _beat_check(
    rt: Runtime, name: str, label: str, row: HeartbeatRow | None, every: float
) -> Check:
    late_after = every + rt.settings.heartbeat_late_seconds
    if row is None:
        return Check(name, False, f"no {label} has run yet")
    age = _age(rt, row.at)
    ok = age <= late_after
    said = f"last seen {age:.0f}s ago" + ("" if ok else f": late (more than {late_after:.0f}s)")
    return Check(name, ok, said, as_utc(row.at), age, row.duration_seconds)


def check_beat(rt: Runtime, beats: dict[str, HeartbeatRow]) -> Check:
    return _beat_check(rt, BEAT, "beat", beats.get(BEAT), rt.settings.heartbeat_every_seconds)


def check_worker(rt: Runtime, beats: dict[str, HeartbeatRow]) -> Check:
    """The most recent heartbeat of any worker: one live worker is enough."""
    workers = [row for name, row in beats.items() if name.startswith(WORKER_PREFIX)]
    newest = max(workers, key=lambda row: as_utc(row.at), default=None)
    check = _beat_check(rt, "worker", "worker", newest, rt.settings.heartbeat_every_seconds)
    if newest is not None:
        host = newest.name.removeprefix(WORKER_PREFIX)
        check = Check(check.name, check.ok, f"{host}: {check.detail}", check.at, check.age_seconds)
    return check


def check_job(
    rt: Runtime, beats: dict[str, HeartbeatRow], name: str, label: str, every: float
) -> Check:
    return _beat_check(rt, name, label, beats.get(name), every)


def outbox_waiting(rt: Runtime) -> tuple[int, datetime | None]:
    """How many outbox rows are not yet done, and when the oldest of them was written."""
    with rt.read() as session:
        waiting, oldest = session.execute(
            select(func.count(), func.min(col(OutboxRow.created_at))).where(
                col(OutboxRow.done_at).is_(None)
            )
        ).one()
    return int(waiting or 0), oldest


def check_outbox(rt: Runtime) -> Check:
    """How many messages wait, and for how long the oldest has."""
    waiting, oldest = outbox_waiting(rt)
    if not waiting or oldest is None:
        return Check("outbox", True, "no message waiting", age_seconds=0.0)
    age = _age(rt, oldest)
    late_after = rt.settings.outbox_lease_seconds + rt.settings.heartbeat_late_seconds
    ok = age <= late_after
    said = f"{waiting} waiting, the oldest for {age:.0f}s" + (
        "" if ok else f": late (more than {late_after:.0f}s)"
    )
    return Check("outbox", ok, said, as_utc(oldest), age)
