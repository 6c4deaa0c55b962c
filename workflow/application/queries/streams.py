"""Read-only views: what stands where, what awaits whom, and what happened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Select, func
from sqlmodel import Session, col, select

from workflow.application.inputs import choice
from workflow.application.queries.plans import (
    commissioned_in_year,
    plan_replay_differences,
    stream_plans,
)
from workflow.application.runtime import Runtime
from workflow.domain import lifecycle
from workflow.domain.audit_chain import Verification
from workflow.domain.decisions_awaited import MATTER_ORDER, decided_now
from workflow.domain.errors import NotFound
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import Decision, DocumentKind
from workflow.domain.key_matters import INHERITED, decides
from workflow.domain.key_people import encode_key_people
from workflow.domain.participants import encode_proposal
from workflow.domain.replay import ReplayError, replay
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream
from workflow.store.audit import verify_chain
from workflow.store.mapping import stream_from_row
from workflow.store.tables import AuditEventRow, RecommendationRow, StreamBodyRow, WorkStreamRow


def _decided_now(ws: WorkStream) -> DocumentKind | None:
    """The document being decided on now (:func:`decided_now`)."""
    return decided_now(ws.state, ws.participants, ws.document)


def outstanding_decisions(ws: WorkStream) -> dict[str, Any] | None:
    """Which bodies have yet to approve the document being decided on now, if any."""
    kind = _decided_now(ws)
    if kind is None:
        return None
    doc = ws.document(kind)
    if doc.current is None:
        return None
    standing = doc.standing()
    return {
        "document": kind.value,
        "version": doc.current,
        # A body that requested changes has decided: it awaits a new version, and nothing
        # is awaited from it until one is registered.
        "awaiting": [b for b in doc.outstanding(ws.participants) if b not in standing],
        "changes_requested": [b for b, d in standing.items() if d is Decision.REQUEST_CHANGES],
        "standing": {b: d.value for b, d in standing.items()},
    }


def key_matters(ws: WorkStream) -> list[dict[str, Any]]:
    """Each key matter: whether this kind decides it itself (or where it is decided
    instead), its current version, who has approved it and who is awaited."""
    out = []
    for kind in MATTER_ORDER:
        doc = ws.document(kind)
        approved = doc.approvals() if doc.current else set()
        out.append(
            {
                "matter": kind.value,
                "label": kind.label,
                "decided_here": decides(ws.kind, kind),
                "inherited_from": INHERITED.get((ws.kind, kind)),
                "version": doc.current,
                "approved": [b for b in ws.participants if b in approved],
                "awaiting": [b for b in ws.participants if b not in approved],
            }
        )
    return out


def participants_proposal(ws: WorkStream) -> dict[str, Any] | None:
    """The latest change of participants proposed (open or closed), and who is awaited."""
    proposal = ws.participants_proposal
    if proposal is None:
        return None
    return {
        **(encode_proposal(proposal) or {}),
        "open": proposal.is_open,
        "summary": proposal.summary(),
        "remaining": list(proposal.remaining),
        "dropped": list(proposal.dropped),
        "added": list(proposal.added),
        "agreed": proposal.agreed(),
        "awaiting": proposal.awaited() if proposal.is_open else [],
    }


def summary(ws: WorkStream, stream_id: int | None) -> dict[str, Any]:
    exp = ws.expected_publication
    return {
        "id": stream_id,
        "ref": ws.ref,
        "title": ws.title,
        "kind": ws.kind.value,
        "state": ws.state.value,
        "lead": ws.lead,
        "supporting": list(ws.supporting),
        "jurisdiction": ws.jurisdiction.value,
        "plan": ws.plan,
        "parent_ref": ws.parent_ref,
        "expected_publication": exp.text if exp else None,
        "expected_earliest": exp.earliest.isoformat() if exp and exp.earliest else None,
        "expected_latest": exp.latest.isoformat() if exp and exp.latest else None,
        "missing": list(ws.missing),
        "outstanding": outstanding_decisions(ws),
        "version": ws.version,
    }


def list_filters(
    state: str | None = None,
    lead: str | None = None,
    body: str | None = None,
    plan: str | None = None,
) -> list[ColumnElement[bool]]:
    """The conditions on ``work_stream`` of the listing's filters (already normalised)."""
    where: list[ColumnElement[bool]] = []
    if state:
        where.append(col(WorkStreamRow.state) == state)
    if lead:
        where.append(col(WorkStreamRow.lead) == lead)
    if plan:
        where.append(col(WorkStreamRow.plan) == plan)
    if body:
        where.append(
            col(WorkStreamRow.id).in_(
                select(StreamBodyRow.stream_id).where(col(StreamBodyRow.body) == body)
            )
        )
    return where


def list_query(
    state: str | None = None,
    lead: str | None = None,
    body: str | None = None,
    plan: str | None = None,
) -> Select[tuple[WorkStreamRow]]:
    query = select(WorkStreamRow).order_by(col(WorkStreamRow.id))
    for condition in list_filters(state, lead, body, plan):
        query = query.where(condition)
    return query  # type: ignore[return-value]


def normalised_filters(
    rt: Runtime, state: str | None, lead: str | None, body: str | None
) -> tuple[str | None, str | None, str | None]:
    """The state checked, and the lead and body as body codes (whatever name was given)."""
    return (
        choice(Stage, state, "state").value if state else None,
        rt.bodies.code_of(lead) if lead else None,
        rt.bodies.code_of(body) if body else None,
    )


def list_streams(
    rt: Runtime,
    *,
    state: str | None = None,
    lead: str | None = None,
    body: str | None = None,
    plan: str | None = None,
) -> list[dict[str, Any]]:
    state, lead, body = normalised_filters(rt, state, lead, body)
    with rt.read() as session:
        rows = session.execute(list_query(state, lead, body, plan)).scalars()
        return [summary(stream_from_row(row, []), row.id) for row in rows]


def load_readonly(session: Session, key: str) -> tuple[WorkStreamRow, WorkStream]:
    query = select(WorkStreamRow)
    query = (
        query.where(col(WorkStreamRow.id) == int(key))
        if key.isdigit()
        else query.where(col(WorkStreamRow.ref) == key)
    )
    row = session.exec(query).first()
    if row is None:
        raise NotFound(f"no work stream {key!r}: `cjji streams list` shows the ids and refs")
    recs = session.exec(
        select(RecommendationRow).where(col(RecommendationRow.stream_id) == row.id)
    ).all()
    return row, stream_from_row(row, list(recs))


def show_stream(rt: Runtime, key: str) -> dict[str, Any]:
    with rt.read() as session:
        row, ws = load_readonly(session, key)
        return show_loaded(rt, session, row, ws)


def show_loaded(
    rt: Runtime, session: Session, row: WorkStreamRow, ws: WorkStream
) -> dict[str, Any]:
    """:func:`show_stream` of a work stream already read (``row`` and its aggregate
    ``ws``), in ``session``: for a page that reads the row once for everything it shows."""
    children = session.exec(
        select(WorkStreamRow.ref).where(col(WorkStreamRow.parent_ref) == ws.ref)
    ).all()
    plan_history = stream_plans(session, ws.ref)
    commissioned = commissioned_in_year(session, ws.plan, ws.ref)
    ctx = MoveContext("preview", ws.lead, rt.clock())
    snapshot = ws.snapshot()
    moves = {
        t.value: lifecycle.unmet_conditions(ws, t, ctx)
        for t in lifecycle.allowed_triggers(ws.state, ws.lifecycle_version)
        if t not in lifecycle.AUTOMATIC_TRIGGERS
    }
    return {
        **summary(ws, row.id),
        "summary": ws.summary,
        "priority": ws.priority.value,
        "origin_ref": ws.origin_ref,
        "children": list(children),
        "plans": plan_history,
        "commissioned_in_year": commissioned,
        "paused_from": ws.paused_from.value if ws.paused_from else None,
        "paused_seconds": ws.paused_seconds,
        "withdrawn_reason": ws.withdrawn_reason,
        "scoping_decision": ws.scoping_decision.value if ws.scoping_decision else None,
        "terms_of_reference": ws.terms_of_reference.current,
        "report": ws.report.current,
        "recommendations": snapshot["recommendations"],
        "fieldwork_team": list(ws.fieldwork_team),
        "factual_accuracy": snapshot["factual_accuracy"],
        "publication": snapshot["publication"],
        "rating": ws.rating,
        "participants_proposal": participants_proposal(ws),
        "lifecycle_version": ws.lifecycle_version,
        "key_people": encode_key_people(ws.key_people),
        "key_matters": key_matters(ws),
        "moves": {t: {"possible": not unmet, "unmet": unmet} for t, unmet in moves.items()},
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def event_dict(e: AuditEventRow) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "stream": e.stream_ref,
        "actor": e.actor,
        "body": e.body,
        "action": e.action,
        "from": e.from_state,
        "to": e.to_state,
        "reason": e.reason,
        "payload": json.loads(e.payload),
        "hash": e.hash,
    }


def audit_log(
    rt: Runtime, ref: str | None = None, *, limit: int = 200, action: str | None = None
) -> list[dict[str, Any]]:
    with rt.read() as session:
        if ref is not None:
            ref = load_readonly(session, ref)[1].ref
        return audit_log_in(session, ref, limit=limit, action=action)


def audit_log_in(
    session: Session, ref: str | None, *, limit: int = 200, action: str | None = None
) -> list[dict[str, Any]]:
    """:func:`audit_log` in ``session``, for ``ref`` as stored (not looked up again)."""
    query = select(AuditEventRow).order_by(col(AuditEventRow.seq).desc()).limit(limit)
    if ref is not None:
        query = query.where(col(AuditEventRow.stream_ref) == ref)
    if action:
        query = query.where(col(AuditEventRow.action) == action)
    return [event_dict(e) for e in reversed(session.exec(query).all())]


def verify_audit(rt: Runtime) -> Verification:
    with rt.read() as session:
        return verify_chain(session)


def _stream_events(session: Session, ref: str) -> Iterator[tuple[Any, ...]]:
    rows = session.exec(
        select(AuditEventRow)
        .where(col(AuditEventRow.stream_ref) == ref)
        .order_by(col(AuditEventRow.seq))
    )
    for e in rows:
        yield (e.action, e.at, e.actor, e.body, e.to_state, e.reason, json.loads(e.payload))


def replay_differences(rt: Runtime) -> dict[str, list[str]]:
    """Work streams (and business plans, as "plan:<code>") whose stored state differs from
    the replay of their events."""
    differences: dict[str, list[str]] = plan_replay_differences(rt)
    with rt.read() as session:
        refs = session.exec(select(WorkStreamRow.ref).order_by(col(WorkStreamRow.id))).all()
        for ref in refs:
            stored = load_readonly(session, ref)[1].snapshot()
            try:
                rebuilt = replay(_stream_events(session, ref))
            except ReplayError as error:
                differences[ref] = [str(error)]
                continue
            if rebuilt is None:
                differences[ref] = ["no events recorded"]
                continue
            again = rebuilt.snapshot()
            diff = [k for k in stored if stored[k] != again.get(k)]
            if diff:
                differences[ref] = diff
    return differences


def count_streams(rt: Runtime) -> int:
    with rt.read() as session:
        return int(session.execute(select(func.count()).select_from(WorkStreamRow)).scalar_one())
