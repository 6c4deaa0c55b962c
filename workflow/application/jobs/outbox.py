"""The outbox relay: hand again to the broker whatever was not done once its lease ran out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from workflow.application.runtime import Runtime
from workflow.store.db import is_postgres
from workflow.store.tables import OutboxRow

MAX_BACKOFF_STEPS = 6  # the lease doubles per attempt, up to 64 leases


def lease_for(attempts: int, lease_seconds: int) -> timedelta:
    return timedelta(seconds=lease_seconds * 2 ** min(max(attempts - 1, 0), MAX_BACKOFF_STEPS))


def claim_due(rt: Runtime, *, limit: int = 200) -> list[OutboxRow]:
    """Lease the rows that are due, committing the lease before anything is published.

    Two relays never claim the same row (SKIP LOCKED on PostgreSQL; SQLite has one writer).
    A relay that dies after claiming loses nothing: the lease runs out and the row is due
    again.
    """
    now = rt.clock()
    with rt.sessions() as session:
        query = (
            select(OutboxRow)
            .where(
                col(OutboxRow.done_at).is_(None),
                or_(col(OutboxRow.lease_until).is_(None), col(OutboxRow.lease_until) < now),
            )
            .order_by(col(OutboxRow.created_at))
            .limit(limit)
        )
        if is_postgres(rt.engine):
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query).all())
        for row in rows:
            row.attempts += 1
            row.lease_until = now + lease_for(row.attempts, rt.settings.outbox_lease_seconds)
            row.published_at = now
            session.add(row)
        session.commit()
    return rows


def relay(rt: Runtime, publish: Callable[[Sequence[OutboxRow]], int]) -> int:
    """Claim what is due and publish it; returns how many rows were published."""
    rows = claim_due(rt)
    return publish(rows) if rows else 0


def pending(session: Session) -> int:
    return len(session.exec(select(OutboxRow.id).where(col(OutboxRow.done_at).is_(None))).all())


def mark_done(session: Session, outbox_id: str, now: datetime) -> None:
    row = session.get(OutboxRow, outbox_id)
    if row is not None and row.done_at is None:
        row.done_at = now
        session.add(row)
