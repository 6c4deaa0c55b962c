"""Handlers of a business plan's own life: its moves, the consultation, the chief
inspectors' decisions, and the changes of the yearly review and of in-year commissioning.

Every change after publication makes a new plan version: the previous version's entries
with the one change applied (:mod:`workflow.domain.plan_versions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from workflow.application.commands import (
    CommissionWork,
    DeferWork,
    DropWork,
    MovePlan,
    RecordConsultationResponse,
    RecordPlanDecision,
    ReprioritiseWork,
)
from workflow.application.context import Context
from workflow.application.handlers.streams import new_stream
from workflow.application.inputs import choice
from workflow.domain import lifecycle
from workflow.domain.business_plan import BusinessPlan, PlanState, PlanTrigger, chief_bodies
from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.fuzzy_dates import parse_fuzzy_date
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import Decision
from workflow.domain.plan_lifecycle import PlanMoveContext, fire_plan
from workflow.domain.plan_versions import DEFERRED, DROPPED, PLANNED, entry, plan_hash
from workflow.domain.stages import Priority, Stage, Trigger
from workflow.domain.workstream import WorkStream
from workflow.store.tables import WorkStreamRow
from workflow.store.uow import UnitOfWork


def stream_entries(uow: UnitOfWork, code: str) -> dict[str, dict[str, Any]]:
    """The plan's work streams as the plan states them, read from the engine."""
    rows = uow.session.exec(
        select(WorkStreamRow).where(col(WorkStreamRow.plan) == code).order_by(col(WorkStreamRow.id))
    ).all()
    return {
        r.ref: entry(
            r.title,
            r.priority,
            r.expected_text,
            DROPPED if r.state == Stage.WITHDRAWN.value else PLANNED,
        )
        for r in rows
    }


def move_plan(cmd: MovePlan, ctx: Context) -> BusinessPlan:
    plan = ctx.uow.plans.get(cmd.code)
    actor = ctx.actor
    version: str | None = None
    if cmd.trigger in (PlanTrigger.CLOSE_CONSULTATION, PlanTrigger.REVISE, PlanTrigger.PUBLISH):
        entries = stream_entries(ctx.uow, plan.code)
        version = plan_hash(entries) if entries else None
    move = PlanMoveContext(
        actor.name,
        actor.body,
        ctx.clock(),
        reason=cmd.reason,
        opens=cmd.opens,
        closes=cmd.closes,
        version=version,
        chief_bodies=chief_bodies(ctx.bodies),
        successor=cmd.successor,
    )
    fire_plan(plan, cmd.trigger, move)
    if cmd.trigger == PlanTrigger.PUBLISH and not plan.versions:
        plan.make_version(entries, None, actor.name, actor.body, ctx.clock())
    return plan


def record_response(cmd: RecordConsultationResponse, ctx: Context) -> BusinessPlan:
    plan = ctx.uow.plans.get(cmd.code)
    actor = ctx.actor
    plan.record_response(
        cmd.respondent, cmd.organisation, cmd.topics, actor.name, actor.body, ctx.clock()
    )
    return plan


def record_plan_decision(cmd: RecordPlanDecision, ctx: Context) -> BusinessPlan:
    plan = ctx.uow.plans.get(cmd.code)
    body = ctx.bodies.code_of(cmd.body)
    chiefs = chief_bodies(ctx.bodies)
    if body not in chiefs:
        raise Refused(
            f"{body} is not a CJ inspectorate: the plan is finalised by the chief inspectors "
            f"of {', '.join(chiefs)}"
        )
    decision = choice(Decision, cmd.decision, "decision")
    plan.record_decision(body, decision, cmd.version, ctx.actor.name, ctx.clock(), cmd.comment)
    return plan


# -- the yearly review and in-year commissioning -------------------------------------------
def _under_review(plan: BusinessPlan, what: str, *also: PlanState) -> None:
    if plan.state is not PlanState.UNDER_REVIEW and plan.state not in also:
        allowed = " or ".join(s.value for s in (PlanState.UNDER_REVIEW, *also))
        raise Refused(
            f"{plan.code} is in {plan.state.value}: work is {what} only when the plan is "
            f"{allowed} (`cjji plans review` starts the yearly review)"
        )


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("give the reason for the change (--reason): it is part of the plan")
    return reason.strip()


def _planned_stream(
    ctx: Context, plan: BusinessPlan, ref: str
) -> tuple[WorkStream, dict[str, dict[str, Any]]]:
    """The work stream ``ref`` of the plan, still in it, and the plan's current entries."""
    current = plan.current_version
    entries = {r: dict(e) for r, e in (current.entries if current else {}).items()}
    ws = ctx.uow.streams.get(ref)
    if ws.plan != plan.code or ref not in entries:
        raise Refused(f"{ref} is not a work stream of {plan.code} (it belongs to {ws.plan})")
    if entries[ref]["status"] == DROPPED:
        raise Refused(f"{ref} was dropped from {plan.code}: it cannot be changed")
    return ws, entries


def _new_version(
    ctx: Context, plan: BusinessPlan, entries: Mapping[str, Any], change: dict[str, Any]
) -> BusinessPlan:
    actor = ctx.actor
    plan.make_version(entries, change, actor.name, actor.body, ctx.clock())
    return plan


def reprioritise(cmd: ReprioritiseWork, ctx: Context) -> BusinessPlan:
    plan = ctx.uow.plans.get(cmd.code)
    _under_review(plan, "re-prioritised")
    reason = _reason(cmd.reason)
    ws, entries = _planned_stream(ctx, plan, cmd.ref)
    priority: Priority = choice(Priority, cmd.priority, "priority")
    before = entries[cmd.ref]["priority"]
    if before == priority.value:
        raise InvalidInput(f"{cmd.ref} is already of {priority.value} priority")
    ws.edit(ctx.actor.name, ctx.actor.body, ctx.clock(), reason=reason, priority=priority)
    entries[cmd.ref]["priority"] = priority.value
    change = {"kind": "reprioritise", "ref": cmd.ref, "reason": reason}
    return _new_version(ctx, plan, entries, {**change, "from": before, "to": priority.value})


def defer(cmd: DeferWork, ctx: Context) -> BusinessPlan:
    plan = ctx.uow.plans.get(cmd.code)
    _under_review(plan, "deferred")
    reason = _reason(cmd.reason)
    ws, entries = _planned_stream(ctx, plan, cmd.ref)
    if cmd.expected:
        ws.edit(
            ctx.actor.name,
            ctx.actor.body,
            ctx.clock(),
            reason=reason,
            expected_publication=parse_fuzzy_date(cmd.expected),
        )
        entries[cmd.ref]["expected"] = cmd.expected
    entries[cmd.ref]["status"] = DEFERRED
    change = {"kind": "defer", "ref": cmd.ref, "reason": reason, "to": cmd.expected}
    return _new_version(ctx, plan, entries, change)


def drop(cmd: DropWork, ctx: Context) -> BusinessPlan:
    """The work stream is withdrawn with the reason, by the lifecycle's own withdraw move."""
    plan = ctx.uow.plans.get(cmd.code)
    _under_review(plan, "dropped")
    reason = _reason(cmd.reason)
    ws, entries = _planned_stream(ctx, plan, cmd.ref)
    if ws.state is not Stage.WITHDRAWN:
        move = MoveContext(ctx.actor.name, ctx.actor.body, ctx.clock(), reason=reason)
        lifecycle.fire(ws, Trigger.WITHDRAW, move)
    entries[cmd.ref]["status"] = DROPPED
    return _new_version(ctx, plan, entries, {"kind": "drop", "ref": cmd.ref, "reason": reason})


def commission(cmd: CommissionWork, ctx: Context) -> BusinessPlan:
    """New work commissioned in-year joins the plan as a new work stream."""
    plan = ctx.uow.plans.get(cmd.code)
    _under_review(plan, "commissioned", PlanState.PUBLISHED)
    reason = _reason(cmd.reason)
    if not cmd.commissioned_by.strip():
        raise InvalidInput("say who commissioned the work (--by)")
    if ctx.uow.streams.exists(cmd.ref):
        raise Refused(f"a work stream {cmd.ref!r} exists already: choose another --ref")
    current = plan.current_version
    entries = {r: dict(e) for r, e in (current.entries if current else {}).items()}
    on = (cmd.commissioned_on or ctx.clock().date()).isoformat()
    ws = new_stream(
        ctx,
        ctx.actor,
        ref=cmd.ref,
        title=cmd.title,
        kind=cmd.kind,
        plan=plan.code,
        lead=cmd.lead,
        supporting=list(cmd.supporting),
        priority=cmd.priority,
        expected_publication=cmd.expected,
    )
    ctx.uow.add_stream(ws)
    commissioned = {"on": on, "by": cmd.commissioned_by.strip()}
    entries[ws.ref] = entry(ws.title, ws.priority.value, cmd.expected, PLANNED, commissioned)
    change = {"kind": "commission", "ref": ws.ref, "reason": reason, **commissioned}
    return _new_version(ctx, plan, entries, change)


HANDLERS: dict[type, Any] = {
    MovePlan: move_plan,
    RecordConsultationResponse: record_response,
    RecordPlanDecision: record_plan_decision,
    ReprioritiseWork: reprioritise,
    DeferWork: defer,
    DropWork: drop,
    CommissionWork: commission,
}
