"""The report's journey over HTTP: factual accuracy, recommendations, publication, rating.

Each route asks ``access`` whether the person may change anything at all, then calls the
service the CLI calls; the services check that the person acts for the lead body (and,
for signing off the factual accuracy check, that they were not on the fieldwork team).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from workflow.api.deps import Key, Rt, Who
from workflow.api.schemas import (
    NO_NUL,
    CommentNumber,
    Count,
    Disposition,
    EmbargoRecipientAdd,
    FactualAccuracyComment,
    FactualAccuracyStart,
    FieldworkTeam,
    PublicationSchedule,
    Publish,
    RatingRecord,
    RecommendationAdd,
    RecommendationCarry,
    RecommendationClose,
    RecommendationResponse,
    RecommendationReview,
    Scheduled,
    StreamDetail,
    UrgentNotification,
)
from workflow.domain.working_days import london_date
from workflow.services import access, queries, register, report

router = APIRouter(prefix="/api/streams/{key}", tags=["the report's journey"])
registry = APIRouter(prefix="/api/recommendations", tags=["the report's journey"])
Number = Annotated[int, Path(ge=1, le=100_000, description="Its number in the work stream.")]


def _after(rt: Rt, key: str) -> dict[str, Any]:
    return queries.show_stream(rt, key)


# -- factual accuracy ------------------------------------------------------------------
@router.post("/factual-accuracy", response_model=Scheduled, summary="Start the check")
def fa_start(rt: Rt, who: Who, key: Key, data: FactualAccuracyStart) -> dict[str, Any]:
    """Send the current draft to the inspected bodies for a factual accuracy check."""
    access.require_mover(who, "start a factual accuracy check")
    due = report.start_factual_accuracy(rt, who.actor, key, list(data.parties), data.due_on)
    return {"ref": queries.show_stream(rt, key)["ref"], "date": due}


@router.get("/factual-accuracy", response_model=dict[str, Any] | None, summary="The check")
def fa_status(rt: Rt, who: Who, key: Key) -> Any:
    return queries.show_stream(rt, key).get("factual_accuracy")


@router.post(
    "/factual-accuracy/comments",
    response_model=CommentNumber,
    status_code=status.HTTP_201_CREATED,
    summary="Record a comment",
)
def fa_comment(rt: Rt, who: Who, key: Key, data: FactualAccuracyComment) -> dict[str, int]:
    access.require_mover(who, "record a factual accuracy comment")
    return {"number": report.add_fa_comment(rt, who.actor, key, data.party, data.text)}


@router.post(
    "/factual-accuracy/comments/{number}/disposition",
    response_model=StreamDetail,
    summary="Dispose of a comment",
)
def fa_dispose(
    rt: Rt,
    who: Who,
    key: Key,
    number: Annotated[int, Query(ge=1, le=100_000)] | int,
    data: Disposition,
) -> dict[str, Any]:
    access.require_mover(who, "dispose of a factual accuracy comment")
    report.dispose_fa_comment(rt, who.actor, key, number, data.disposition, data.reason)
    return _after(rt, key)


@router.post("/factual-accuracy/sign-off", response_model=StreamDetail, summary="Sign it off")
def fa_sign_off(rt: Rt, who: Who, key: Key) -> dict[str, Any]:
    """By a member of the lead body who was not on the fieldwork team."""
    access.require_mover(who, "sign off a factual accuracy check")
    report.sign_off_factual_accuracy(rt, who.actor, key)
    return _after(rt, key)


@router.put("/fieldwork-team", response_model=StreamDetail, summary="Record the team")
def fa_team(rt: Rt, who: Who, key: Key, data: FieldworkTeam) -> dict[str, Any]:
    access.require_mover(who, "record the fieldwork team")
    report.set_fieldwork_team(rt, who.actor, key, list(data.members))
    return _after(rt, key)


# -- recommendations -------------------------------------------------------------------
@router.post(
    "/recommendations",
    response_model=StreamDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Add a recommendation",
)
def rec_add(rt: Rt, who: Who, key: Key, data: RecommendationAdd) -> dict[str, Any]:
    access.require_mover(who, "add a recommendation")
    report.add_recommendation(
        rt,
        who.actor,
        key,
        text=data.text,
        addressed_to=data.addressed_to,
        type=data.type,
        clock=data.clock,
    )
    return _after(rt, key)


@router.post(
    "/recommendations/{number}/response", response_model=StreamDetail, summary="Its response"
)
def rec_respond(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationResponse
) -> dict[str, Any]:
    access.require_mover(who, "record a response to a recommendation")
    report.respond_to_recommendation(
        rt,
        who.actor,
        key,
        number,
        response=data.response,
        owner=data.owner,
        action_plan=data.action_plan,
        due=data.due,
    )
    return _after(rt, key)


@router.post(
    "/recommendations/{number}/reviews", response_model=StreamDetail, summary="Judge progress"
)
def rec_review(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationReview
) -> dict[str, Any]:
    access.require_mover(who, "review a recommendation")
    report.review_recommendation(
        rt, who.actor, key, number, judgement=data.judgement, note=data.note
    )
    return _after(rt, key)


@router.post("/recommendations/{number}/close", response_model=StreamDetail, summary="Close")
def rec_close(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationClose
) -> dict[str, Any]:
    access.require_mover(who, "close a recommendation")
    report.close_recommendation(rt, who.actor, key, number, data.evidence)
    return _after(rt, key)


@router.post("/recommendations/{number}/carry", response_model=StreamDetail, summary="Carry")
def rec_carry(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationCarry
) -> dict[str, Any]:
    access.require_mover(who, "carry a recommendation")
    report.carry_recommendation(rt, who.actor, key, number, data.into)
    return _after(rt, key)


@registry.get("", response_model=dict[str, Any], summary="The recommendations register")
def rec_register(
    rt: Rt,
    who: Who,
    stream: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,120}$")] = None,
    owner: Annotated[str | None, Query(pattern=NO_NUL, max_length=120)] = None,
    status_: Annotated[str | None, Query(alias="status", pattern=NO_NUL, max_length=20)] = None,
) -> dict[str, Any]:
    """Every recommendation with how long it has been open, and ageing by owner."""
    rows = register.register(rt, london_date(rt.clock()), ref=stream, owner=owner, status=status_)
    return {"recommendations": rows, "ageing_by_owner": register.ageing_by_owner(rows)}


# -- publication -------------------------------------------------------------------------
@router.post("/publication/schedule", response_model=Scheduled, summary="Schedule it")
def pub_schedule(rt: Rt, who: Who, key: Key, data: PublicationSchedule) -> dict[str, Any]:
    """Set the publication time; the answer is the day the embargoed copy is due."""
    access.require_mover(who, "schedule publication")
    embargo_on = report.schedule_publication(rt, who.actor, key, data.when)
    return {"ref": queries.show_stream(rt, key)["ref"], "date": embargo_on}


@router.post(
    "/publication/recipients",
    response_model=StreamDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Add an embargo recipient",
)
def pub_recipient(rt: Rt, who: Who, key: Key, data: EmbargoRecipientAdd) -> dict[str, Any]:
    access.require_mover(who, "add an embargo recipient")
    report.add_embargo_recipient(
        rt, who.actor, key, name=data.name, email=data.email, kind=data.kind
    )
    return _after(rt, key)


@router.post("/publication/embargo", response_model=Count, summary="Send the embargoed copy")
def pub_send(rt: Rt, who: Who, key: Key) -> dict[str, Any]:
    access.require_mover(who, "send the embargoed copy")
    count = report.send_embargoed_copy(rt, who.actor, key)
    return {"ref": queries.show_stream(rt, key)["ref"], "count": count}


@router.post("/publication/publish", response_model=StreamDetail, summary="Publish")
def pub_publish(rt: Rt, who: Who, key: Key, data: Publish) -> dict[str, Any]:
    """Record the report as published, at its URL, as the version every body approved."""
    access.require_mover(who, "publish a report")
    ws = report.publish(rt, who.actor, key, url=data.url, version=data.version)
    return _after(rt, ws.ref)


@router.post(
    "/urgent-notification", response_model=StreamDetail, summary="Record an urgent notification"
)
def pub_urgent(rt: Rt, who: Who, key: Key, data: UrgentNotification) -> dict[str, Any]:
    access.require_mover(who, "record an urgent notification")
    report.record_urgent_notification(rt, who.actor, key, data.on)
    return _after(rt, key)


@router.put("/rating", response_model=StreamDetail, summary="Record the rating")
def rate(rt: Rt, who: Who, key: Key, data: RatingRecord) -> dict[str, Any]:
    access.require_mover(who, "record a rating")
    report.record_rating(rt, who.actor, key, data.grade)
    return _after(rt, key)
