"""Domain events: facts, each its own frozen dataclass, named in the past tense.

Every event carries who did it (``actor``, acting for ``body``), when (``at``), the states
around it and a reason where one was given; its own fields say what happened. The audit
trail stores an event as its ``action`` and its ``payload``: the JSON each class writes is
exactly what the engine wrote before events were typed, so chains written then still
verify and replay (``tests/integration/test_audit_compatibility.py`` keeps such a
database). :mod:`workflow.domain.replay` rebuilds a work stream from stored payloads.

Open-ended parts (the fields of a created work stream, the encoded recommendation or
check a journey change carries whole) stay mappings: replay sets them back as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar


class Action(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    TRANSITIONED = "transitioned"
    DOCUMENT_REGISTERED = "document_registered"
    DECISION_RECORDED = "decision_recorded"
    RECOMMENDATION_ADDED = "recommendation_added"
    RECOMMENDATION_CHANGED = "recommendation_changed"
    NOTIFICATION_DELIVERED = "notification_delivered"
    SIGNOFF_REQUESTED = "signoff_requested"
    DEADLINE_CHANGED = "deadline_changed"
    REMINDER_SENT = "reminder_sent"
    MILESTONE_RECORDED = "milestone_recorded"
    ACCESS_REFUSED = "access_refused"
    RULE_REFUSED = "rule_refused"
    USER_CHANGED = "user_changed"
    NOTIFICATION_SKIPPED = "notification_skipped"
    FACTUAL_ACCURACY_CHANGED = "factual_accuracy_changed"
    PUBLICATION_CHANGED = "publication_changed"
    EMBARGO_ACCESSED = "embargo_accessed"
    RATING_RECORDED = "rating_recorded"
    PARTICIPANTS_PROPOSAL_CHANGED = "participants_proposal_changed"
    WITNESS_KEY_REGISTERED = "witness_key_registered"
    KEY_PEOPLE_NAMED = "key_people_named"
    PLAN_MOVED = "plan_moved"
    PLAN_RESPONSE_RECORDED = "plan_response_recorded"
    PLAN_DECISION_RECORDED = "plan_decision_recorded"
    PLAN_VERSION_MADE = "plan_version_made"


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """What every event has. Subclasses add their facts and spell their payload."""

    action: ClassVar[Action]
    actor: str
    body: str | None
    at: datetime
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return {}


#: Any event (the name the rest of the engine annotates with).
DomainEvent = Event


# -- a work stream's own life ---------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkStreamCreated(Event):
    action: ClassVar[Action] = Action.CREATED
    fields: Mapping[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return {"fields": dict(self.fields)}


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkStreamEdited(Event):
    """``changes`` is {field: [old, new]}, each encoded as a snapshot keeps it."""

    action: ClassVar[Action] = Action.EDITED
    changes: Mapping[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return {"changes": dict(self.changes)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Transitioned(Event):
    action: ClassVar[Action] = Action.TRANSITIONED
    trigger: str
    paused_for_seconds: int | None = None  # set when a paused work stream resumes
    url: str | None = None  # publish: where, and which version
    version: str | None = None
    decision: str | None = None  # conclude_scoping: what scoping decided

    @property
    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"trigger": self.trigger}
        if self.paused_for_seconds is not None:
            out["paused_for_seconds"] = self.paused_for_seconds
        if self.trigger == "publish":
            out["url"], out["version"] = self.url, self.version
        if self.decision is not None:
            out["decision"] = self.decision
        return out


# -- joint decisions ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentRegistered(Event):
    action: ClassVar[Action] = Action.DOCUMENT_REGISTERED
    kind: str
    version: str

    @property
    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "version": self.version}


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecorded(Event):
    """A body's decision on one version; ``reason`` holds its comment."""

    action: ClassVar[Action] = Action.DECISION_RECORDED
    kind: str
    decision: str
    version: str
    round: int

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "decision": self.decision,
            "version": self.version,
            "round": self.round,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyPeopleNamed(Event):
    """``named_for`` names its lead inspector and senior-level oversight; ``previous`` is who
    was named before (None the first time), so a change is audited with both."""

    action: ClassVar[Action] = Action.KEY_PEOPLE_NAMED
    named_for: str
    lead_inspector: str
    senior_oversight: str
    previous: Mapping[str, str] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "body": self.named_for,
            "lead_inspector": self.lead_inspector,
            "senior_oversight": self.senior_oversight,
            "previous": dict(self.previous) if self.previous else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SignoffRequested(Event):
    """A participating body (``body``) was asked to decide on a version."""

    action: ClassVar[Action] = Action.SIGNOFF_REQUESTED
    kind: str
    version: str | None

    @property
    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "version": self.version}


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantsProposalChanged(Event):
    """A change of participants proposed, agreed or refused by a body (``body``), applied or
    lapsed (``change``); ``proposal`` is the proposal whole as it now stands."""

    action: ClassVar[Action] = Action.PARTICIPANTS_PROPOSAL_CHANGED
    change: str
    proposal: Mapping[str, Any]
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"change": self.change, "proposal": dict(self.proposal), **self.detail}


# -- the report's journey -------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendationAdded(Event):
    action: ClassVar[Action] = Action.RECOMMENDATION_ADDED
    recommendation: Mapping[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return {"recommendation": dict(self.recommendation)}


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendationChanged(Event):
    action: ClassVar[Action] = Action.RECOMMENDATION_CHANGED
    change: str
    recommendation: Mapping[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return {"change": self.change, "recommendation": dict(self.recommendation)}


@dataclass(frozen=True, slots=True, kw_only=True)
class FactualAccuracyChanged(Event):
    """The check whole as it now stands, what changed, and that change's details."""

    action: ClassVar[Action] = Action.FACTUAL_ACCURACY_CHANGED
    change: str
    factual_accuracy: Mapping[str, Any] | None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"change": self.change, "factual_accuracy": self.factual_accuracy, **self.detail}


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationChanged(Event):
    action: ClassVar[Action] = Action.PUBLICATION_CHANGED
    change: str
    publication: Mapping[str, Any]
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"change": self.change, "publication": dict(self.publication), **self.detail}


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingRecorded(Event):
    action: ClassVar[Action] = Action.RATING_RECORDED
    rating: str

    @property
    def payload(self) -> dict[str, Any]:
        return {"rating": self.rating}


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbargoedCopyOpened(Event):
    """A recipient (``actor`` is their address) opened the embargoed copy."""

    action: ClassVar[Action] = Action.EMBARGO_ACCESSED
    version: str

    @property
    def payload(self) -> dict[str, Any]:
        return {"version": self.version}


# -- deadlines and reminders ----------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineChanged(Event):
    """A deadline opened, closed, moved, paused…; ``detail`` holds what that change adds."""

    action: ClassVar[Action] = Action.DEADLINE_CHANGED
    change: str | None = None
    deadline: int | None = None
    rule: str | None = None
    owed_by: str | None = None
    owing_body: str | None = None
    due: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        if self.change is None:  # a cause with no deadline of its own yet
            return dict(self.detail)
        return {
            "change": self.change,
            "deadline": self.deadline,
            "rule": self.rule,
            "owed_by": self.owed_by,
            "owing_body": self.owing_body,
            "due": self.due,
            **self.detail,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneRecorded(Event):
    action: ClassVar[Action] = Action.MILESTONE_RECORDED
    milestone: str
    on: str
    previous: str | None

    @property
    def payload(self) -> dict[str, Any]:
        return {"milestone": self.milestone, "on": self.on, "previous": self.previous}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderSent(Event):
    action: ClassVar[Action] = Action.REMINDER_SENT
    ref: str | None
    deadline: int | None
    threshold: int | str  # working days before the due date, or "escalate"
    due: str
    today: str
    recipients: tuple[str, ...]
    rule: str
    outbox_id: str

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "deadline": self.deadline,
            "threshold": self.threshold,
            "due": self.due,
            "today": self.today,
            "recipients": list(self.recipients),
            "rule": self.rule,
            "outbox_id": self.outbox_id,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderSkipped(Event):
    """A reminder owed to nobody who could be told."""

    action: ClassVar[Action] = Action.NOTIFICATION_SKIPPED
    deadline: int | None
    threshold: int | str
    why: str

    @property
    def payload(self) -> dict[str, Any]:
        return {"deadline": self.deadline, "threshold": self.threshold, "why": self.why}


# -- notifications --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationDelivered(Event):
    action: ClassVar[Action] = Action.NOTIFICATION_DELIVERED
    outbox_id: str
    template: str
    to: str
    username: str
    channel: str
    subject: str

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "outbox_id": self.outbox_id,
            "template": self.template,
            "to": self.to,
            "username": self.username,
            "channel": self.channel,
            "subject": self.subject,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationSkipped(Event):
    """An outbox row that sent nothing, why, and what the row had asked for."""

    action: ClassVar[Action] = Action.NOTIFICATION_SKIPPED
    outbox_id: str
    task: str
    why: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"outbox_id": self.outbox_id, "task": self.task, "why": self.why, **self.detail}


# -- people and access ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class UserAdded(Event):
    action: ClassVar[Action] = Action.USER_CHANGED
    username: str
    user_body: str
    roles: tuple[str, ...]
    email: str

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "body": self.user_body,
            "roles": list(self.roles),
            "email": self.email,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class UserChanged(Event):
    action: ClassVar[Action] = Action.USER_CHANGED
    username: str
    user_body: str
    change: str

    @property
    def payload(self) -> dict[str, Any]:
        return {"username": self.username, "body": self.user_body, "change": self.change}


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessKeyRegistered(Event):
    """A body's public key for cosigning checkpoints, registered or replaced."""

    action: ClassVar[Action] = Action.WITNESS_KEY_REGISTERED
    witness: str
    key: str
    replaced: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return {"witness": self.witness, "key": self.key, "replaced": self.replaced}


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessRefused(Event):
    """A signed-in person's attempt refused for want of permission; ``what`` was tried,
    ``detail`` says on what. (Trails written before 0.2 also hold rule refusals and
    refusals of people not signed in under this action: they still verify and replay.)"""

    action: ClassVar[Action] = Action.ACCESS_REFUSED
    what: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"what": self.what, **self.detail}


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleRefused(AccessRefused):
    """A permitted person's attempt the rules refused (a move whose conditions are
    unmet, a decision on an old version): not a question of access."""

    action: ClassVar[Action] = Action.RULE_REFUSED


# -- a business plan's own life (chained under the stream ref "plan:<code>") ----------------
@dataclass(frozen=True, slots=True, kw_only=True)
class PlanMoved(Event):
    """The plan moved by ``trigger``; ``details`` holds what the move carried (the
    consultation's dates, the version put to the chief inspectors, the successor)."""

    action: ClassVar[Action] = Action.PLAN_MOVED
    plan: str
    trigger: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"plan": self.plan, "trigger": self.trigger, **self.details}


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultationResponseRecorded(Event):
    action: ClassVar[Action] = Action.PLAN_RESPONSE_RECORDED
    plan: str
    respondent: str
    organisation: str
    topics: tuple[str, ...]

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "respondent": self.respondent,
            "organisation": self.organisation,
            "topics": list(self.topics),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanDecisionRecorded(Event):
    """A chief inspector's decision, for their body (``body``), on one version of the plan;
    ``reason`` holds the comment."""

    action: ClassVar[Action] = Action.PLAN_DECISION_RECORDED
    plan: str
    decision: str
    version: str
    round: int

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "decision": self.decision,
            "version": self.version,
            "round": self.round,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanVersionMade(Event):
    """A numbered version of the published plan: ``entries`` whole, and the ``change``
    that made it (none for the first)."""

    action: ClassVar[Action] = Action.PLAN_VERSION_MADE
    plan: str
    number: int
    change: Mapping[str, Any] | None
    entries: Mapping[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "number": self.number,
            "change": dict(self.change) if self.change is not None else None,
            "entries": dict(self.entries),
        }


__all__ = [
    "AccessRefused",
    "Action",
    "ConsultationResponseRecorded",
    "DeadlineChanged",
    "DecisionRecorded",
    "DocumentRegistered",
    "DomainEvent",
    "EmbargoedCopyOpened",
    "Event",
    "FactualAccuracyChanged",
    "MilestoneRecorded",
    "NotificationDelivered",
    "NotificationSkipped",
    "ParticipantsProposalChanged",
    "PlanDecisionRecorded",
    "PlanMoved",
    "PlanVersionMade",
    "PublicationChanged",
    "RatingRecorded",
    "RecommendationAdded",
    "RecommendationChanged",
    "ReminderSent",
    "ReminderSkipped",
    "RuleRefused",
    "SignoffRequested",
    "Transitioned",
    "UserAdded",
    "UserChanged",
    "WitnessKeyRegistered",
    "WorkStreamCreated",
    "WorkStreamEdited",
]
