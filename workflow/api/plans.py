"""/api/plans: business plans and their own life (consultation, the chief inspectors'
approvals, publication, the yearly review), their versions and the diff of two.

Each route sends the command the CLI sends, or asks the query it asks; the policy table
decides who may (administrators run the plan; a chief inspector approves for their own
body only).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from workflow.api.schemas import Hash, Model, Name, Plan, Ref, ShortText, Text
from workflow.application.commands import (
    CommissionWork,
    DeferWork,
    DropWork,
    MovePlan,
    RecordConsultationResponse,
    RecordPlanDecision,
    ReprioritiseWork,
)
from workflow.application.queries import plans as queries
from workflow.domain.business_plan import PlanTrigger
from workflow.domain.joint_decisions import Decision
from workflow.domain.stages import Priority, WorkStreamKind
from workflow.http.deps import Rt, Who

router = APIRouter(prefix="/api/plans", tags=["business plans"])

Code = Annotated[
    str, Path(description="The plan's code, e.g. cjji-2021-23.", pattern=r"^[a-z0-9-]{1,64}$")
]


class PlanMoveRequest(Model):
    trigger: PlanTrigger
    opens: date | None = Field(None, description="open_consultation: its first day.")
    closes: date | None = Field(None, description="open_consultation: its last day.")
    successor: Ref | None = Field(None, description="supersede: the later plan's code.")
    reason: Text | None = None


class ConsultationResponseRequest(Model):
    respondent: Name
    organisation: Name
    topics: list[ShortText] = Field(min_length=1, max_length=50)


class PlanDecisionRequest(Model):
    body: Name = Field(description="The body you decide for: your own.")
    version: Hash
    decision: Decision = Decision.APPROVE
    comment: Text | None = None


class PlanChangeRequest(Model):
    """One change of the yearly review (reprioritise, defer, drop) or in-year (commission)."""

    change: Literal["reprioritise", "defer", "drop", "commission"]
    ref: Ref
    reason: Name
    priority: Priority | None = Field(None, description="reprioritise (and commission).")
    expected: ShortText | None = Field(None, description="defer, commission: publication.")
    title: Name | None = Field(None, description="commission: the new work's title.")
    kind: WorkStreamKind | None = Field(None, description="commission: what sort of work.")
    commissioned_by: Name | None = Field(None, description="commission: who commissioned it.")
    commissioned_on: date | None = None
    lead: ShortText | None = None
    supporting: list[ShortText] = Field(default_factory=list, max_length=20)


@router.get("", response_model=list[Plan], summary="Business plans")
def list_plans(rt: Rt, who: Who) -> list[dict[str, Any]]:
    """Every business plan with its dates and state."""
    return queries.list_plans(rt)


@router.get("/{code}", summary="One business plan")
def show_plan(rt: Rt, who: Who, code: Code) -> dict[str, Any]:
    """Its state, consultation and responses, approvals, versions and work streams."""
    return queries.show_plan(rt, code)


@router.get("/{code}/versions", summary="Its versions")
def plan_versions(rt: Rt, who: Who, code: Code) -> list[dict[str, Any]]:
    return queries.plan_versions(rt, code)


@router.get("/{code}/diff", summary="What changed between two versions")
def plan_diff(
    rt: Rt,
    who: Who,
    code: Code,
    old: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
    new: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
) -> dict[str, Any]:
    """Exactly what was added, dropped, deferred, re-prioritised or re-dated."""
    return queries.plan_diff(rt, code, old, new)


@router.post("/{code}/moves", summary="Move the plan")
def move_plan(rt: Rt, who: Who, code: Code, data: PlanMoveRequest) -> dict[str, Any]:
    """Administrators only; 409 names each unmet condition."""
    command = MovePlan(
        code=code,
        trigger=data.trigger.value,
        reason=data.reason,
        opens=data.opens,
        closes=data.closes,
        successor=data.successor,
    )
    rt.handle(command, who)
    return queries.show_plan(rt, code)


@router.post("/{code}/responses", summary="Record a consultation response")
def record_response(
    rt: Rt, who: Who, code: Code, data: ConsultationResponseRequest
) -> dict[str, Any]:
    command = RecordConsultationResponse(
        code=code,
        respondent=data.respondent,
        organisation=data.organisation,
        topics=tuple(data.topics),
    )
    rt.handle(command, who)
    return queries.show_plan(rt, code)


@router.post("/{code}/decisions", summary="A chief inspector's decision on the plan")
def record_decision(rt: Rt, who: Who, code: Code, data: PlanDecisionRequest) -> dict[str, Any]:
    command = RecordPlanDecision(
        code=code,
        body=data.body,
        version=data.version,
        decision=data.decision.value,
        comment=data.comment,
    )
    rt.handle(command, who)
    return queries.show_plan(rt, code)


@router.post("/{code}/changes", summary="Change the plan (review or in-year)")
def change_plan(rt: Rt, who: Who, code: Code, data: PlanChangeRequest) -> dict[str, Any]:
    """Every change makes a new version of the plan."""
    rt.handle(_change_command(code, data), who)
    return queries.show_plan(rt, code)


def _change_command(code: str, data: PlanChangeRequest) -> Any:
    if data.change == "reprioritise":
        priority = data.priority.value if data.priority else ""
        return ReprioritiseWork(code=code, ref=data.ref, priority=priority, reason=data.reason)
    if data.change == "defer":
        return DeferWork(code=code, ref=data.ref, reason=data.reason, expected=data.expected)
    if data.change == "drop":
        return DropWork(code=code, ref=data.ref, reason=data.reason)
    return CommissionWork(
        code=code,
        ref=data.ref,
        title=data.title or "",
        kind=data.kind.value if data.kind else "",
        commissioned_by=data.commissioned_by or "",
        reason=data.reason,
        commissioned_on=data.commissioned_on,
        lead=data.lead,
        supporting=tuple(data.supporting),
        expected=data.expected,
        priority=data.priority.value if data.priority else "normal",
    )
