"""The security log: refusals of people who are not signed in, counted per source and
window.

Anyone can cause these (a wrong password, a made-up token, a form posted from elsewhere),
so they are kept out of the hash chain, whose single head lock a flood would otherwise
hold; and they are aggregated, so that a flood adds one row per source, kind and window
(``CJJI_SECURITY_LOG_WINDOW_SECONDS``) however many requests it makes. Refusals of a
signed-in person stay on the audit chain, where they name who tried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from workflow.application.runtime import Runtime
from workflow.store.audit import as_utc
from workflow.store.auth_tables import SecurityLogRow

UNKNOWN_SOURCE = "unknown"


def window_start(at: datetime, seconds: int) -> datetime:
    epoch = int(as_utc(at).timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def record(rt: Runtime, source: str | None, kind: str, detail: str) -> None:
    """Count one refusal of ``kind`` from ``source`` in the current window (an upsert)."""
    now = as_utc(rt.clock())
    values = {
        "source": (source or UNKNOWN_SOURCE)[:64],
        "kind": kind[:32],
        "window_start": window_start(now, rt.settings.security_log_window_seconds),
        "count": 1,
        "first_at": now,
        "last_at": now,
        "last_detail": detail[:300],
    }
    table: Any = SecurityLogRow.__table__  # type: ignore[attr-defined]
    with rt.sessions() as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["source", "kind", "window_start"],
            set_={
                "count": table.c["count"] + 1,
                "last_at": statement.excluded.last_at,
                "last_detail": statement.excluded.last_detail,
            },
        )
        session.execute(statement)
        session.commit()


def entries(rt: Runtime, since: timedelta | None = None) -> list[dict[str, Any]]:
    """The log's rows, newest window first (``since``: only windows that recent)."""
    with rt.read() as session:
        query = select(SecurityLogRow)
        if since is not None:
            cutoff = as_utc(rt.clock()) - since
            query = query.where(col(SecurityLogRow.window_start) >= cutoff)
        rows = session.exec(
            query.order_by(col(SecurityLogRow.window_start).desc(), col(SecurityLogRow.id))
        ).all()
        return [
            {
                "source": r.source,
                "kind": r.kind,
                "window_start": as_utc(r.window_start),
                "count": r.count,
                "first_at": as_utc(r.first_at),
                "last_at": as_utc(r.last_at),
                "last_detail": r.last_detail,
            }
            for r in rows
        ]


def total(rt: Runtime) -> int:
    with rt.read() as session:
        return int(session.exec(select(func.coalesce(func.sum(SecurityLogRow.count), 0))).one())
