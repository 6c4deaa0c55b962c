"""The report's journey over HTTP: factual accuracy, recommendations, publication, rating.

Each route sends the command the CLI and the web pages send, as the signed-in person;
the bus's policy checks that they are staff of the lead body, and the handler the rest
(for signing off the factual accuracy check, that they were not on the fieldwork team).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

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
from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    AddRecommendation,
    CarryRecommendation,
    CloseRecommendation,
    DisposeFactualAccuracyComment,
    RecordRating,
    RecordUrgentNotification,
    RespondToRecommendation,
    ReviewRecommendation,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.commands import Publish as PublishReport
from workflow.application.queries import register
from workflow.application.queries import streams as queries
from workflow.domain.working_days import london_date
from workflow.http.deps import Key, Rt, Who

router = APIRouter(prefix="/api/streams/{key}", tags=["the report's journey"])
registry = APIRouter(prefix="/api/recommendations", tags=["the report's journey"])
Number = Annotated[int, Path(ge=1, le=100_000, description="Its number in the work stream.")]


def _after(rt: Rt, key: str) -> dict[str, Any]:
    return queries.show_stream(rt, key)


# -- factual accuracy ------------------------------------------------------------------
@router.post("/factual-accuracy", response_model=Scheduled, summary="Start the check")
def fa_start(rt: Rt, who: Who, key: Key, data: FactualAccuracyStart) -> dict[str, Any]:
    """Send the current draft to the inspected bodies for a factual accuracy check."""
    due = rt.handle(
        StartFactualAccuracy(key=key, parties=tuple(data.parties), due_on=data.due_on), who
    )
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
    number = rt.handle(AddFactualAccuracyComment(key=key, party=data.party, text=data.text), who)
    return {"number": number}


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
    rt.handle(
        DisposeFactualAccuracyComment(
            key=key, number=number, disposition=data.disposition, reason=data.reason
        ),
        who,
    )
    return _after(rt, key)


@router.post("/factual-accuracy/sign-off", response_model=StreamDetail, summary="Sign it off")
def fa_sign_off(rt: Rt, who: Who, key: Key) -> dict[str, Any]:
    """By a member of the lead body who was not on the fieldwork team."""
    rt.handle(SignOffFactualAccuracy(key=key), who)
    return _after(rt, key)


@router.put("/fieldwork-team", response_model=StreamDetail, summary="Record the team")
def fa_team(rt: Rt, who: Who, key: Key, data: FieldworkTeam) -> dict[str, Any]:
    rt.handle(SetFieldworkTeam(key=key, usernames=tuple(data.members)), who)
    return _after(rt, key)


# -- recommendations -------------------------------------------------------------------
@router.post(
    "/recommendations",
    response_model=StreamDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Add a recommendation",
)
def rec_add(rt: Rt, who: Who, key: Key, data: RecommendationAdd) -> dict[str, Any]:
    rt.handle(
        AddRecommendation(
            key=key,
            text=data.text,
            addressed_to=data.addressed_to,
            type=data.type,
            clock=data.clock,
        ),
        who,
    )
    return _after(rt, key)


@router.post(
    "/recommendations/{number}/response", response_model=StreamDetail, summary="Its response"
)
def rec_respond(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationResponse
) -> dict[str, Any]:
    rt.handle(
        RespondToRecommendation(
            key=key,
            number=number,
            response=data.response,
            owner=data.owner,
            action_plan=data.action_plan,
            due=data.due,
        ),
        who,
    )
    return _after(rt, key)


@router.post(
    "/recommendations/{number}/reviews", response_model=StreamDetail, summary="Judge progress"
)
def rec_review(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationReview
) -> dict[str, Any]:
    rt.handle(
        ReviewRecommendation(key=key, number=number, judgement=data.judgement, note=data.note),
        who,
    )
    return _after(rt, key)


@router.post("/recommendations/{number}/close", response_model=StreamDetail, summary="Close")
def rec_close(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationClose
) -> dict[str, Any]:
    rt.handle(CloseRecommendation(key=key, number=number, evidence=data.evidence), who)
    return _after(rt, key)


@router.post("/recommendations/{number}/carry", response_model=StreamDetail, summary="Carry")
def rec_carry(
    rt: Rt, who: Who, key: Key, number: Number, data: RecommendationCarry
) -> dict[str, Any]:
    rt.handle(CarryRecommendation(key=key, number=number, into=data.into), who)
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
    embargo_on = rt.handle(SchedulePublication(key=key, when=data.when), who)
    return {"ref": queries.show_stream(rt, key)["ref"], "date": embargo_on}


@router.post(
    "/publication/recipients",
    response_model=StreamDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Add an embargo recipient",
)
def pub_recipient(rt: Rt, who: Who, key: Key, data: EmbargoRecipientAdd) -> dict[str, Any]:
    rt.handle(AddEmbargoRecipient(key=key, name=data.name, email=data.email, kind=data.kind), who)
    return _after(rt, key)


@router.post("/publication/embargo", response_model=Count, summary="Send the embargoed copy")
def pub_send(rt: Rt, who: Who, key: Key) -> dict[str, Any]:
    count = rt.handle(SendEmbargoedCopy(key=key), who)
    return {"ref": queries.show_stream(rt, key)["ref"], "count": count}


@router.post("/publication/publish", response_model=StreamDetail, summary="Publish")
def pub_publish(rt: Rt, who: Who, key: Key, data: Publish) -> dict[str, Any]:
    """Record the report as published, at its URL, as the version every body approved."""
    command = PublishReport(
        key=key,
        url=data.url,
        version=data.version,
        early_release_reason=data.early_release_reason,
    )
    ws = rt.handle(command, who)
    return _after(rt, ws.ref)


@router.post(
    "/urgent-notification", response_model=StreamDetail, summary="Record an urgent notification"
)
def pub_urgent(rt: Rt, who: Who, key: Key, data: UrgentNotification) -> dict[str, Any]:
    rt.handle(RecordUrgentNotification(key=key, on=data.on), who)
    return _after(rt, key)


@router.put("/rating", response_model=StreamDetail, summary="Record the rating")
def rate(rt: Rt, who: Who, key: Key, data: RatingRecord) -> dict[str, Any]:
    rt.handle(RecordRating(key=key, grade=data.grade), who)
    return _after(rt, key)
