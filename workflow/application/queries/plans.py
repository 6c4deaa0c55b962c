"""Read models of business plans: the list, one plan whole, its versions, the diff of two
versions, each work stream's plan history, and the replay of every plan from its events."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from workflow.application.runtime import Runtime
from workflow.domain.business_plan import (
    BusinessPlan,
    chief_bodies,
    encode_decision,
    encode_response,
)
from workflow.domain.errors import InvalidInput
from workflow.domain.plan_lifecycle import allowed_plan_triggers, apply_plan_event
from workflow.domain.plan_versions import PlanVersion, diff
from workflow.store.plans import load_plan_readonly
from workflow.store.tables import AuditEventRow, BusinessPlanRow, PlanVersionRow, WorkStreamRow


def list_plans(rt: Runtime) -> list[dict[str, Any]]:
    with rt.read() as session:
        rows = session.exec(select(BusinessPlanRow).order_by(col(BusinessPlanRow.code))).all()
        return [
            {
                "code": p.code,
                "title": p.title,
                "starts": p.starts,
                "ends": p.ends,
                "state": p.state,
                "superseded_by": p.superseded_by,
            }
            for p in rows
        ]


def show_plan(rt: Runtime, code: str) -> dict[str, Any]:
    """One plan: its state, consultation, approvals, versions and work streams."""
    with rt.read() as session:
        plan = load_plan_readonly(session, code)
        streams = session.exec(
            select(WorkStreamRow.ref, WorkStreamRow.title, WorkStreamRow.state)
            .where(col(WorkStreamRow.plan) == code)
            .order_by(col(WorkStreamRow.id))
        ).all()
    approvals, chiefs = plan.approvals, chief_bodies(rt.bodies)
    return {
        "code": plan.code,
        "title": plan.title,
        "starts": plan.starts.isoformat() if plan.starts else None,
        "ends": plan.ends.isoformat() if plan.ends else None,
        "state": plan.state.value,
        "consultation": {
            "opens": plan.consultation_opens.isoformat() if plan.consultation_opens else None,
            "closes": plan.consultation_closes.isoformat() if plan.consultation_closes else None,
            "responses": [encode_response(r) for r in plan.responses],
        },
        "approval": {
            "version": approvals.current,
            "approved": sorted(approvals.approvals()),
            "awaiting": approvals.outstanding(chiefs) if approvals.current else [],
            "decisions": [encode_decision(d) for d in approvals.decisions],
        },
        "versions": [_version_summary(v) for v in plan.versions],
        "current_version": plan.versions[-1].number if plan.versions else None,
        "superseded_by": plan.superseded_by,
        "moves": _moves(plan),
        "work_streams": [{"ref": r, "title": t, "state": s} for r, t, s in streams],
    }


def _moves(plan: BusinessPlan) -> list[str]:
    return [t.value for t in allowed_plan_triggers(plan.state)]


def _version_summary(v: PlanVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "made_at": v.made_at.isoformat(),
        "made_by": v.made_by,
        "change": dict(v.change) if v.change else None,
        "entries": len(v.entries),
    }


def plan_versions(rt: Runtime, code: str) -> list[dict[str, Any]]:
    with rt.read() as session:
        return [_version_summary(v) for v in load_plan_readonly(session, code).versions]


def plan_diff(rt: Runtime, code: str, old: int, new: int) -> dict[str, Any]:
    """Exactly what changed from version ``old`` to version ``new`` of the plan."""
    with rt.read() as session:
        versions = {v.number: v for v in load_plan_readonly(session, code).versions}
    for number in (old, new):
        if number not in versions:
            known = ", ".join(map(str, sorted(versions))) or "none: it is not published yet"
            raise InvalidInput(f"{code} has no version {number} (versions: {known})")
    changes = diff(versions[old].entries, versions[new].entries)
    return {"plan": code, "from": old, "to": new, "changes": changes}


def stream_plans(session: Session, ref: str) -> list[str]:
    """Every plan a work stream has belonged to, in order: created under one, carried over
    to the next (read from its audited creation and edits)."""
    payloads = session.exec(
        select(AuditEventRow.action, AuditEventRow.payload)
        .where(col(AuditEventRow.stream_ref) == ref)
        .where(col(AuditEventRow.action).in_(("created", "edited")))
        .order_by(col(AuditEventRow.seq))
    ).all()
    plans: list[str] = []
    for action, payload in payloads:
        data = json.loads(payload)
        plan = (
            data["fields"].get("plan")
            if action == "created"
            else (data["changes"].get("plan") or [None, None])[1]
        )
        if plan and plan not in plans:
            plans.append(plan)
    return plans


def commissioned_in_year(session: Session, plan: str | None, ref: str) -> dict[str, Any] | None:
    """When and by whom the work stream was commissioned in-year into its plan, if it was
    (read from the plan's latest version)."""
    if plan is None:
        return None
    latest = session.exec(
        select(PlanVersionRow)
        .where(col(PlanVersionRow.plan_code) == plan)
        .order_by(col(PlanVersionRow.number).desc())
    ).first()
    found = (latest.entries.get(ref) or {}).get("commissioned") if latest else None
    return dict(found) if found else None


def plan_replay_differences(rt: Runtime) -> dict[str, list[str]]:
    """Plans whose stored life differs from the replay of their events ("plan:<code>")."""
    differences: dict[str, list[str]] = {}
    with rt.read() as session:
        codes = session.exec(select(BusinessPlanRow.code).order_by(col(BusinessPlanRow.code)))
        for code in codes.all():
            stored = load_plan_readonly(session, code)
            rebuilt = BusinessPlan(stored.code, stored.title)
            events = session.exec(
                select(AuditEventRow)
                .where(col(AuditEventRow.stream_ref) == stored.audit_ref)
                .order_by(col(AuditEventRow.seq))
            )
            try:
                for e in events:
                    apply_plan_event(
                        rebuilt,
                        e.action,
                        e.at,
                        e.actor,
                        e.body,
                        e.to_state,
                        e.reason,
                        json.loads(e.payload),
                    )
            except (ValueError, KeyError) as error:
                differences[stored.audit_ref] = [str(error)]
                continue
            before, again = stored.snapshot(), rebuilt.snapshot()
            diff_keys = [k for k in before if before[k] != again.get(k)]
            if diff_keys:
                differences[stored.audit_ref] = diff_keys
    return differences
