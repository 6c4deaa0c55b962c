"""What happens to a report after drafting: factual accuracy, recommendations, publication,
rating. Each function checks its rule, changes the work stream and records one event whose
payload carries the changed part whole, so replay can set it back exactly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from workflow.domain.errors import InvalidInput, NotFound, Refused
from workflow.domain.events import (
    FactualAccuracyChanged,
    PublicationChanged,
    RatingRecorded,
    RecommendationAdded,
    RecommendationChanged,
)
from workflow.domain.factual_accuracy import Disposition, FactualAccuracyCheck, encode_check
from workflow.domain.publication import EmbargoRecipient, encode_publication
from workflow.domain.ratings import check_rating
from workflow.domain.recommendations import Recommendation, encode_recommendation
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream


def _require(ws: WorkStream, stage: Stage, what: str) -> None:
    if ws.state is not stage:
        raise Refused(f"{ws.ref} is in {ws.state.value}: {what} happens in {stage.value}")


# -- factual accuracy ------------------------------------------------------------------
def start_factual_accuracy(
    ws: WorkStream,
    parties: tuple[str, ...],
    due_on: date | None,
    actor: str,
    body: str | None,
    at: datetime,
) -> FactualAccuracyCheck:
    _require(ws, Stage.DRAFTING, "the factual accuracy check")
    if ws.report.current is None:
        raise Refused("register the draft version the inspected bodies will check first")
    if not parties:
        raise InvalidInput("name the inspected bodies that check the draft")
    check = FactualAccuracyCheck(ws.report.current, at.date(), parties, due_on)
    ws.factual_accuracy = check
    _fa_event(ws, "started", actor, body, at)
    return check


def _check(ws: WorkStream) -> FactualAccuracyCheck:
    if ws.factual_accuracy is None:
        raise Refused(
            f"{ws.ref} has no factual accuracy check: start one first with `cjji fa start`"
        )
    return ws.factual_accuracy


def _around(ws: WorkStream, actor: str, body: str | None, at: datetime) -> dict[str, Any]:
    """Who, when, and the state a journey change leaves as it found it."""
    return {
        "actor": actor,
        "body": body,
        "at": at,
        "from_state": ws.state,
        "to_state": ws.state,
    }


def _fa_event(
    ws: WorkStream, change: str, actor: str, body: str | None, at: datetime, **detail: object
) -> None:
    ws.record(
        FactualAccuracyChanged(
            **_around(ws, actor, body, at),
            change=change,
            factual_accuracy=encode_check(ws.factual_accuracy),
            detail=detail,
        )
    )


def add_fa_comment(
    ws: WorkStream, party: str, text: str, actor: str, body: str | None, at: datetime
) -> int:
    _require(ws, Stage.DRAFTING, "the factual accuracy check")
    comment = _check(ws).add_comment(party, text)
    _fa_event(ws, "comment_added", actor, body, at, number=comment.number)
    return comment.number


def dispose_fa_comment(
    ws: WorkStream,
    number: int,
    disposition: Disposition,
    reason: str | None,
    actor: str,
    body: str | None,
    at: datetime,
) -> None:
    _require(ws, Stage.DRAFTING, "the factual accuracy check")
    _check(ws).dispose(number, disposition, reason, actor)
    _fa_event(ws, "comment_disposed", actor, body, at, number=number, disposition=disposition.value)


def sign_off_factual_accuracy(ws: WorkStream, actor: str, body: str | None, at: datetime) -> None:
    _require(ws, Stage.DRAFTING, "the factual accuracy check")
    if body != ws.lead:
        raise Refused(
            f"the check is signed by a member of the lead body ({ws.lead}), not of {body}"
        )
    _check(ws).sign_off(actor, at, ws.fieldwork_team)
    _fa_event(ws, "signed_off", actor, body, at)


# -- recommendations -------------------------------------------------------------------
def add_recommendation(
    ws: WorkStream, rec: Recommendation, actor: str, body: str | None, at: datetime
) -> Recommendation:
    # Recommendations are part of what joint sign-off approves: fixed once it starts.
    _require(ws, Stage.DRAFTING, "recording recommendations")
    if not rec.text.strip() or not rec.addressed_to.strip():
        raise InvalidInput("a recommendation needs its text and the body it is addressed to")
    rec = replace(rec, number=len(ws.recommendations) + 1, created_on=at.date())
    ws.recommendations.append(rec)
    ws.record(
        RecommendationAdded(
            **_around(ws, actor, body, at), recommendation=encode_recommendation(rec)
        )
    )
    return rec


def receive_carried_recommendation(
    ws: WorkStream,
    carried: Recommendation,
    source_ref: str,
    actor: str,
    body: str | None,
    at: datetime,
) -> Recommendation:
    """``carried`` (from ``source_ref``) taken on by ``ws``: a new open recommendation with
    the same text, owner and statutory clock, noting where it came from."""
    rec = Recommendation(
        number=len(ws.recommendations) + 1,
        text=carried.text,
        addressed_to=carried.addressed_to,
        type=carried.type,
        clock=carried.clock,
        owner=carried.owner,
        action_plan=carried.action_plan,
        due=carried.due,
        response=carried.response,
        created_on=at.date(),
        carried_from=f"{source_ref} #{carried.number}",
    )
    ws.recommendations.append(rec)
    ws.record(
        RecommendationAdded(
            **_around(ws, actor, body, at), recommendation=encode_recommendation(rec)
        )
    )
    return rec


def recommendation(ws: WorkStream, number: int) -> Recommendation:
    for rec in ws.recommendations:
        if rec.number == number:
            return rec
    raise NotFound(f"{ws.ref} has no recommendation {number} (it has {len(ws.recommendations)})")


def change_recommendation(
    ws: WorkStream, new: Recommendation, change: str, actor: str, body: str | None, at: datetime
) -> None:
    """Store a responded, reviewed, closed or carried recommendation (after publication)."""
    _require(ws, Stage.FOLLOW_UP, "following up recommendations")
    ws.recommendations = [new if r.number == new.number else r for r in ws.recommendations]
    ws.record(
        RecommendationChanged(
            **_around(ws, actor, body, at),
            change=change,
            recommendation=encode_recommendation(new),
        )
    )


# -- publication ------------------------------------------------------------------------
def _publication_event(
    ws: WorkStream, change: str, actor: str, body: str | None, at: datetime, **detail: object
) -> None:
    ws.record(
        PublicationChanged(
            **_around(ws, actor, body, at),
            change=change,
            publication=encode_publication(ws.publication),
            detail=detail,
        )
    )


def schedule_publication(
    ws: WorkStream, when: datetime, embargo_on: date, actor: str, body: str | None, at: datetime
) -> None:
    _require(ws, Stage.PUBLICATION, "scheduling publication")
    if when <= at:
        raise InvalidInput("the publication date and time must be in the future")
    ws.publication.scheduled_for, ws.publication.embargo_on = when, embargo_on
    _publication_event(ws, "scheduled", actor, body, at)


def add_embargo_recipient(
    ws: WorkStream, recipient: EmbargoRecipient, actor: str, body: str | None, at: datetime
) -> None:
    _require(ws, Stage.PUBLICATION, "recording embargo recipients")
    if "@" not in recipient.email:
        raise InvalidInput(f"{recipient.email!r} is not an email address")
    if any(r.email == recipient.email for r in ws.publication.recipients):
        raise InvalidInput(f"{recipient.email} is already a recipient")
    ws.publication.recipients.append(recipient)
    _publication_event(ws, "recipient_added", actor, body, at, email=recipient.email)


def mark_embargo_sent(ws: WorkStream, actor: str, body: str | None, at: datetime) -> None:
    _require(ws, Stage.PUBLICATION, "sending the embargoed copy")
    if not ws.publication.recipients:
        raise Refused("no embargo recipients are recorded: add them first")
    if ws.publication.scheduled_for is None:
        raise Refused("publication is not scheduled: set its date and time first")
    ws.publication.embargo_sent_at, ws.publication.embargo_version = at, ws.report.current
    _publication_event(ws, "embargo_sent", actor, body, at)


def record_urgent_notification(
    ws: WorkStream, on: date, actor: str, body: str | None, at: datetime
) -> None:
    """The Secretary of State's 28-day clock for urgent-notification recommendations."""
    if ws.state in (Stage.CLOSED, Stage.WITHDRAWN):
        raise Refused(f"{ws.ref} is {ws.state.value}")
    ws.publication.urgent_notification_on = on
    _publication_event(ws, "urgent_notification", actor, body, at)


def record_rating(ws: WorkStream, grade: str, actor: str, body: str | None, at: datetime) -> str:
    rating = check_rating(ws.kind, ws.lead, grade)
    ws.rating = rating
    ws.record(RatingRecorded(**_around(ws, actor, body, at), rating=rating))
    return rating
