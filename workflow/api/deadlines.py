"""/api/deadlines and the calendar feeds: deadline commands and queries over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from workflow.api.schemas import (
    NO_NUL,
    Deadline,
    DeadlineExtension,
    DeadlineMet,
    Milestone,
    RuleOverride,
)
from workflow.application.commands import (
    ExtendDeadline,
    MarkDeadlineMet,
    OverrideDeadlineRule,
    RecordMilestone,
)
from workflow.application.queries import calendar_feed, deadlines
from workflow.http.deps import Key, Rt, Who

router = APIRouter(tags=["deadlines"])
DeadlineId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed."}
}


@router.get("/api/deadlines", response_model=list[Deadline], summary="Deadlines")
def list_deadlines(
    rt: Rt,
    who: Who,
    due_before: date | None = None,
    overdue: bool = False,
    body: Annotated[str | None, Query(pattern=NO_NUL, max_length=120)] = None,
    stream: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,120}$")] = None,
    closed: Annotated[bool, Query(description="Closed ones too.")] = False,
) -> list[dict[str, Any]]:
    """Open deadlines (or all), soonest first."""
    return deadlines.list_deadlines(
        rt,
        due_before=due_before,
        overdue=overdue,
        body=body,
        stream=stream,
        include_closed=closed,
    )


@router.post(
    "/api/deadlines/{deadline_id}/extension", response_model=Deadline, summary="Extend one"
)
def extend(rt: Rt, who: Who, deadline_id: DeadlineId, data: DeadlineExtension) -> Any:
    """Move it later, for a reason (the lead body's staff)."""
    command = ExtendDeadline(deadline_id=deadline_id, to=data.to, reason=data.reason)
    return rt.handle(command, who)


@router.post("/api/deadlines/{deadline_id}/met", response_model=Deadline, summary="Mark met")
def met(rt: Rt, who: Who, deadline_id: DeadlineId, data: DeadlineMet) -> Any:
    """The lead body's staff say it is met."""
    return rt.handle(MarkDeadlineMet(deadline_id=deadline_id, note=data.note), who)


@router.post(
    "/api/streams/{key}/milestones", response_model=list[Deadline], summary="Record a date"
)
def milestone(rt: Rt, who: Who, key: Key, data: Milestone) -> Any:
    """A planned or actual date the deadline rules run from (fieldwork, publication, …)."""
    command = RecordMilestone(key=key, name=data.name, on=data.on, reason=data.reason)
    return rt.handle(command, who)


@router.put(
    "/api/streams/{key}/rules/{rule}",
    response_model=list[Deadline],
    summary="Override a rule for one work stream",
)
def override(
    rt: Rt,
    who: Who,
    key: Key,
    rule: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,79}$")],
    data: RuleOverride,
) -> Any:
    command = OverrideDeadlineRule(
        key=key, rule_key=rule, duration=data.duration, reason=data.reason
    )
    return rt.handle(command, who)


@router.get(
    "/api/calendar/bodies/{body}.ics",
    response_class=Response,
    responses=ICS,
    summary="A body's deadlines as iCalendar",
)
def body_calendar(
    rt: Rt, who: Who, body: Annotated[str, Path(pattern=r"^[A-Za-z0-9 .'&-]{1,120}$")]
) -> Response:
    feed = calendar_feed.body_feed(rt, body)
    return Response(feed.ics, media_type="text/calendar; charset=utf-8")


@router.get(
    "/api/calendar/streams/{key}.ics",
    response_class=Response,
    responses=ICS,
    summary="A work stream's deadlines as iCalendar",
)
def stream_calendar(rt: Rt, who: Who, key: Key) -> Response:
    feed = calendar_feed.stream_feed(rt, key)
    return Response(feed.ics, media_type="text/calendar; charset=utf-8")
