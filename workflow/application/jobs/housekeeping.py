"""Housekeeping, run by beat: sessions that have ended, uses of sign-off links that have
expired anyway, and old security-log windows are deleted.

An ended session signs nobody in already (the check is made on every request); deleting
it keeps the table small and leaves nothing for a copy of the database to show. A used
link's row is what stops a second use, so it is kept until the link itself has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_
from sqlmodel import col

from workflow.application.authentication import LINK_LIFETIME, idle_limit
from workflow.application.runtime import Runtime
from workflow.store.audit import as_utc
from workflow.store.auth_tables import SecurityLogRow, SignoffLinkUseRow, WebSessionRow

#: How long the security log keeps a window's row.
SECURITY_LOG_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class Purged:
    sessions: int
    links: int
    log_rows: int


def purge(rt: Runtime) -> Purged:
    """Delete what has ended; idempotent (a second run finds nothing)."""
    now = as_utc(rt.clock())
    idle_since = now - idle_limit(rt)
    with rt.sessions() as session:
        sessions = session.execute(
            delete(WebSessionRow).where(
                or_(
                    col(WebSessionRow.expires_at) <= now,
                    func.coalesce(col(WebSessionRow.last_seen_at), col(WebSessionRow.created_at))
                    <= idle_since,
                )
            )
        )
        links = session.execute(
            delete(SignoffLinkUseRow).where(col(SignoffLinkUseRow.used_at) <= now - LINK_LIFETIME)
        )
        log_rows = session.execute(
            delete(SecurityLogRow).where(
                col(SecurityLogRow.window_start) <= now - SECURITY_LOG_KEPT
            )
        )
        session.commit()
    return Purged(
        sessions.rowcount or 0,  # type: ignore[attr-defined]
        links.rowcount or 0,  # type: ignore[attr-defined]
        log_rows.rowcount or 0,  # type: ignore[attr-defined]
    )
