"""The forms of the work stream page after drafting: recommendations (recorded while
drafting, followed up after publication) and publication (date, embargo, publishing).

As in ``journey_pages``: each route reads its form and sends the command the CLI and the
API send, as the signed-in person, through ``act``, which shows any refusal on the page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from workflow.application.commands import (
    AddEmbargoRecipient,
    AddRecommendation,
    CarryRecommendation,
    CloseRecommendation,
    Publish,
    RecordUrgentNotification,
    RespondToRecommendation,
    ReviewRecommendation,
    SchedulePublication,
    SendEmbargoedCopy,
)
from workflow.http.deps import Key, Rt
from workflow.web.auth import Viewer
from workflow.web.forms import (
    Choice,
    FormLine,
    FormText,
    FormToken,
    chosen,
    form_date,
    form_time,
    required_date,
    uk_moment,
)
from workflow.web.steps import act

router = APIRouter(include_in_schema=False)
Number = Annotated[int, Path(ge=1, le=100_000)]
Ref = Annotated[str, Form(max_length=120)]


# -- recommendations ---------------------------------------------------------------------
@router.post("/streams/{key}/recommendations")
def rec_add(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    text: FormText = "",
    addressed_to: FormLine = "",
    type: Choice = "recommendation",
    clock: Choice = "none",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="add a recommendation",
        form="rec-add",
        section="recommendations",
        done="rec_added",
        values={"text": text, "addressed_to": addressed_to, "type": type, "clock": clock},
        change=lambda: rt.handle(
            AddRecommendation(
                key=key, text=text, addressed_to=addressed_to, type=type, clock=clock
            ),
            who,
        ),
    )


@router.post("/streams/{key}/recommendations/{number}/response")
def rec_respond(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    number: Number,
    csrf_token: FormToken = "",
    response: Choice = "",
    owner: FormLine = "",
    action_plan: FormText = "",
    due_day: Annotated[str, Form(alias="due-day", max_length=8)] = "",
    due_month: Annotated[str, Form(alias="due-month", max_length=8)] = "",
    due_year: Annotated[str, Form(alias="due-year", max_length=8)] = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="record a response to a recommendation",
        form=f"rec-{number}-respond",
        section="recommendations",
        done="rec_responded",
        values={
            "response": response,
            "owner": owner,
            "action_plan": action_plan,
            "day": due_day,
            "month": due_month,
            "year": due_year,
        },
        change=lambda: rt.handle(
            RespondToRecommendation(
                key=key,
                number=number,
                response=chosen(response, "agreed, partly agreed or not agreed"),
                owner=owner,
                action_plan=action_plan,
                due=form_date(due_day, due_month, due_year, "the due date"),
            ),
            who,
        ),
    )


@router.post("/streams/{key}/recommendations/{number}/reviews")
def rec_review(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    number: Number,
    csrf_token: FormToken = "",
    judgement: Choice = "",
    note: FormText = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="review a recommendation",
        form=f"rec-{number}-review",
        section="recommendations",
        done="rec_reviewed",
        values={"judgement": judgement, "note": note},
        change=lambda: rt.handle(
            ReviewRecommendation(
                key=key,
                number=number,
                judgement=chosen(judgement, "how much progress has been made"),
                note=note,
            ),
            who,
        ),
    )


@router.post("/streams/{key}/recommendations/{number}/close")
def rec_close(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    number: Number,
    csrf_token: FormToken = "",
    evidence: FormText = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="close a recommendation",
        form=f"rec-{number}-close",
        section="recommendations",
        done="rec_closed",
        values={"evidence": evidence},
        change=lambda: rt.handle(
            CloseRecommendation(key=key, number=number, evidence=evidence), who
        ),
    )


@router.post("/streams/{key}/recommendations/{number}/carry")
def rec_carry(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    number: Number,
    csrf_token: FormToken = "",
    into: Ref = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="carry a recommendation",
        form=f"rec-{number}-carry",
        section="recommendations",
        done="rec_carried",
        values={"into": into},
        change=lambda: rt.handle(
            CarryRecommendation(
                key=key,
                number=number,
                into=chosen(into.strip(), "the work stream that takes it on"),
            ),
            who,
        ),
    )


# -- publication -------------------------------------------------------------------------
@router.post("/streams/{key}/publication/schedule")
def pub_schedule(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    on_day: Annotated[str, Form(alias="on-day", max_length=8)] = "",
    on_month: Annotated[str, Form(alias="on-month", max_length=8)] = "",
    on_year: Annotated[str, Form(alias="on-year", max_length=8)] = "",
    at: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="schedule publication",
        form="pub-schedule",
        section="publication",
        done="scheduled",
        values={"day": on_day, "month": on_month, "year": on_year, "at": at},
        change=lambda: rt.handle(
            SchedulePublication(
                key=key,
                when=uk_moment(
                    required_date(on_day, on_month, on_year, "the publication date"),
                    form_time(at, "the publication time"),
                ),
            ),
            who,
        ),
    )


@router.post("/streams/{key}/publication/recipients")
def pub_recipient(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    name: FormLine = "",
    email: FormLine = "",
    kind: Choice = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="add an embargo recipient",
        form="pub-recipient",
        section="publication",
        done="recipient",
        values={"name": name, "email": email, "kind": kind},
        change=lambda: rt.handle(
            AddEmbargoRecipient(
                key=key, name=name, email=email, kind=chosen(kind, "who the recipient is")
            ),
            who,
        ),
    )


@router.post("/streams/{key}/publication/embargo")
def pub_send(
    request: Request, rt: Rt, who: Viewer, key: Key, csrf_token: FormToken = ""
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="send the embargoed copy",
        form="pub-embargo",
        section="publication",
        done="embargo_sent",
        change=lambda: rt.handle(SendEmbargoedCopy(key=key), who),
    )


@router.post("/streams/{key}/publication/publish")
def pub_publish(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    version: Annotated[str, Form(max_length=100)] = "",
    early_release_reason: FormText = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="publish a report",
        form="pub-publish",
        section="publication",
        done="published",
        values={"url": url, "version": version, "early_release_reason": early_release_reason},
        change=lambda: rt.handle(
            Publish(
                key=key,
                url=url.strip(),
                version=version,
                early_release_reason=early_release_reason.strip() or None,
            ),
            who,
        ),
    )


@router.post("/streams/{key}/urgent-notification")
def urgent_notification(
    request: Request,
    rt: Rt,
    who: Viewer,
    key: Key,
    csrf_token: FormToken = "",
    on_day: Annotated[str, Form(alias="on-day", max_length=8)] = "",
    on_month: Annotated[str, Form(alias="on-month", max_length=8)] = "",
    on_year: Annotated[str, Form(alias="on-year", max_length=8)] = "",
) -> Response:
    return act(
        request,
        rt,
        who,
        key,
        csrf_token,
        what="record an urgent notification",
        form="urgent",
        section="recommendations",
        done="urgent",
        values={"day": on_day, "month": on_month, "year": on_year},
        change=lambda: rt.handle(
            RecordUrgentNotification(
                key=key,
                on=required_date(on_day, on_month, on_year, "the date of the urgent notification"),
            ),
            who,
        ),
    )
