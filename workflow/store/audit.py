"""Appending to and verifying the audit chain in the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from workflow.domain.audit_chain import (
    GENESIS,
    ChainLink,
    Verification,
    canonical_json,
    link_hash,
    verify_links,
)
from workflow.domain.events import DomainEvent
from workflow.store.tables import AuditEventRow, AuditHeadRow


def append_events(
    session: Session, stream_ref: str | None, events: Sequence[DomainEvent]
) -> list[AuditEventRow]:
    """Chain ``events`` onto the trail inside the caller's transaction.

    The head row is locked until the transaction ends, so concurrent writers append one
    after the other and the chain never forks. Call it last, just before commit, to keep
    that lock short.
    """
    if not events:
        return []
    head = session.exec(  # type: ignore[call-overload]
        select(AuditHeadRow).where(col(AuditHeadRow.id) == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
        session.add(head)
    rows = []
    seq, prev = head.seq, head.hash
    for ev in events:
        seq += 1
        payload = canonical_json(ev.payload)
        at = as_utc(ev.at)
        digest = link_hash(
            prev,
            seq,
            stream_ref,
            ev.actor,
            ev.body,
            at,
            ev.action.value,
            ev.from_state,
            ev.to_state,
            ev.reason,
            payload,
        )
        rows.append(
            AuditEventRow(
                seq=seq,
                stream_ref=stream_ref,
                actor=ev.actor,
                body=ev.body,
                at=at,
                action=ev.action.value,
                from_state=ev.from_state,
                to_state=ev.to_state,
                reason=ev.reason,
                payload=payload,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    session.add_all(rows)
    head.seq, head.hash = seq, prev
    session.add(head)
    return rows


def as_utc(moment: datetime) -> datetime:
    """Every stored time is aware and in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


t = AuditEventRow.__table__  # type: ignore[attr-defined]
_LINK_COLUMNS = [t.c[name] for name in ChainLink._fields]


#: PostgreSQL spells each time as the chain hashes it (``utc_iso``), so that verifying a
#: million events builds no datetime: the time of each is read as text, straight from the
#: driver. ``at`` is a timestamptz; ``to_char`` of it in UTC gives the same characters.
_PG_LINKS = (
    "SELECT seq, stream_ref, actor, body, "
    """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), """
    "action, from_state, to_state, reason, payload, prev_hash, hash "
    "FROM audit_event WHERE seq > %s ORDER BY seq LIMIT %s"
)


def iter_links(session: Session, batch: int = 5000) -> Iterator[ChainLink]:
    """Every event in ``seq`` order, streamed in batches (keyset pagination)."""
    if session.get_bind().dialect.name == "postgresql":
        yield from _pg_links(session, batch)
        return
    last = 0
    while True:
        rows = session.execute(
            select(*_LINK_COLUMNS).where(t.c.seq > last).order_by(t.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from map(ChainLink._make, rows)
        last = rows[-1][0]


def _pg_links(session: Session, batch: int) -> Iterator[ChainLink]:
    # The driver's own cursor: plain tuples, with no result processing between.
    cursor, last = session.connection().connection.cursor(), 0
    try:
        while True:
            cursor.execute(_PG_LINKS, (last, batch))
            rows = cursor.fetchall()
            if not rows:
                return
            yield from map(ChainLink._make, rows)
            last = rows[-1][0]
    finally:
        cursor.close()


def head_of(session: Session) -> tuple[int, str]:
    head = session.get(AuditHeadRow, 1)
    return (head.seq, head.hash) if head else (0, GENESIS)


def verify_chain(session: Session) -> Verification:
    return verify_links(iter_links(session), *head_of(session))
