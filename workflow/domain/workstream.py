"""The work stream aggregate: one inspection, review, scoping study, programme or visit.

Plain data plus the questions guards ask of it. It changes only through
:mod:`workflow.domain.lifecycle` (state) and the methods here (data), each of which
records a :class:`DomainEvent` for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.events import (
    DecisionRecorded,
    DocumentRegistered,
    Event,
    KeyPeopleNamed,
    WorkStreamEdited,
)
from workflow.domain.factual_accuracy import FactualAccuracyCheck, encode_check
from workflow.domain.fuzzy_dates import FuzzyDate
from workflow.domain.joint_decisions import (
    DECIDED_DURING,
    KEY_MATTERS,
    Decision,
    DecisionRecord,
    DocumentKind,
    JointDocument,
)
from workflow.domain.key_people import KeyPeople, encode_key_people
from workflow.domain.participants import ParticipantsProposal, encode_proposal
from workflow.domain.publication import Publication, encode_publication
from workflow.domain.recommendations import Recommendation, encode_recommendation
from workflow.domain.stages import Priority, ScopingDecision, Stage, WorkStreamKind
from workflow.domain.working_days import Jurisdiction

#: Fields a person may edit after creation, with how each is kept in a snapshot.
EDITABLE_FIELDS = (
    "title",
    "lead",
    "supporting",
    "jurisdiction",
    "priority",
    "expected_publication",
    "summary",
    "missing",
    "fieldwork_team",
)


@dataclass
class WorkStream:
    ref: str
    title: str
    kind: WorkStreamKind
    jurisdiction: Jurisdiction = Jurisdiction.ENGLAND_AND_WALES
    plan: str | None = None
    priority: Priority = Priority.NORMAL
    lead: str | None = None
    supporting: tuple[str, ...] = ()
    expected_publication: FuzzyDate | None = None
    summary: str = ""
    missing: tuple[str, ...] = ()
    parent_ref: str | None = None
    origin_ref: str | None = None
    #: Where the plan's section B lists it (the programme file's ``section``): how the
    #: published plan is laid out, not part of the work's story, so neither audited nor
    #: in the snapshot.
    plan_section: str | None = None
    state: Stage = Stage.SCOPING
    paused_from: Stage | None = None
    paused_at: datetime | None = None
    paused_seconds: int = 0
    withdrawn_reason: str | None = None
    scoping_decision: ScopingDecision | None = None
    terms_of_reference: JointDocument = field(
        default_factory=lambda: JointDocument(DocumentKind.TERMS_OF_REFERENCE)
    )
    report: JointDocument = field(default_factory=lambda: JointDocument(DocumentKind.REPORT))
    #: The other key matters decided jointly (methodology, findings, recommendations,
    #: publication arrangements), each a document of its own.
    matters: dict[DocumentKind, JointDocument] = field(
        default_factory=lambda: {k: JointDocument(k) for k in KEY_MATTERS}
    )
    #: Each participating body's lead inspector and senior-level oversight, by body code.
    key_people: dict[str, KeyPeople] = field(default_factory=dict)
    recommendations: list[Recommendation] = field(default_factory=list)
    fieldwork_team: tuple[str, ...] = ()  # usernames: who may not sign off the FA check
    factual_accuracy: FactualAccuracyCheck | None = None
    publication: Publication = field(default_factory=Publication)
    rating: str | None = None
    #: The latest change of participants proposed, open or closed (None if never).
    participants_proposal: ParticipantsProposal | None = None
    #: The lifecycle version it started under: its transition table for life.
    lifecycle_version: int = 1
    version: int = 0
    pending: list[Event] = field(default_factory=list, repr=False, compare=False)

    # -- questions -------------------------------------------------------------------
    @property
    def participants(self) -> tuple[str, ...]:
        """Lead first, then supporting bodies: everyone who must own the report."""
        lead = (self.lead,) if self.lead else ()
        return lead + tuple(b for b in self.supporting if b != self.lead)

    def document(self, kind: DocumentKind) -> JointDocument:
        if kind is DocumentKind.TERMS_OF_REFERENCE:
            return self.terms_of_reference
        if kind is DocumentKind.REPORT:
            return self.report
        return self.matters[kind]

    def unnamed_key_people(self) -> list[str]:
        """Participating bodies that have not named their lead inspector and oversight."""
        return [b for b in self.participants if b not in self.key_people]

    def awaited_decision(self) -> tuple[DocumentKind, list[str]] | None:
        """The document being decided on now and the bodies whose decision is awaited.

        At joint sign-off, the report; in scoping, the terms of reference once a version
        is registered and until every participating body has agreed it. Otherwise None.
        """
        if self.state is Stage.JOINT_SIGNOFF:
            kind = DocumentKind.REPORT
        elif self.state is Stage.SCOPING and self.terms_of_reference.current is not None:
            kind = DocumentKind.TERMS_OF_REFERENCE
        else:
            return None
        doc = self.document(kind)
        if kind is DocumentKind.TERMS_OF_REFERENCE and doc.approved_by_all(self.participants):
            return None
        return kind, doc.outstanding(self.participants)

    def decision_not_owed(self, body: str, kind: DocumentKind, version: str | None) -> str | None:
        """Why ``body`` no longer owes a decision on ``version`` of the ``kind`` document, in
        words; None if it still does. A request or a reminder that is no longer owed is not
        sent."""
        label = kind.label
        decided_in = DECIDED_DURING[kind]
        # A pause stops the clocks, not the decision: the work stream resumes where it was,
        # and nothing would ask the body again, so a request reaching a paused work stream
        # that paused in the decision's state is still sent.
        state = self.paused_from if self.state is Stage.PAUSED else self.state
        if state not in decided_in:
            return (
                f"{self.ref} is in {self.state.value}: decisions on the {label} are taken in "
                f"{' or '.join(s.value for s in decided_in)}"
            )
        if body not in self.participants:
            return f"{body} no longer takes part in {self.ref}"
        doc = self.document(kind)
        if version is None or doc.current != version:
            return f"{label} version {(version or 'none')[:12]} was superseded"
        decided = doc.standing().get(body)
        if decided is not None:
            return f"{body} has decided on {label} version {version[:12]} already ({decided.value})"
        return None

    def open_participants_proposal(self) -> ParticipantsProposal | None:
        p = self.participants_proposal
        return p if p is not None and p.is_open else None

    def check_participants_change(self, lead: str | None, supporting: tuple[str, ...]) -> None:
        """Refuse new participants that drop a body whose decision is awaited, or any new
        participants while a change of participants is open.

        Dropping an awaited body would let the remaining bodies complete a joint decision
        it was asked to take part in, without it having decided: that takes a change of
        participants every remaining body agrees
        (:func:`workflow.domain.change_of_participants.propose`).
        """
        after = set(_participants_of(lead, supporting))
        if lead == self.lead and after == set(self.participants):
            return  # the same bodies: nothing to refuse
        proposal = self.open_participants_proposal()
        if proposal is not None:
            raise Refused(
                f"{self.ref} has an open change of participants (proposal {proposal.number}: "
                f"{proposal.summary()}), awaiting {', '.join(proposal.awaited())}: the lead "
                "and supporting bodies cannot be edited until every remaining body has agreed "
                "it or one has refused it (`cjji streams decide-participants`)"
            )
        awaited = self.awaited_decision()
        if awaited is None:
            return
        kind, bodies = awaited
        dropped = [b for b in bodies if b not in after]
        if not dropped:
            return
        label = kind.value.replace("_", " ")
        when = "at joint sign-off" if kind is DocumentKind.REPORT else "in scoping"
        one = len(dropped) == 1
        them = "it" if one else "them"
        raise Refused(
            f"{self.ref} awaits the decision of {', '.join(dropped)} on the {label} {when}: "
            f"{'it' if one else 'they'} cannot be removed from the lead or supporting bodies "
            f"by an edit; keep {them} and let {them} record a decision (`cjji signoff record`), "
            "or have the lead propose the change with a reason, to be agreed by every body "
            "that remains (`cjji streams propose-participants`)"
        )

    @property
    def open_recommendations(self) -> list[Recommendation]:
        return [r for r in self.recommendations if r.is_open]

    # -- data changes ---------------------------------------------------------------
    def record(self, event: Event) -> None:
        self.pending.append(event)

    def edit(
        self,
        actor: str,
        body: str | None,
        at: datetime,
        *,
        reason: str | None = None,
        **changes: Any,
    ) -> dict[str, Any]:
        """Change editable fields; returns what changed as {field: [old, new]} (encoded)."""
        diff: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in EDITABLE_FIELDS:
                raise ValueError(f"{name} is not an editable field")
            old = encode_field(name, getattr(self, name))
            new = encode_field(name, value)
            if old != new:
                setattr(self, name, value)
                diff[name] = [old, new]
        if diff:
            self.record(
                WorkStreamEdited(actor=actor, body=body, at=at, reason=reason, changes=diff)
            )
        return diff

    def move_to_lifecycle(
        self, version: int, actor: str, body: str | None, at: datetime, reason: str
    ) -> None:
        """Put the work stream under another lifecycle version, deliberately: an audited
        edit, which replay applies like any other (the caller checks the version fits)."""
        if version != self.lifecycle_version:
            self.record(
                WorkStreamEdited(
                    actor=actor,
                    body=body,
                    at=at,
                    reason=reason,
                    changes={"lifecycle_version": [self.lifecycle_version, version]},
                )
            )
            self.lifecycle_version = version

    def carry_to(self, plan: str, actor: str, body: str | None, at: datetime) -> None:
        """Carry the work stream over to another business plan (an audited edit)."""
        if plan != self.plan:
            self.record(
                WorkStreamEdited(actor=actor, body=body, at=at, changes={"plan": [self.plan, plan]})
            )
            self.plan = plan

    def register_document(
        self, kind: DocumentKind, version: str, actor: str, body: str | None, at: datetime
    ) -> bool:
        """Add a new version; False (and nothing recorded) if it is already the current one."""
        doc = self.document(kind)
        if doc.current == version:
            return False
        doc.versions.append(version)
        self.record(
            DocumentRegistered(
                actor=actor,
                body=body,
                at=at,
                from_state=self.state,
                to_state=self.state,
                kind=kind.value,
                version=version,
            )
        )
        return True

    def name_key_people(
        self,
        named_for: str,
        people: KeyPeople,
        actor: str,
        body: str | None,
        at: datetime,
        reason: str | None = None,
    ) -> bool:
        """Record ``named_for``'s lead inspector and senior-level oversight; False (nothing
        recorded) if they are already the ones named. A change keeps who was named before."""
        if named_for not in self.participants:
            raise Refused(
                f"{named_for} does not take part in {self.ref}: its bodies are "
                f"{', '.join(self.participants) or 'not recorded'}"
            )
        if people.lead_inspector == people.senior_oversight:
            raise InvalidInput(
                "the lead inspector and the senior-level oversight must be two different people"
            )
        before = self.key_people.get(named_for)
        if before == people:
            return False
        self.key_people[named_for] = people
        self.record(
            KeyPeopleNamed(
                actor=actor,
                body=body,
                at=at,
                reason=reason,
                named_for=named_for,
                lead_inspector=people.lead_inspector,
                senior_oversight=people.senior_oversight,
                previous=before.encode() if before else None,
            )
        )
        return True

    def record_decision(self, kind: DocumentKind, record: DecisionRecord) -> None:
        doc = self.document(kind)
        doc.check_decision(record.body, record.decision, record.version, record.comment)
        record = replace(record, round=doc.round)
        doc.decisions.append(record)
        self.record(
            DecisionRecorded(
                actor=record.actor,
                body=record.body,
                at=record.at,
                from_state=self.state,
                to_state=self.state,
                reason=record.comment,
                kind=kind.value,
                decision=record.decision.value,
                version=record.version,
                round=record.round,
            )
        )

    def drain(self) -> list[Event]:
        events, self.pending = self.pending, []
        return events

    # -- snapshots -------------------------------------------------------------------
    def creation_fields(self) -> dict[str, Any]:
        """What a ``created`` event carries: enough for replay to start from."""
        return {
            "ref": self.ref,
            "title": self.title,
            "kind": self.kind.value,
            "plan": self.plan,
            "parent_ref": self.parent_ref,
            "origin_ref": self.origin_ref,
            **{name: encode_field(name, getattr(self, name)) for name in EDITABLE_FIELDS},
            # Written only from version 2 on: a version 1 stream's ``created`` event is
            # spelt, and hashed, exactly as before lifecycles had versions.
            **(
                {"lifecycle_version": self.lifecycle_version} if self.lifecycle_version != 1 else {}
            ),
        }

    def encoded_documents(self) -> dict[str, Any]:
        # The other key matters only once they have a version: a stream that never had
        # one is stored, and compared with its replay, exactly as before they existed.
        docs = (self.terms_of_reference, self.report, *self.matters.values())
        return {
            doc.kind.value: {
                "versions": list(doc.versions),
                "decisions": [encode_decision(d) for d in doc.decisions],
            }
            for doc in docs
            if doc.kind in (DocumentKind.TERMS_OF_REFERENCE, DocumentKind.REPORT) or doc.versions
        }

    def snapshot(self) -> dict[str, Any]:
        """Every persistent field as plain JSON data: what storage and replay must agree on."""
        return {
            **self.creation_fields(),
            "lifecycle_version": self.lifecycle_version,
            "state": self.state.value,
            "paused_from": self.paused_from.value if self.paused_from else None,
            "paused_at": self.paused_at.isoformat() if self.paused_at else None,
            "paused_seconds": self.paused_seconds,
            "withdrawn_reason": self.withdrawn_reason,
            "scoping_decision": self.scoping_decision.value if self.scoping_decision else None,
            "documents": self.encoded_documents(),
            "recommendations": [encode_recommendation(r) for r in self.recommendations],
            "factual_accuracy": encode_check(self.factual_accuracy),
            "publication": encode_publication(self.publication),
            "rating": self.rating,
            "participants_proposal": encode_proposal(self.participants_proposal),
            "key_people": encode_key_people(self.key_people),
        }


def _participants_of(lead: str | None, supporting: tuple[str, ...]) -> tuple[str, ...]:
    return ((lead,) if lead else ()) + tuple(b for b in supporting if b != lead)


def encode_field(name: str, value: Any) -> Any:
    if name in ("supporting", "missing", "fieldwork_team"):
        return list(value)
    if name == "expected_publication":
        if value is None:
            return None
        return {
            "text": value.text,
            "earliest": value.earliest.isoformat() if value.earliest else None,
            "latest": value.latest.isoformat() if value.latest else None,
        }
    if isinstance(value, (Jurisdiction, Priority)):
        return value.value
    return value


def encode_decision(d: DecisionRecord) -> dict[str, Any]:
    return {
        "body": d.body,
        "actor": d.actor,
        "decision": d.decision.value,
        "version": d.version,
        "at": d.at.isoformat(),
        "comment": d.comment,
        "round": d.round,
    }


__all__ = ["EDITABLE_FIELDS", "Decision", "WorkStream", "encode_field"]
