"""Appending to and verifying the audit chain in the database."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlmodel import Session

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

_EVENTS = AuditEventRow.__table__  # type: ignore[attr-defined]
_HEAD = AuditHeadRow.__table__  # type: ignore[attr-defined]
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_NEW_HEAD = insert(_HEAD)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1)
_ADD_EVENTS = insert(_EVENTS)


def append_events(session: Session, stream_ref: str | None, events: Sequence[DomainEvent]) -> None:
    """Chain ``events`` onto the trail inside the caller's transaction (see
    :func:`append_chained`)."""
    append_chained(session, [(stream_ref, events)])


def append_chained(
    session: Session, groups: Sequence[tuple[str | None, Sequence[DomainEvent]]]
) -> None:
    """Chain each group's events (those of one work stream, or of none) onto the trail, in
    order, inside the caller's transaction.

    The session's pending rows are flushed first; then the head row is locked until the
    transaction ends, so concurrent writers append one after the other and the chain never
    forks. Call it last, just before commit, to keep that lock short. The events and the
    head are written with SQLAlchemy Core (one ``INSERT`` of every event, one ``UPDATE`` of
    the head): no ORM object is made for them.
    """
    if not any(events for _, events in groups):
        return
    session.flush()
    conn = session.connection()
    head = conn.execute(_LOCK_HEAD).first()
    if head is None:
        conn.execute(_NEW_HEAD, {"id": 1, "seq": 0, "hash": GENESIS})
        seq, prev = 0, GENESIS
    else:
        seq, prev = head[0], head[1]
    rows: list[dict[str, object]] = []
    for stream_ref, events in groups:
        for ev in events:
            seq += 1
            payload = canonical_json(ev.payload)
            at = as_utc(ev.at)
            action = ev.action.value
            digest = link_hash(
                prev,
                seq,
                stream_ref,
                ev.actor,
                ev.body,
                at,
                action,
                ev.from_state,
                ev.to_state,
                ev.reason,
                payload,
            )
            rows.append(
                {
                    "seq": seq,
                    "stream_ref": stream_ref,
                    "actor": ev.actor,
                    "body": ev.body,
                    "at": at,
                    "action": action,
                    "from_state": ev.from_state,
                    "to_state": ev.to_state,
                    "reason": ev.reason,
                    "payload": payload,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
    conn.execute(_ADD_EVENTS, rows[0] if len(rows) == 1 else rows)
    conn.execute(_MOVE_HEAD, {"seq": seq, "hash": prev})


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
    """Verify the whole chain against the head row, naming the first event that breaks it.

    On PostgreSQL the database checks every link first (:func:`_pg_all_links_hold`), in
    ranges over a few connections at once; only when it finds something wrong (or cannot
    tell) does the Python walk below run, which names the first broken event. Both apply
    the same rules to the same bytes, so the answer is the same, faster when all is well.
    """
    head = head_of(session)
    if session.get_bind().dialect.name == "postgresql" and _pg_all_links_hold(session, *head):
        return Verification(True, head[0])
    return verify_links(iter_links(session), *head)


#: Each event's canonical encoding and hash, spelled in SQL exactly as
#: :func:`workflow.domain.audit_chain.link_hash` spells them in Python: ``to_json`` of a
#: text escapes exactly what Python's JSON encoder (``ensure_ascii=False``) escapes (the
#: quote, the backslash and the characters below U+0020, as ``\b \f \n \r \t`` or
#: ``\u00xx``), the time as ``utc_iso`` writes it, the whole as UTF-8 (the database's
#: encoding must be UTF8, which is checked). Each link also holds the previous event's hash
#: and the next sequence number. A range answers how many events it holds and the first
#: that fails; ``lag``'s defaults carry the event before the range into it.
_PG_ENCODED = (
    "'[' || seq::text"
    " || ',' || coalesce(to_json(stream_ref)::text, 'null')"
    " || ',' || coalesce(to_json(actor)::text, 'null')"
    " || ',' || coalesce(to_json(body)::text, 'null')"
    """ || ',"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'"""
    " || ',' || coalesce(to_json(action)::text, 'null')"
    " || ',' || coalesce(to_json(from_state)::text, 'null')"
    " || ',' || coalesce(to_json(to_state)::text, 'null')"
    " || ',' || coalesce(to_json(reason)::text, 'null')"
    " || ',' || coalesce(to_json(payload)::text, 'null') || ']'"
)
_PG_RANGE = f"""
SELECT count(*), min(seq) FILTER (WHERE NOT ok) FROM (
  SELECT seq, coalesce(
      seq = lag(seq, 1, %(lo)s) OVER w + 1
      AND prev_hash = lag(hash, 1, %(before)s) OVER w
      AND hash = encode(sha256(convert_to(prev_hash || {_PG_ENCODED}, 'UTF8')), 'hex'),
      false) AS ok
  FROM audit_event WHERE seq > %(lo)s AND seq <= %(hi)s
  WINDOW w AS (ORDER BY seq)
) links
"""
#: Events per range, and how many ranges are checked at once (each on its own connection,
#: so on its own PostgreSQL backend and core).
PG_RANGE_EVENTS = 50_000
PG_PARALLEL = max(2, min(4, os.cpu_count() or 2))


def _pg_all_links_hold(session: Session, head_seq: int, head_hash: str) -> bool:
    """True when PostgreSQL finds every link of events 1…``head_seq`` sound, the last one's
    hash the head's and no event after it; False when anything is wrong or it cannot tell
    (the caller then walks the chain in Python to name what is wrong)."""
    conn = session.connection()
    if conn.exec_driver_sql("SHOW server_encoding").scalar_one() != "UTF8":
        return False
    if head_seq == 0:
        return bool(conn.exec_driver_sql("SELECT NOT EXISTS (SELECT 1 FROM audit_event)").scalar())
    last = conn.exec_driver_sql(
        "SELECT (SELECT hash FROM audit_event WHERE seq = %(head)s),"
        " EXISTS (SELECT 1 FROM audit_event WHERE seq > %(head)s OR seq < 1)",
        {"head": head_seq},
    ).one()
    if last[0] != head_hash or last[1]:
        return False
    bounds = [
        (lo, min(lo + PG_RANGE_EVENTS, head_seq)) for lo in range(0, head_seq, PG_RANGE_EVENTS)
    ]
    engine = conn.engine

    def holds(lo: int, hi: int) -> bool:
        with engine.connect() as own:
            before = (
                GENESIS
                if lo == 0
                else own.exec_driver_sql(
                    "SELECT hash FROM audit_event WHERE seq = %(lo)s", {"lo": lo}
                ).scalar()
            )
            if before is None:
                return False
            count, first_bad = own.exec_driver_sql(
                _PG_RANGE, {"lo": lo, "hi": hi, "before": before}
            ).one()
            return bool(count == hi - lo and first_bad is None)

    with ThreadPoolExecutor(max_workers=min(PG_PARALLEL, len(bounds))) as pool:
        return all(pool.map(lambda bound: holds(*bound), bounds))
