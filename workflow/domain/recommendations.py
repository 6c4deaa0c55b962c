"""Recommendations a report makes, and their life after publication.

Recorded during drafting (they are part of what joint sign-off approves); after
publication each gets a response with an owner, an action plan and a due date; statutory
clocks apply where the law sets one; progress reviews judge each, and it is closed with
evidence or carried into another work stream.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from workflow.domain.errors import InvalidInput, Refused


class RecommendationType(StrEnum):
    RECOMMENDATION = "recommendation"
    CAUSE_OF_CONCERN = "cause_of_concern"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"
    KEY_CONCERN = "key_concern"
    PRIORITY_CONCERN = "priority_concern"


class RecommendationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CARRIED = "carried"


class Response(StrEnum):
    AGREED = "agreed"
    PARTLY_AGREED = "partly_agreed"
    NOT_AGREED = "not_agreed"


class Progress(StrEnum):
    NO_MEANINGFUL = "no_meaningful_progress"
    INSUFFICIENT = "insufficient_progress"
    REASONABLE = "reasonable_progress"
    GOOD = "good_progress"


class StatutoryClock(StrEnum):
    NONE = "none"
    #: A police and crime commissioner publishes comments within 56 days of publication.
    PCC_RESPONSE = "pcc_response"
    #: The Secretary of State responds to an urgent notification within 28 days.
    URGENT_NOTIFICATION = "urgent_notification"


CLOCK_DAYS = {StatutoryClock.PCC_RESPONSE: 56, StatutoryClock.URGENT_NOTIFICATION: 28}


@dataclass(frozen=True, slots=True)
class Review:
    on: date
    judgement: Progress
    by: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Recommendation:
    number: int
    text: str
    addressed_to: str  # the owner body as the report names it, e.g. "Chief constables"
    type: RecommendationType = RecommendationType.RECOMMENDATION
    status: RecommendationStatus = RecommendationStatus.OPEN
    clock: StatutoryClock = StatutoryClock.NONE
    response: Response | None = None
    owner: str | None = None
    action_plan: str | None = None
    due: date | None = None
    reviews: tuple[Review, ...] = ()
    evidence: str | None = None
    carried_to: str | None = None
    created_on: date | None = None
    closed_on: date | None = None
    #: Where a carried recommendation came from: "<ref> #<number>".
    carried_from: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is RecommendationStatus.OPEN

    def statutory_due(
        self, published_on: date | None, urgent_notification_on: date | None
    ) -> date | None:
        """When the law expects a response, counted from publication or the notification."""
        start = {
            StatutoryClock.PCC_RESPONSE: published_on,
            StatutoryClock.URGENT_NOTIFICATION: urgent_notification_on,
        }.get(self.clock)
        return start + timedelta(days=CLOCK_DAYS[self.clock]) if start else None

    # -- changes, each returning a new recommendation ------------------------------------
    def respond(
        self, response: Response, owner: str, action_plan: str, due: date | None
    ) -> Recommendation:
        self._must_be_open("respond to")
        if response is not Response.NOT_AGREED and (
            not owner.strip() or not action_plan.strip() or due is None
        ):
            raise InvalidInput(
                f"recommendation {self.number}: an agreed or partly agreed "
                "response needs an owner, an action plan and a due date"
            )
        return replace(
            self,
            response=response,
            owner=owner.strip() or None,
            action_plan=action_plan.strip() or None,
            due=due,
        )

    def review(self, review: Review) -> Recommendation:
        self._must_be_open("review")
        return replace(self, reviews=(*self.reviews, review))

    def close(self, evidence: str, on: date) -> Recommendation:
        self._must_be_open("close")
        if not self.reviews:
            raise Refused(
                f"recommendation {self.number} has no progress review yet: "
                "review it before closing it"
            )
        if not evidence.strip():
            raise InvalidInput(f"recommendation {self.number}: closing needs evidence")
        return replace(
            self, status=RecommendationStatus.CLOSED, evidence=evidence.strip(), closed_on=on
        )

    def carry(self, into: str, on: date) -> Recommendation:
        self._must_be_open("carry")
        return replace(self, status=RecommendationStatus.CARRIED, carried_to=into, closed_on=on)

    def _must_be_open(self, what: str) -> None:
        if not self.is_open:
            raise Refused(f"recommendation {self.number} is {self.status.value}: cannot {what} it")


def encode_recommendation(r: Recommendation) -> dict[str, Any]:
    return {
        "number": r.number,
        "text": r.text,
        "addressed_to": r.addressed_to,
        "type": r.type.value,
        "status": r.status.value,
        "clock": r.clock.value,
        "response": r.response.value if r.response else None,
        "owner": r.owner,
        "action_plan": r.action_plan,
        "due": _iso(r.due),
        "reviews": [
            {"on": v.on.isoformat(), "judgement": v.judgement.value, "by": v.by, "note": v.note}
            for v in r.reviews
        ],
        "evidence": r.evidence,
        "carried_to": r.carried_to,
        "created_on": _iso(r.created_on),
        "closed_on": _iso(r.closed_on),
        # Only on a carried-in recommendation: every payload written before is unchanged.
        **({"carried_from": r.carried_from} if r.carried_from else {}),
    }


def decode_recommendation(d: dict[str, Any]) -> Recommendation:
    return Recommendation(
        number=d["number"],
        text=d["text"],
        addressed_to=d["addressed_to"],
        type=RecommendationType(d["type"]),
        status=RecommendationStatus(d["status"]),
        clock=StatutoryClock(d.get("clock", "none")),
        response=Response(d["response"]) if d.get("response") else None,
        owner=d.get("owner"),
        action_plan=d.get("action_plan"),
        due=_date(d.get("due")),
        reviews=tuple(
            Review(
                date.fromisoformat(v["on"]), Progress(v["judgement"]), v["by"], v.get("note", "")
            )
            for v in d.get("reviews", [])
        ),
        evidence=d.get("evidence"),
        carried_to=d.get("carried_to"),
        created_on=_date(d.get("created_on")),
        closed_on=_date(d.get("closed_on")),
        carried_from=d.get("carried_from"),
    )


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
