"""The business plan's own lifecycle: its transition table, one shared ``transitions``
machine, the guards of each move, and replay of a plan from its audit events.

Every allowed move is one row of :data:`PLAN_TRANSITIONS`; guards ask and change
nothing; the machine holds no plan (it runs against the aggregate passed in) and its
callback only records a :class:`PlanMoved` event, as in :mod:`workflow.domain.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from transitions import EventData, Machine

from workflow.domain.business_plan import (
    BusinessPlan,
    ConsultationResponse,
    PlanState,
    PlanTrigger,
)
from workflow.domain.errors import TransitionRefused
from workflow.domain.events import (
    ConsultationResponseRecorded,
    PlanDecisionRecorded,
    PlanMoved,
    PlanVersionMade,
)
from workflow.domain.joint_decisions import Decision, DecisionRecord
from workflow.domain.plan_versions import PlanVersion


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class PlanMoveContext:
    """What a move is given: who, when, and what it carries. ``chief_bodies``: the bodies
    whose chief inspectors must approve (every CJ inspectorate)."""

    actor: str
    body: str | None
    at: datetime
    reason: str | None = None
    opens: date | None = None
    closes: date | None = None
    version: str | None = None  # close_consultation: the version put to the chiefs
    chief_bodies: tuple[str, ...] = ()
    successor: str | None = None


PlanGuard = Callable[[BusinessPlan, PlanMoveContext], str | None]


def consultation_dates_given(plan: BusinessPlan, ctx: PlanMoveContext) -> str | None:
    if ctx.opens is None or ctx.closes is None:
        return "a consultation needs its opening and closing dates (--opens, --closes)"
    if ctx.opens > ctx.closes:
        return f"the consultation opens on {ctx.opens} after it closes on {ctx.closes}"
    return None


def plan_has_work(plan: BusinessPlan, ctx: PlanMoveContext) -> str | None:
    if ctx.version is None:
        return "the plan holds no work stream: import its programme first"
    return None


def approved_by_every_chief_inspector(plan: BusinessPlan, ctx: PlanMoveContext) -> str | None:
    if plan.approvals.approved_by_all(ctx.chief_bodies):
        return None
    awaiting = ", ".join(plan.approvals.outstanding(ctx.chief_bodies))
    version = (plan.approvals.current or "")[:12]
    return f"version {version} of the plan awaits the approval of {awaiting} (`cjji plans approve`)"


def approved_text_is_the_text_published(plan: BusinessPlan, ctx: PlanMoveContext) -> str | None:
    if ctx.version is None or ctx.version == plan.approvals.current:
        return None
    return (
        "the plan's work streams changed since the version put to the chief inspectors: "
        "publish only the text they approved"
    )


def successor_named(plan: BusinessPlan, ctx: PlanMoveContext) -> str | None:
    if not ctx.successor:
        return "name the plan that supersedes it (--by)"
    if ctx.successor == plan.code:
        return "a plan cannot supersede itself"
    return None


@dataclass(frozen=True)
class PlanMove:
    trigger: PlanTrigger
    source: PlanState
    dest: PlanState
    guards: tuple[PlanGuard, ...] = ()


P, PT = PlanState, PlanTrigger

PLAN_TRANSITIONS: tuple[PlanMove, ...] = (
    PlanMove(PT.OPEN_CONSULTATION, P.DRAFT, P.CONSULTATION, (consultation_dates_given,)),
    PlanMove(PT.CLOSE_CONSULTATION, P.CONSULTATION, P.FINALISATION, (plan_has_work,)),
    # After a request for changes: the plan as it now stands goes to the chiefs again, a
    # new round in which every standing decision is void.
    PlanMove(PT.REVISE, P.FINALISATION, P.FINALISATION, (plan_has_work,)),
    PlanMove(
        PT.PUBLISH,
        P.FINALISATION,
        P.PUBLISHED,
        (approved_by_every_chief_inspector, approved_text_is_the_text_published),
    ),
    PlanMove(PT.START_REVIEW, P.PUBLISHED, P.UNDER_REVIEW),
    PlanMove(PT.CONCLUDE_REVIEW, P.UNDER_REVIEW, P.PUBLISHED),
    PlanMove(PT.SUPERSEDE, P.PUBLISHED, P.SUPERSEDED, (successor_named,)),
    PlanMove(PT.SUPERSEDE, P.UNDER_REVIEW, P.SUPERSEDED, (successor_named,)),
)

PLAN_MOVES: dict[tuple[PlanState, PlanTrigger], PlanMove] = {
    (m.source, m.trigger): m for m in PLAN_TRANSITIONS
}


def allowed_plan_triggers(state: PlanState) -> list[PlanTrigger]:
    return [t for t in PlanTrigger if (state, t) in PLAN_MOVES]


def _details(trigger: str, ctx: PlanMoveContext) -> dict[str, Any]:
    if trigger == PT.OPEN_CONSULTATION:
        return {"opens": _iso(ctx.opens), "closes": _iso(ctx.closes)}
    if trigger in (PT.CLOSE_CONSULTATION, PT.REVISE):
        return {"version": ctx.version}
    if trigger == PT.SUPERSEDE:
        return {"successor": ctx.successor}
    return {}


def apply_move(
    plan: BusinessPlan, trigger: str, dest: PlanState, details: Mapping[str, Any]
) -> None:
    """What a move does to the plan: the machine's callback and replay share it."""
    if trigger == PT.OPEN_CONSULTATION:
        plan.consultation_opens = date.fromisoformat(details["opens"])
        plan.consultation_closes = date.fromisoformat(details["closes"])
    elif trigger in (PT.CLOSE_CONSULTATION, PT.REVISE):
        plan.approvals.versions.append(details["version"])
    elif trigger == PT.SUPERSEDE:
        plan.superseded_by = details["successor"]
    plan.state = dest


def _record_move(event: EventData) -> None:
    plan = cast(BusinessPlan, event.model)
    ctx: PlanMoveContext = event.kwargs["ctx"]
    assert event.transition is not None
    source, dest = PlanState[str(event.transition.source)], PlanState[str(event.transition.dest)]
    details = _details(event.event.name, ctx)
    apply_move(plan, event.event.name, dest, details)
    plan.record(
        PlanMoved(
            actor=ctx.actor,
            body=ctx.body,
            at=ctx.at,
            from_state=source.value,
            to_state=dest.value,
            reason=ctx.reason,
            plan=plan.code,
            trigger=event.event.name,
            details=details,
        )
    )


def _condition(guard: PlanGuard) -> Any:
    def check(event: EventData) -> bool:
        return guard(cast(BusinessPlan, event.model), event.kwargs["ctx"]) is None

    return check


@cache
def plan_machine() -> Machine:
    """The one machine every business plan shares (it holds none of them)."""
    return Machine(
        model=None,
        states=list(PlanState),
        transitions=[
            {
                "trigger": m.trigger.value,
                "source": m.source,
                "dest": m.dest,
                "conditions": [_condition(g) for g in m.guards],
                "after": _record_move,
            }
            for m in PLAN_TRANSITIONS
        ],
        initial=PlanState.DRAFT,
        auto_transitions=False,
        send_event=True,
    )


def unmet_plan_conditions(
    plan: BusinessPlan, trigger: PlanTrigger, ctx: PlanMoveContext
) -> list[str]:
    move = PLAN_MOVES.get((plan.state, trigger))
    if move is None:
        allowed = ", ".join(allowed_plan_triggers(plan.state)) or "none: it is superseded"
        return [f"that move does not exist from {plan.state.value} (allowed: {allowed})"]
    return [r for r in (guard(plan, ctx) for guard in move.guards) if r is not None]


def fire_plan(plan: BusinessPlan, trigger: PlanTrigger | str, ctx: PlanMoveContext) -> PlanState:
    """Move ``plan`` by ``trigger`` or raise :class:`TransitionRefused` naming why not."""
    try:
        trig = PlanTrigger(trigger)
    except ValueError:
        known = ", ".join(t.value for t in PlanTrigger)
        raise TransitionRefused(
            plan.code, plan.state.value, str(trigger), f"no such trigger (known: {known})"
        ) from None
    reasons = unmet_plan_conditions(plan, trig, ctx)
    if reasons:
        raise TransitionRefused(plan.code, plan.state.value, trig.value, "; ".join(reasons))
    if not plan_machine().events[trig.value].trigger(plan, ctx=ctx):
        raise AssertionError(f"{trig} refused by the machine although every guard passed")
    return plan.state


# -- replay ------------------------------------------------------------------------------
def apply_plan_event(
    plan: BusinessPlan,
    action: str,
    at: datetime,
    actor: str,
    body: str | None,
    to_state: str | None,
    reason: str | None,
    payload: Mapping[str, Any],
) -> None:
    """The plan after one of its audit events (replay knows each payload, nothing else)."""
    if action == PlanMoved.action:
        trigger = str(payload["trigger"])
        source, dest = plan.state, PlanState(to_state or "")
        move = PLAN_MOVES.get((source, PlanTrigger(trigger)))
        if move is None or move.dest is not dest:
            raise ValueError(f"{plan.code}: a move {source} → {dest} by {trigger} is no plan move")
        apply_move(plan, trigger, dest, payload)
    elif action == ConsultationResponseRecorded.action:
        plan.responses.append(
            ConsultationResponse(
                payload["respondent"], payload["organisation"], tuple(payload["topics"]), at, actor
            )
        )
    elif action == PlanDecisionRecorded.action:
        plan.approvals.decisions.append(
            DecisionRecord(
                body or "",
                actor,
                Decision(payload["decision"]),
                payload["version"],
                at,
                reason,
                payload["round"],
            )
        )
    elif action == PlanVersionMade.action:
        plan.versions.append(
            PlanVersion(payload["number"], at, actor, payload["change"], payload["entries"])
        )


__all__ = [
    "PLAN_MOVES",
    "PLAN_TRANSITIONS",
    "PlanMove",
    "PlanMoveContext",
    "allowed_plan_triggers",
    "apply_plan_event",
    "fire_plan",
    "plan_machine",
    "unmet_plan_conditions",
]
