"""Reading deadlines: listing them, and each work stream's next one. Read-only: what
changes deadlines is in :mod:`workflow.application.handlers.deadlines` and the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.domain.working_days import london_date
from workflow.store.deadline_tables import DeadlineRow
from workflow.store.tables import WorkStreamRow


def row_dict(row: DeadlineRow, today: date) -> dict[str, Any]:
    open_ = row.closed_at is None
    return {
        "id": row.id,
        "ref": row.stream_ref,
        "rule": row.rule,
        "what": row.what,
        "owed_by": row.owed_by,
        "body": row.body,
        "stage": row.stage,
        "due": row.due_on.isoformat(),
        "original_due": row.original_due_on.isoformat(),
        "days_left": (row.due_on - today).days if open_ else None,
        "overdue": open_ and row.paused_on is None and row.due_on < today,
        "paused": row.paused_on is not None,
        "extended_reason": row.extended_reason,
        "next_reminder": row.next_reminder_on.isoformat() if row.next_reminder_on else None,
        "opened_at": row.opened_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "closed_reason": row.closed_reason,
    }


def list_query(
    *,
    today: date,
    due_before: date | None = None,
    overdue: bool = False,
    body: str | None = None,
    stream_ref: str | None = None,
    stream_id: int | None = None,
    include_closed: bool = False,
) -> SelectOfScalar[DeadlineRow]:
    query = select(DeadlineRow).order_by(col(DeadlineRow.due_on), col(DeadlineRow.id))
    if not include_closed:
        query = query.where(col(DeadlineRow.closed_at).is_(None))
    if due_before is not None:
        query = query.where(col(DeadlineRow.due_on) < due_before)
    if overdue:
        query = query.where(col(DeadlineRow.due_on) < today, col(DeadlineRow.paused_on).is_(None))
    if body is not None:
        query = query.where(col(DeadlineRow.body) == body)
    if stream_ref is not None:
        query = query.where(col(DeadlineRow.stream_ref) == stream_ref)
    if stream_id is not None:  # on ix_deadline_stream_open
        query = query.where(col(DeadlineRow.stream_id) == stream_id)
    return query


def next_and_overdue(rt: Runtime, ref: str | None = None) -> dict[str, tuple[dict[str, Any], bool]]:
    """Per work stream with open deadlines (or just ``ref``): its next one, and whether any
    is overdue.

    Two aggregate queries, so that the programme overview costs the same whether each work
    stream has one open deadline or ten.
    """
    today = london_date(rt.clock())
    d = DeadlineRow.__table__  # type: ignore[attr-defined]
    is_open = d.c.closed_at.is_(None)
    if ref is not None:  # by the work stream's id, so on ix_deadline_stream_open
        w = WorkStreamRow.__table__  # type: ignore[attr-defined]
        is_open = is_open & (
            d.c.stream_id == sa_select(w.c.id).where(w.c.ref == ref).scalar_subquery()
        )
    rank = (
        func.row_number()
        .over(partition_by=d.c.stream_id, order_by=(d.c.due_on, d.c.id))
        .label("rank")
    )
    ranked = sa_select(d.c.stream_ref, d.c.id, d.c.due_on, d.c.what, rank).where(is_open)
    firsts = ranked.subquery()
    late = (
        sa_select(d.c.stream_ref)
        .where(is_open, d.c.paused_on.is_(None), d.c.due_on < today)
        .distinct()
    )
    with rt.read() as session:
        found = session.execute(
            sa_select(firsts.c.stream_ref, firsts.c.id, firsts.c.due_on, firsts.c.what).where(
                firsts.c.rank == 1
            )
        ).all()
        overdue = set(session.execute(late).scalars())
    return {
        key: ({"id": id_, "due": due.isoformat(), "description": what}, key in overdue)
        for key, id_, due, what in found
    }


def next_of_streams(session: Session, stream_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The next open deadline of each of ``stream_ids`` that has one, by work stream id: one
    query, for a page of the overview (or a batch of its CSV)."""
    if not stream_ids:
        return {}
    d = DeadlineRow.__table__  # type: ignore[attr-defined]
    rank = (
        func.row_number()
        .over(partition_by=d.c.stream_id, order_by=(d.c.due_on, d.c.id))
        .label("rank")
    )
    firsts = (
        sa_select(d.c.stream_id, d.c.id, d.c.due_on, d.c.what, rank)
        .where(d.c.closed_at.is_(None), d.c.stream_id.in_(list(stream_ids)))
        .subquery()
    )
    found = session.execute(
        sa_select(firsts.c.stream_id, firsts.c.id, firsts.c.due_on, firsts.c.what).where(
            firsts.c.rank == 1
        )
    ).all()
    return {
        stream_id: {"id": id_, "due": due.isoformat(), "description": what}
        for stream_id, id_, due, what in found
    }


def list_deadlines(
    rt: Runtime,
    *,
    due_before: date | None = None,
    overdue: bool = False,
    body: str | None = None,
    stream: str | None = None,
    include_closed: bool = False,
) -> list[dict[str, Any]]:
    """Open deadlines (or all), soonest first; ``body`` is the body that owes or chases them."""
    today = london_date(rt.clock())
    code = rt.bodies.code_of(body) if body else None
    with rt.read() as session:
        stream_id = load_readonly(session, stream)[0].id if stream is not None else None
        query = list_query(
            today=today,
            due_before=due_before,
            overdue=overdue,
            body=code,
            stream_id=stream_id,
            include_closed=include_closed,
        )
        return [row_dict(row, today) for row in session.exec(query).all()]
