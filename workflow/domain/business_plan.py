"""The business plan aggregate: its states, consultation responses, the chief inspectors'
decisions on one version of it, and its numbered versions.

draft → consultation (opening and closing dates; responses recorded) → finalisation
(every chief inspector of the CJ inspectorates approves one version of the plan: a joint
decision, as in :mod:`workflow.domain.joint_decisions`) → published → under review (the
yearly review) → published again, and at last superseded by a later plan. The moves are
the rows of :mod:`workflow.domain.plan_lifecycle`; what the plan holds after publication
is kept as numbered versions (:mod:`workflow.domain.plan_versions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflow.domain.bodies import BodyKind, BodyRegistry
from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.events import (
    ConsultationResponseRecorded,
    Event,
    PlanDecisionRecorded,
    PlanVersionMade,
)
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind, JointDocument
from workflow.domain.plan_versions import PlanVersion
from workflow.domain.workstream import encode_decision


def chief_bodies(bodies: BodyRegistry) -> tuple[str, ...]:
    """The bodies whose chief inspectors finalise a joint plan: every CJ inspectorate."""
    return tuple(b.code for b in bodies if b.kind is BodyKind.CJ_INSPECTORATE)


class PlanState(StrEnum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    FINALISATION = "finalisation"
    PUBLISHED = "published"
    UNDER_REVIEW = "under_review"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        """How a sentence says it: "cjji-2021-23 is now out for consultation"."""
        return _LABELS[self]


_LABELS = {
    PlanState.DRAFT: "a draft",
    PlanState.CONSULTATION: "out for consultation",
    PlanState.FINALISATION: "being finalised",
    PlanState.PUBLISHED: "published",
    PlanState.UNDER_REVIEW: "under its yearly review",
    PlanState.SUPERSEDED: "superseded",
}


class PlanTrigger(StrEnum):
    OPEN_CONSULTATION = "open_consultation"
    CLOSE_CONSULTATION = "close_consultation"
    REVISE = "revise"
    PUBLISH = "publish"
    START_REVIEW = "start_review"
    CONCLUDE_REVIEW = "conclude_review"
    SUPERSEDE = "supersede"


@dataclass
class PlanApprovals(JointDocument):
    """The versions of the plan put to the chief inspectors and their decisions: the
    joint-decision rules of a work stream's documents, on the text of the plan."""

    kind: DocumentKind = DocumentKind.REPORT  # unused: the label below names the text

    @property
    def label(self) -> str:
        return "business plan"


@dataclass(frozen=True, slots=True)
class ConsultationResponse:
    respondent: str
    organisation: str
    topics: tuple[str, ...]
    at: datetime
    recorded_by: str


@dataclass
class BusinessPlan:
    code: str
    title: str
    starts: date | None = None
    ends: date | None = None
    state: PlanState = PlanState.DRAFT
    consultation_opens: date | None = None
    consultation_closes: date | None = None
    responses: list[ConsultationResponse] = field(default_factory=list)
    approvals: PlanApprovals = field(default_factory=PlanApprovals)
    versions: list[PlanVersion] = field(default_factory=list)
    superseded_by: str | None = None
    pending: list[Event] = field(default_factory=list, repr=False, compare=False)

    @property
    def audit_ref(self) -> str:
        """The ref its events are chained under: never a work stream's (no colon there)."""
        return f"plan:{self.code}"

    @property
    def current_version(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None

    def record(self, event: Event) -> None:
        self.pending.append(event)

    def drain(self) -> list[Event]:
        events, self.pending = self.pending, []
        return events

    # -- what people do ------------------------------------------------------------------
    def record_response(
        self,
        respondent: str,
        organisation: str,
        topics: Iterable[str],
        actor: str,
        body: str | None,
        at: datetime,
    ) -> ConsultationResponse:
        """A stakeholder's response to the consultation, while it is open."""
        if self.state is not PlanState.CONSULTATION:
            raise Refused(
                f"{self.code} is in {self.state.value}: responses are recorded only while "
                "the consultation is open (`cjji plans open-consultation`)"
            )
        named = tuple(dict.fromkeys(t.strip() for t in topics if t.strip()))
        if not respondent.strip() or not organisation.strip():
            raise InvalidInput("a response needs the respondent and their organisation")
        if not named:
            raise InvalidInput("a response needs at least one topic it addresses (--topic)")
        response = ConsultationResponse(respondent.strip(), organisation.strip(), named, at, actor)
        self.responses.append(response)
        self.record(
            ConsultationResponseRecorded(
                actor=actor,
                body=body,
                at=at,
                plan=self.code,
                respondent=response.respondent,
                organisation=response.organisation,
                topics=named,
            )
        )
        return response

    def record_decision(
        self,
        for_body: str,
        decision: Decision,
        version: str,
        actor: str,
        at: datetime,
        comment: str | None = None,
    ) -> None:
        """A chief inspector's decision for their body on the version put to them."""
        if self.state is not PlanState.FINALISATION:
            raise Refused(
                f"{self.code} is in {self.state.value}: chief inspectors decide on the plan "
                "during finalisation (after `cjji plans close-consultation`)"
            )
        self.approvals.check_decision(for_body, decision, version, comment)
        record = DecisionRecord(
            for_body, actor, decision, version, at, comment, self.approvals.round
        )
        self.approvals.decisions.append(record)
        self.record(
            PlanDecisionRecorded(
                actor=actor,
                body=for_body,
                at=at,
                reason=comment,
                from_state=self.state.value,
                to_state=self.state.value,
                plan=self.code,
                decision=decision.value,
                version=version,
                round=record.round,
            )
        )

    def make_version(
        self,
        entries: Mapping[str, Mapping[str, Any]],
        change: Mapping[str, Any] | None,
        actor: str,
        body: str | None,
        at: datetime,
    ) -> PlanVersion:
        """A new numbered version of what the plan holds; ``change`` says what made it."""
        made = PlanVersion(
            len(self.versions) + 1, at, actor, dict(change) if change else None, dict(entries)
        )
        self.versions.append(made)
        self.record(
            PlanVersionMade(
                actor=actor,
                body=body,
                at=at,
                reason=(change or {}).get("reason"),
                from_state=self.state.value,
                to_state=self.state.value,
                plan=self.code,
                number=made.number,
                change=made.change,
                entries=made.entries,
            )
        )
        return made

    def snapshot(self) -> dict[str, Any]:
        """What replay must rebuild: the plan's life, not its title (the programme's)."""
        return {
            "state": self.state.value,
            "consultation_opens": _iso(self.consultation_opens),
            "consultation_closes": _iso(self.consultation_closes),
            "responses": [encode_response(r) for r in self.responses],
            "approval_versions": list(self.approvals.versions),
            "approvals": [encode_decision(d) for d in self.approvals.decisions],
            "versions": [v.encode() for v in self.versions],
            "superseded_by": self.superseded_by,
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def encode_response(r: ConsultationResponse) -> dict[str, Any]:
    return {
        "respondent": r.respondent,
        "organisation": r.organisation,
        "topics": list(r.topics),
        "at": r.at.isoformat(),
        "recorded_by": r.recorded_by,
    }


__all__ = [
    "BusinessPlan",
    "ConsultationResponse",
    "PlanApprovals",
    "PlanState",
    "PlanTrigger",
    "chief_bodies",
    "encode_decision",
    "encode_response",
]
