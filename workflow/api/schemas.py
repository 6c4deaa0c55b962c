"""The API's request and response bodies.

They are pydantic models of their own, apart from the table rows and the domain objects,
so that storage and the rules can change without changing what clients see. Strings that
reach the database refuse NUL characters, which PostgreSQL cannot store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from workflow.application.scopes import Scope
from workflow.domain.joint_decisions import Decision, DocumentKind
from workflow.domain.participants import ProposalDecision, ProposalOutcome
from workflow.domain.roles import Role
from workflow.domain.stages import Priority, ScopingDecision, Stage, Trigger, WorkStreamKind
from workflow.domain.working_days import Jurisdiction

NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
Name = Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=200)]
Ref = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")]
Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{1,80}$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details: every error the API returns."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="The kind of problem, in a few words.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong and what to do about it.")
    instance: str = Field(description="The path of the request that failed.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="For invalid input: each field that is wrong, and why."
    )


# -- work streams ------------------------------------------------------------------------
class Outstanding(BaseModel):
    document: DocumentKind
    version: str
    awaiting: list[str] = Field(
        description="Bodies whose decision on this version is awaited (not those that "
        "requested changes: they await a new version)."
    )
    changes_requested: list[str] = Field(
        default_factory=list, description="Bodies that requested changes to this version."
    )
    standing: dict[str, str] = Field(description="Each body's standing decision on it.")


class StreamSummary(BaseModel):
    id: int | None
    ref: str
    title: str
    kind: WorkStreamKind
    state: Stage
    lead: str | None
    supporting: list[str]
    jurisdiction: Jurisdiction
    plan: str | None
    parent_ref: str | None
    expected_publication: str | None = Field(description="The plan's own words.")
    expected_earliest: date | None
    expected_latest: date | None
    missing: list[str]
    outstanding: Outstanding | None
    version: int = Field(description="Send it back as expected_version to refuse lost updates.")


class OverviewRow(StreamSummary):
    next_deadline: dict[str, Any] | None
    overdue: bool
    awaiting: list[str]


class Move(BaseModel):
    possible: bool
    unmet: list[str]


class Recommendation(BaseModel):
    number: int
    text: str
    addressed_to: str
    type: str
    status: str


class ProposalAnswer(BaseModel):
    body: str
    actor: str
    decision: ProposalDecision
    at: datetime
    comment: str | None


class ParticipantsProposal(BaseModel):
    """The latest change of participants proposed: open, or closed with its outcome."""

    number: int = Field(description="Decisions name it, as they name a document's version.")
    open: bool
    summary: str = Field(description="The change in words.")
    lead: str | None = Field(description="The lead after the change.")
    supporting: list[str] = Field(description="The supporting bodies after the change.")
    lead_before: str | None
    supporting_before: list[str]
    reason: str
    proposed_by: str
    proposed_at: datetime
    remaining: list[str] = Field(description="The bodies that decide: before and after.")
    dropped: list[str]
    added: list[str]
    agreed: list[str] = Field(description="Remaining bodies that agree (the lead by proposing).")
    awaiting: list[str] = Field(description="Remaining bodies whose decision is awaited.")
    answers: list[ProposalAnswer]
    outcome: ProposalOutcome | None = Field(description="applied, refused or lapsed; None if open.")
    closed_at: datetime | None


class KeyPeople(Model):
    lead_inspector: str
    senior_oversight: str


class KeyMatter(Model):
    matter: DocumentKind
    label: str
    decided_here: bool = Field(description="False when the kind inherits it (see inherited_from).")
    inherited_from: str | None
    version: str | None = Field(description="The current version's hash.")
    approved: list[str]
    awaiting: list[str]


class KeyPeopleRequest(Model):
    body: ShortText = Field(description="The body naming its people (code or alias): yours.")
    lead_inspector: ShortText = Field(description="Username of its lead inspector.")
    senior_oversight: ShortText = Field(description="Username of its senior-level oversight.")
    reason: Text | None = Field(None, description="Why, when changing them (audited).")


class StreamDetail(StreamSummary):
    summary: str
    priority: Priority
    origin_ref: str | None
    children: list[str]
    #: Every business plan it has belonged to, in order (carried over from one to the next).
    plans: list[str] = []
    #: ``on`` and ``by``, for work commissioned into its plan in-year.
    commissioned_in_year: dict[str, str] | None = None
    paused_from: Stage | None
    paused_seconds: int
    withdrawn_reason: str | None
    scoping_decision: ScopingDecision | None
    terms_of_reference: str | None = Field(description="The current version's hash.")
    report: str | None = Field(description="The current draft's hash.")
    recommendations: list[Recommendation]
    moves: dict[str, Move] = Field(description="Each move a person can make, and what blocks it.")
    fieldwork_team: list[str] = Field(default_factory=list)
    factual_accuracy: dict[str, Any] | None = Field(None, description="The check of the draft.")
    publication: dict[str, Any] | None = Field(None, description="Schedule, embargo, URL.")
    rating: str | None = None
    participants_proposal: ParticipantsProposal | None = Field(
        None, description="The latest change of participants proposed, open or closed."
    )
    lifecycle_version: int = Field(1, description="The lifecycle version it started under.")
    key_people: dict[str, KeyPeople] = Field(
        default_factory=dict,
        description="Each participating body's lead inspector and senior-level oversight.",
    )
    key_matters: list[KeyMatter] = Field(
        default_factory=list, description="Each key matter decided jointly, and who is awaited."
    )
    created_at: datetime
    updated_at: datetime


class StreamCreate(Model):
    title: Name
    kind: WorkStreamKind
    ref: Ref | None = None
    lead: ShortText | None = None
    supporting: list[ShortText] = Field(default_factory=list, max_length=9)
    jurisdiction: Jurisdiction = Jurisdiction.ENGLAND_AND_WALES
    priority: Priority = Priority.NORMAL
    expected_publication: ShortText | None = None
    summary: Text = ""
    parent_ref: Ref | None = None
    plan: ShortText | None = None


class StreamEdit(Model):
    title: Name | None = None
    lead: ShortText | None = None
    supporting: list[ShortText] | None = Field(None, max_length=9)
    jurisdiction: Jurisdiction | None = None
    priority: Priority | None = None
    expected_publication: ShortText | None = None
    summary: Text | None = None
    expected_version: int | None = Field(
        None, ge=0, le=2**31, description="Refuse if the work stream has changed since."
    )


class TransitionRequest(Model):
    trigger: Literal[
        Trigger.START_FIELDWORK,
        Trigger.START_DRAFTING,
        Trigger.SUBMIT_FOR_SIGNOFF,
        Trigger.PUBLISH,
        Trigger.CLOSE,
        Trigger.CONCLUDE_SCOPING,
        Trigger.PAUSE,
        Trigger.RESUME,
        Trigger.WITHDRAW,
    ]
    reason: Text | None = Field(None, description="Why; required to withdraw.")
    decision: ScopingDecision | None = Field(None, description="To conclude a scoping study.")
    expected_version: int | None = Field(None, ge=0, le=2**31)


class DocumentRegistered(BaseModel):
    ref: str
    kind: DocumentKind
    version: str = Field(description="The SHA-256 of the content: decisions name it.")
    new: bool = Field(description="False if it was already the current version.")
    state: Stage


class DocumentVersion(BaseModel):
    number: int
    version: str = Field(description="The SHA-256 of the file's bytes: decisions name it.")
    current: bool
    filename: str | None = Field(description="The file's name as uploaded (none if pasted).")
    media_type: str | None = Field(
        description="What the bytes are, read from them when registered: text/plain, a "
        ".docx, an .odt or a PDF (the download's Content-Type)."
    )
    size: int | None = Field(description="The file's size in bytes.")
    download: str = Field(description="Where to download the exact file.")
    registered_at: datetime | None
    registered_by: str | None
    decisions: list[dict[str, Any]]


class BodyDecision(BaseModel):
    body: str
    decision: str


class DocumentRecord(BaseModel):
    kind: DocumentKind
    current: str | None
    versions: list[DocumentVersion]
    by_body: list[BodyDecision]


class SignoffStatus(BaseModel):
    ref: str
    state: Stage
    participants: list[str]
    outstanding: Outstanding | None


class DecisionRequest(Model):
    body: ShortText = Field(description="The body whose decision this is (code or alias).")
    decision: Decision
    version: Hash = Field(description="The hash of the version decided on.")
    kind: DocumentKind = DocumentKind.REPORT
    comment: Text | None = Field(None, description="Required to request changes.")


class ParticipantsProposalCreate(Model):
    reason: Text = Field(description="Why the participants change (audited).")
    lead: ShortText | None = Field(None, description="The new lead body; default: as now.")
    supporting: list[ShortText] | None = Field(
        None, max_length=9, description="The supporting bodies after the change; default: as now."
    )


class ParticipantsDecisionRequest(Model):
    body: ShortText = Field(description="The body whose decision this is (code or alias).")
    decision: ProposalDecision
    comment: Text | None = Field(None, description="Required to refuse: why.")


class Decided(BaseModel):
    ref: str
    state: Stage
    moved_to: Stage | None
    outstanding: Outstanding | None


class SignoffLinkRequest(Model):
    body: ShortText
    username: Username = Field(description="The signatory or deputy the link is for.")
    kind: DocumentKind = DocumentKind.REPORT


class SignoffLink(BaseModel):
    url: str
    expires_at: datetime


# -- the audit trail ---------------------------------------------------------------------
class AuditEvent(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    seq: int
    at: datetime
    stream: str | None
    actor: str
    body: str | None
    action: str
    from_state: str | None = Field(alias="from")
    to_state: str | None = Field(alias="to")
    reason: str | None
    payload: dict[str, Any]
    hash: str


class Verification(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None


# -- people and access -----------------------------------------------------------------
class User(BaseModel):
    username: str
    name: str
    email: str
    body: str
    roles: list[Role]
    active: bool


class UserCreate(Model):
    username: Username
    name: Name
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s\x00]+@[^@\s\x00]+$", max_length=254)]
    body: ShortText
    roles: list[Role] = Field(min_length=1)


class UserChange(Model):
    active: bool | None = None
    password: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)] | None = Field(
        None,
        description="Refused with an API token (403): a password is set with "
        "`cjji users passwd` (your own: with the current one), never with a token.",
    )


class Me(User):
    may_move: bool
    may_decide: bool
    administrator: bool


class TokenCreate(Model):
    label: Name
    days: int | None = Field(None, ge=1, le=3650, description="Lifetime; default 90 days.")
    username: Username | None = Field(None, description="Administrators: for someone else.")
    scopes: list[Scope] | None = Field(
        None,
        min_length=1,
        max_length=4,
        description="read, act, decide, admin; default: all the person's roles allow. "
        "Never wider than their roles, nor than the token that asks.",
    )


class TokenCreated(BaseModel):
    id: int
    token: str = Field(description="Shown once: keep it secret.")
    label: str
    prefix: str
    username: str
    expires_at: datetime | None
    scopes: str


class TokenInfo(BaseModel):
    id: int | None
    username: str
    label: str
    prefix: str
    scopes: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class BodyInfo(BaseModel):
    code: str
    name: str
    kind: str
    aliases: list[str]
    nations: list[str]


class Plan(BaseModel):
    code: str
    title: str
    starts: date | None
    ends: date | None
    state: str = "draft"
    superseded_by: str | None = None


class TimelinePeriod(BaseModel):
    state: Stage
    start: datetime
    end: datetime | None


class TimelineEntry(BaseModel):
    ref: str
    title: str
    state: Stage
    lead: str | None
    planned_text: str | None
    planned_start: date | None
    planned_end: date | None
    periods: list[TimelinePeriod]


# -- the report's journey ----------------------------------------------------------------
Day = date


class FactualAccuracyStart(Model):
    parties: list[ShortText] = Field(min_length=1, max_length=50)
    due_on: Day | None = None


class FactualAccuracyComment(Model):
    party: ShortText
    text: Text


class CommentNumber(BaseModel):
    number: int


class Disposition(Model):
    disposition: ShortText = Field(description="accepted, rejected or partly accepted.")
    reason: Text | None = None


class FieldworkTeam(Model):
    members: list[Username] = Field(max_length=100)


class RecommendationAdd(Model):
    text: Text = Field(min_length=1)
    addressed_to: ShortText
    type: ShortText = "recommendation"
    clock: ShortText = Field("none", description="A statutory response clock, if any.")


class RecommendationResponse(Model):
    response: ShortText = Field(description="agreed, partly_agreed or not_agreed.")
    owner: ShortText
    action_plan: Text
    due: Day | None = None


class RecommendationReview(Model):
    judgement: ShortText
    note: Text = ""


class RecommendationClose(Model):
    evidence: Text = Field(min_length=1)


class RecommendationCarry(Model):
    into: Ref


class PublicationSchedule(Model):
    when: datetime


class EmbargoRecipientAdd(Model):
    name: Name
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s\x00]+@[^@\s\x00]+$", max_length=254)]
    kind: ShortText


class Publish(Model):
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s\x00]+$", max_length=2000)]
    version: Hash
    early_release_reason: str | None = Field(
        None,
        max_length=2000,
        description="Before the scheduled time: the lead's reason for releasing early.",
    )


class UrgentNotification(Model):
    on: Day


class RatingRecord(Model):
    grade: ShortText


class Scheduled(BaseModel):
    ref: str
    date: Day


class Count(BaseModel):
    ref: str
    count: int


# -- deadlines ---------------------------------------------------------------------------
class Deadline(BaseModel):
    id: int | None
    ref: str
    rule: str
    what: str
    owed_by: str
    body: str | None
    stage: str
    due: Day
    original_due: Day
    days_left: int | None
    overdue: bool
    paused: bool
    extended_reason: str | None
    next_reminder: Day | None
    opened_at: datetime
    closed_at: datetime | None
    closed_reason: str | None


class DeadlineExtension(Model):
    to: Day
    reason: Text = Field(min_length=1)


class DeadlineMet(Model):
    note: Text | None = None


class Milestone(Model):
    name: ShortText
    on: Day
    reason: Text | None = None


class RuleOverride(Model):
    duration: ShortText = Field(description="e.g. '15 working days', '8 weeks'.")
    reason: Text = Field(min_length=1)
