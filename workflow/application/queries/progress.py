"""Read models for people auditing progress: the programme overview, the timeline of
states actually spent against the planned windows, a work stream's full record, and the
audit log with more filters. The API and the web pages both read through here.

Nothing here changes anything or decides anything: "overdue" means a deadline of the
deadline service is past due, or the planned publication window has closed before the
report was published.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from workflow.adapters import document_files
from workflow.application.inputs import choice
from workflow.application.queries import deadlines
from workflow.application.queries import streams as queries
from workflow.application.runtime import Runtime
from workflow.domain.decisions_awaited import MATTER_ORDER
from workflow.domain.errors import InvalidInput, NotFound
from workflow.domain.events import Action
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.stages import Stage
from workflow.domain.working_days import london_date
from workflow.domain.workstream import WorkStream
from workflow.store.audit import as_utc
from workflow.store.deadline_tables import DeadlineRow
from workflow.store.mapping import awaiting_marker, stream_from_row
from workflow.store.tables import (
    AuditEventRow,
    BusinessPlanRow,
    DocumentContentRow,
    WorkStreamRow,
)

#: States in which the report is not yet out, so a closed planned window means "late".
NOT_YET_PUBLISHED = frozenset(
    {
        Stage.SCOPING,
        Stage.FIELDWORK,
        Stage.DRAFTING,
        Stage.JOINT_SIGNOFF,
        Stage.PUBLICATION,
        Stage.PAUSED,
    }
)


def overdue_by_plan(row: dict[str, Any], today: date) -> bool:
    """The planned publication window has closed and the report is not yet published."""
    latest = row.get("expected_latest")
    return (
        latest is not None
        and row["state"] in NOT_YET_PUBLISHED
        and date.fromisoformat(latest) < today
    )


def overview(
    rt: Runtime,
    *,
    state: str | None = None,
    lead: str | None = None,
    body: str | None = None,
    plan: str | None = None,
    overdue: bool | None = None,
) -> list[dict[str, Any]]:
    """Every work stream matching the filters, with its next deadline, overdue flag and
    the bodies whose decision is awaited."""
    rows = queries.list_streams(rt, state=state, lead=lead, body=body, plan=plan)
    today = as_utc(rt.clock()).date()
    due = deadlines.next_and_overdue(rt)
    out = []
    for row in rows:
        next_due, late = due.get(row["ref"], (None, False))
        row = {
            **row,
            "next_deadline": next_due,
            "overdue": late or overdue_by_plan(row, today),
            "awaiting": list(row["outstanding"]["awaiting"]) if row["outstanding"] else [],
        }
        if overdue is None or row["overdue"] == overdue:
            out.append(row)
    return out


# -- the overview a page at a time, and all of it in batches -----------------------------
#: Work streams on one page of the overview.
PAGE_SIZE = 50
#: What the overview sorts by, as its URL spells it ("" is the order they were created in).
SORTS = ("", "ref", "title", "state", "lead", "publication", "deadline")


@dataclass(frozen=True)
class OverviewPage:
    """One page of the overview, with the counts of every work stream matching the filters."""

    rows: list[dict[str, Any]]
    total: int  # work streams matching the filters, on every page
    overdue: int  # of those, how many are overdue
    awaiting: int  # of those, how many await a body's decision (the indexed ``awaiting``)
    page: int  # 1-based; a page past the last is read as the last
    pages: int
    per_page: int


def _overdue_condition(rt: Runtime) -> ColumnElement[bool]:
    """SQL for :func:`overview`'s overdue flag: an open deadline not paused and past its date
    (London), or the planned window closed before the report is out."""
    w, d = WorkStreamRow.__table__, DeadlineRow.__table__  # type: ignore[attr-defined]
    late_deadline = (
        sa_select(d.c.id)
        .where(
            d.c.stream_id == w.c.id,
            d.c.closed_at.is_(None),
            d.c.paused_on.is_(None),
            d.c.due_on < london_date(rt.clock()),
        )
        .exists()
    )
    late_by_plan = and_(
        w.c.expected_latest.is_not(None),
        w.c.expected_latest < as_utc(rt.clock()).date(),
        w.c.state.in_(sorted(s.value for s in NOT_YET_PUBLISHED)),
    )
    return or_(late_deadline, late_by_plan)


def _conditions(
    rt: Runtime,
    state: str | None,
    lead: str | None,
    body: str | None,
    plan: str | None,
    overdue: bool | None,
) -> list[ColumnElement[bool]]:
    state, lead, body = queries.normalised_filters(rt, state, lead, body)
    where = queries.list_filters(state, lead, body, plan)
    if overdue is not None:
        late = _overdue_condition(rt)
        where.append(late if overdue else not_(late))
    return where


def _order(sort: str, descending: bool) -> list[ColumnElement[Any]]:
    """ORDER BY for ``sort``: the key (work streams without one last), then the id."""
    if sort not in SORTS:
        raise InvalidInput(f"sort is one of: {', '.join(s for s in SORTS if s)}")
    w, d = WorkStreamRow.__table__, DeadlineRow.__table__  # type: ignore[attr-defined]
    keys: dict[str, ColumnElement[Any]] = {
        "ref": w.c.ref,
        "title": w.c.title,
        "state": case({s.value: i for i, s in enumerate(Stage)}, value=w.c.state, else_=99),
        "lead": w.c.lead,
        "publication": w.c.expected_earliest,
        "deadline": sa_select(func.min(d.c.due_on))
        .where(d.c.stream_id == w.c.id, d.c.closed_at.is_(None))
        .scalar_subquery(),
    }
    if not sort:
        return [w.c.id.desc() if descending else w.c.id]
    key = keys[sort]
    return [
        key.is_(None),
        key.desc() if descending else key,
        w.c.id.desc() if descending else w.c.id,
    ]


def _overview_row(
    row: WorkStreamRow, late: bool, next_due: dict[str, Any] | None
) -> dict[str, Any]:
    data = queries.summary(stream_from_row(row, []), row.id)
    return {
        **data,
        "next_deadline": next_due,
        "overdue": bool(late),
        "awaiting": list(data["outstanding"]["awaiting"]) if data["outstanding"] else [],
    }


def overview_page(
    rt: Runtime,
    *,
    state: str | None = None,
    lead: str | None = None,
    body: str | None = None,
    plan: str | None = None,
    overdue: bool | None = None,
    sort: str = "",
    descending: bool = False,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> OverviewPage:
    """One page of :func:`overview` in the order asked for: one aggregate query counts the
    work streams matching the filters (and the overdue ones), one reads the page's rows with
    their overdue flag, one their next deadlines. The cost is the page's, whatever the size
    of the programme."""
    if page < 1 or per_page < 1:
        raise InvalidInput("page and per_page start at 1")
    where = _conditions(rt, state, lead, body, plan, overdue)
    order = _order(sort, descending)
    late = _overdue_condition(rt)
    with rt.read() as session:
        awaited = WorkStreamRow.awaiting.is_not(None)  # type: ignore[union-attr]
        total, late_count, awaiting_count = session.execute(
            sa_select(
                func.count(),
                func.coalesce(func.sum(case((late, 1), else_=0)), 0),
                func.coalesce(func.sum(case((awaited, 1), else_=0)), 0),
            )
            .select_from(WorkStreamRow)
            .where(*where)
        ).one()
        pages = max(1, -(-int(total) // per_page))
        page = min(page, pages)
        found = session.execute(
            select(WorkStreamRow, late.label("late"))
            .where(*where)
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        due = deadlines.next_of_streams(session, [row.id for row, _ in found if row.id])
        rows = [_overview_row(row, late_, due.get(row.id or 0)) for row, late_ in found]
    return OverviewPage(
        rows, int(total), int(late_count), int(awaiting_count), page, pages, per_page
    )


def overview_batches(
    rt: Runtime,
    *,
    state: str | None = None,
    lead: str | None = None,
    body: str | None = None,
    plan: str | None = None,
    overdue: bool | None = None,
    batch: int = 1000,
) -> Iterator[list[dict[str, Any]]]:
    """Every row of :func:`overview` matching the filters, in the order they were created,
    ``batch`` at a time: for streaming the whole programme (the CSV) without holding it.

    The filters are checked at once (an unknown state raises here, before anything is
    sent); each batch is then read in its own short transaction (keyset on the id), so a
    slow reader holds no transaction open between batches.
    """
    where = _conditions(rt, state, lead, body, plan, overdue)
    return _batches(rt, where, _overdue_condition(rt), batch)


def _batches(
    rt: Runtime, where: list[ColumnElement[bool]], late: ColumnElement[bool], batch: int
) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        with rt.read() as session:
            found = session.execute(
                select(WorkStreamRow, late.label("late"))
                .where(*where, col(WorkStreamRow.id) > last)
                .order_by(col(WorkStreamRow.id))
                .limit(batch)
            ).all()
            due = deadlines.next_of_streams(session, [row.id for row, _ in found if row.id])
        if not found:
            return
        yield [_overview_row(row, late_, due.get(row.id or 0)) for row, late_ in found]
        if len(found) < batch:
            return
        last = found[-1][0].id or 0


def _stream_deadlines(session: Session, stream_id: int | None, today: date) -> list[dict[str, Any]]:
    """Every deadline of one work stream, open or closed, soonest first (as
    ``deadlines.list_deadlines(rt, stream=ref, include_closed=True)``)."""
    query = deadlines.list_query(today=today, stream_id=stream_id or 0, include_closed=True)
    return [
        {
            **row,
            "description": row["what"],
            "status": "open" if row["closed_at"] is None else (row["closed_reason"] or "closed"),
        }
        for row in (deadlines.row_dict(d, today) for d in session.exec(query).all())
    ]


def _next_and_overdue(
    listed: list[dict[str, Any]],
) -> tuple[dict[str, Any] | None, bool]:
    """What ``deadlines.next_and_overdue`` says of one work stream, from its deadlines as
    :func:`_stream_deadlines` lists them: the first open one (by date, then id), and whether
    any open one is overdue (not paused, past its date)."""
    open_ = [d for d in listed if d["closed_at"] is None]
    first = (
        {"id": open_[0]["id"], "due": open_[0]["due"], "description": open_[0]["what"]}
        if open_
        else None
    )
    return first, any(d["overdue"] for d in open_)


def plans(rt: Runtime) -> list[dict[str, Any]]:
    with rt.read() as session:
        rows = session.exec(select(BusinessPlanRow).order_by(col(BusinessPlanRow.code))).all()
        return [
            {"code": p.code, "title": p.title, "starts": p.starts, "ends": p.ends} for p in rows
        ]


# -- the timeline ------------------------------------------------------------------------
@dataclass
class Period:
    state: str
    start: datetime
    end: datetime | None  # None: still in it


@dataclass
class TimelineRow:
    ref: str
    title: str
    state: str
    lead: str | None
    planned_text: str | None
    planned_start: date | None
    planned_end: date | None
    periods: list[Period] = field(default_factory=list)


def timeline(
    rt: Runtime, *, plan: str | None = None, state: str | None = None
) -> list[TimelineRow]:
    """Each work stream's planned window and the periods it actually spent in each state,
    read from its ``created`` and ``transitioned`` events."""
    rows = queries.list_streams(rt, plan=plan, state=state)
    by_ref = {
        r["ref"]: TimelineRow(
            r["ref"],
            r["title"],
            r["state"],
            r["lead"],
            r["expected_publication"],
            date.fromisoformat(r["expected_earliest"]) if r["expected_earliest"] else None,
            date.fromisoformat(r["expected_latest"]) if r["expected_latest"] else None,
        )
        for r in rows
    }
    moves: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    with rt.read() as session:
        events = session.exec(
            select(AuditEventRow.stream_ref, AuditEventRow.at, AuditEventRow.to_state)
            .where(
                col(AuditEventRow.action).in_([Action.CREATED.value, Action.TRANSITIONED.value]),
                col(AuditEventRow.stream_ref).in_(list(by_ref)),
            )
            .order_by(col(AuditEventRow.seq))
        ).all()
    for ref, at, to_state in events:
        if ref is not None and to_state:
            moves[ref].append((as_utc(at), to_state))
    for ref, row in by_ref.items():
        for i, (at, to_state) in enumerate(moves[ref]):
            end = moves[ref][i + 1][0] if i + 1 < len(moves[ref]) else None
            row.periods.append(Period(to_state, at, end))
    return list(by_ref.values())


# -- one work stream -----------------------------------------------------------------
def stream_record(rt: Runtime, key: str) -> dict[str, Any]:
    """What the work stream page shows: its data, every document version with each body's
    decisions, its recommendations and its events."""
    with rt.read() as session:
        row, ws = queries.load_readonly(session, key)
        return record_of(rt, session, row, ws)


def record_of(rt: Runtime, session: Session, row: WorkStreamRow, ws: WorkStream) -> dict[str, Any]:
    """:func:`stream_record` of a work stream already read (``row`` and its aggregate
    ``ws``), in ``session``: the row is not read again for each part of the record."""
    data = queries.show_loaded(rt, session, row, ws)
    # Not the content itself: only what the page says about each version.
    stored = session.execute(
        sa_select(
            col(DocumentContentRow.kind),
            col(DocumentContentRow.content_hash),
            col(DocumentContentRow.filename),
            col(DocumentContentRow.media_type),
            func.length(col(DocumentContentRow.content)),
            col(DocumentContentRow.registered_at),
            col(DocumentContentRow.registered_by),
        ).where(col(DocumentContentRow.stream_id) == data["id"])
    ).all()
    files = {(k, h): rest for k, h, *rest in stored}
    documents = []
    # The terms of reference and the report always; the other key matters once registered.
    shown = [ws.document(k) for k in MATTER_ORDER]
    always = (DocumentKind.TERMS_OF_REFERENCE, DocumentKind.REPORT)
    for doc in (d for d in shown if d.versions or d.kind in always):
        versions = []
        for number, version in enumerate(doc.versions, start=1):
            filename, media_type, size, at, by = files.get(
                (doc.kind.value, version), (None, None, None, None, None)
            )
            decisions = [
                {
                    "body": d.body,
                    "actor": d.actor,
                    "decision": d.decision.value,
                    "at": as_utc(d.at).isoformat(),
                    "comment": d.comment,
                }
                for d in doc.decisions
                if d.version == version
            ]
            versions.append(
                {
                    "number": number,
                    "version": version,
                    "current": version == doc.current,
                    "filename": filename,
                    "media_type": (media_type or document_files.TEXT) if size else None,
                    "size": size,
                    "registered_at": as_utc(at).isoformat() if at else None,
                    "registered_by": by,
                    "decisions": decisions,
                }
            )
        standing = {b: d.value for b, d in doc.standing().items()}
        documents.append(
            {
                "kind": doc.kind.value,
                "label": doc.kind.label,
                "current": doc.current,
                "versions": versions,
                "by_body": [
                    {"body": b, "decision": standing.get(b, "awaited")} for b in ws.participants
                ],
            }
        )
    today = as_utc(rt.clock()).date()
    listed = _stream_deadlines(session, row.id, london_date(rt.clock()))
    next_due, late = _next_and_overdue(listed)
    return {
        **data,
        "documents": documents,
        "next_deadline": next_due,
        "deadlines": listed,
        "overdue": late or overdue_by_plan(data, today),
        "events": queries.audit_log_in(session, ws.ref, limit=1000),
    }


def _stored_version(
    rt: Runtime, key: str, kind: str, version: str
) -> tuple[str, DocumentContentRow]:
    """The work stream's ref and the stored row of one registered version, or NotFound."""
    doc_kind: DocumentKind = choice(DocumentKind, kind, "document kind")
    with rt.read() as session:
        row, _ = queries.load_readonly(session, key)
        found = session.exec(
            select(DocumentContentRow).where(
                col(DocumentContentRow.stream_id) == row.id,
                col(DocumentContentRow.kind) == doc_kind.value,
                col(DocumentContentRow.content_hash) == version.strip().lower(),
            )
        ).first()
    if found is None:
        raise NotFound(f"no {doc_kind.value} version {version[:12]!r} for {row.ref}")
    return row.ref, found


def document_file(rt: Runtime, key: str, kind: str, version: str) -> dict[str, Any]:
    """One registered version as a file: the exact bytes, their media type, the file's name
    for a download and its SHA-256 (the version itself)."""
    ref, found = _stored_version(rt, key, kind, version)
    media_type = found.media_type or document_files.TEXT
    return {
        "content": found.content,
        "media_type": media_type,
        "filename": document_files.download_name(
            found.filename, media_type, f"{ref}-{found.kind}-{found.content_hash[:12]}"
        ),
        "sha256": found.content_hash,
    }


def document_preview(rt: Runtime, key: str, kind: str, version: str) -> dict[str, Any]:
    """One registered version as readable text, with what the file is."""
    file = document_file(rt, key, kind, version)
    try:
        text = document_files.preview_text(file["content"], file["media_type"])
    except Exception as error:  # a damaged file: say so rather than fail the page
        raise InvalidInput(f"this file cannot be read as {file['media_type']}: {error}") from None
    return {**{k: v for k, v in file.items() if k != "content"}, "text": text}


# -- decisions awaited ---------------------------------------------------------------
def awaiting(rt: Runtime, body: str) -> list[dict[str, Any]]:
    """Work streams whose current document awaits ``body``'s decision."""
    with rt.read() as session:
        return [data for data, _ in awaiting_in(rt, session, body)]


def awaiting_in(
    rt: Runtime, session: Session, body: str
) -> list[tuple[dict[str, Any], WorkStream]]:
    """:func:`awaiting` in ``session``, each summary with its work stream (as read, without
    its recommendations), for a page that shows more of each without reading it again.

    Found by the ``awaiting`` column, which the store writes with each work stream (the
    bodies awaited, computed as :func:`queries.outstanding_decisions` computes them): only
    the rows awaiting someone are on its index, and only those awaiting ``body`` are
    read. Each is still mapped and checked as before."""
    code = rt.bodies.code_of(body)
    awaited = col(WorkStreamRow.awaiting)
    rows = session.execute(
        select(WorkStreamRow)
        .where(
            awaited.is_not(None),
            awaited.contains(awaiting_marker(code), autoescape=True),
        )
        .order_by(col(WorkStreamRow.id))
    ).scalars()
    found = []
    for row in rows:
        ws = stream_from_row(row, [])
        data = queries.summary(ws, row.id)
        if data["outstanding"] and code in data["outstanding"]["awaiting"]:
            found.append((data, ws))
    return found


# -- the audit log ---------------------------------------------------------------------
def audit_events(
    rt: Runtime,
    *,
    stream: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    body: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The latest events matching every filter given, newest first."""
    if action:
        action = choice(Action, action, "action").value
    body = rt.bodies.code_of(body) if body else None
    with rt.read() as session:
        query = select(AuditEventRow).order_by(col(AuditEventRow.seq).desc()).limit(limit)
        if stream:
            ref = queries.load_readonly(session, stream)[1].ref
            query = query.where(col(AuditEventRow.stream_ref) == ref)
        if action:
            query = query.where(col(AuditEventRow.action) == action)
        if actor:
            query = query.where(col(AuditEventRow.actor) == actor)
        if body:
            query = query.where(col(AuditEventRow.body) == body)
        return [queries.event_dict(e) for e in session.exec(query).all()]


def payload_text(payload: dict[str, Any]) -> str:
    """An event's payload on one line, for tables and CSV."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
