"""Decisions that every participating body must take on one version of a document.

One mechanism serves every key matter on which the lead makes no unilateral decision (CJJI
standard methodology, 2024): the terms of reference (scope) and the methodology, agreed in
scoping; the findings and judgements; the report (joint sign-off); the recommendations;
and the publication arrangements (date and time, embargo recipients). A version is named by
the hash of its content; a decision names the version it applies to, so an approval can
never drift onto a text the body has not read. Registering a new version voids every
standing decision, because they were taken on another text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflow.domain.errors import InvalidInput, Refused, StaleVersion
from workflow.domain.stages import Stage


class DocumentKind(StrEnum):
    TERMS_OF_REFERENCE = "terms_of_reference"
    REPORT = "report"
    METHODOLOGY = "methodology"
    FINDINGS = "findings"
    RECOMMENDATIONS = "recommendations"
    PUBLICATION_ARRANGEMENTS = "publication_arrangements"

    @property
    def label(self) -> str:
        """How a sentence names it: "the findings and judgements", "the methodology"."""
        return LABELS[self]


LABELS: dict[DocumentKind, str] = {
    DocumentKind.TERMS_OF_REFERENCE: "terms of reference",
    DocumentKind.REPORT: "report",
    DocumentKind.METHODOLOGY: "methodology",
    DocumentKind.FINDINGS: "findings and judgements",
    DocumentKind.RECOMMENDATIONS: "recommendations",
    DocumentKind.PUBLICATION_ARRANGEMENTS: "publication arrangements",
}

#: The key matters added by lifecycle version 2 (the two first ones have fields of their own).
KEY_MATTERS = (
    DocumentKind.METHODOLOGY,
    DocumentKind.FINDINGS,
    DocumentKind.RECOMMENDATIONS,
    DocumentKind.PUBLICATION_ARRANGEMENTS,
)


#: The one state in which each document is decided on: every participating body agrees
#: the terms of reference in scoping, and owns the report at joint sign-off.
DECIDED_IN: dict[DocumentKind, Stage] = {
    DocumentKind.TERMS_OF_REFERENCE: Stage.SCOPING,
    DocumentKind.REPORT: Stage.JOINT_SIGNOFF,
}
#: The document decided on in a state (the same rule, read the other way).
DOCUMENT_DECIDED_IN: dict[Stage, DocumentKind] = {s: k for k, s in DECIDED_IN.items()}

#: The states in which decisions on each document are taken. Deadlines and reminders
#: follow :data:`DECIDED_IN` (the terms of reference and the report); the other key
#: matters are decided while the work they settle is in hand, before the move that
#: needs them (workflow/domain/guards.py).
DECIDED_DURING: dict[DocumentKind, tuple[Stage, ...]] = {
    DocumentKind.TERMS_OF_REFERENCE: (Stage.SCOPING,),
    DocumentKind.METHODOLOGY: (Stage.SCOPING,),
    DocumentKind.FINDINGS: (Stage.FIELDWORK, Stage.DRAFTING),
    DocumentKind.REPORT: (Stage.JOINT_SIGNOFF,),
    DocumentKind.RECOMMENDATIONS: (Stage.DRAFTING, Stage.JOINT_SIGNOFF, Stage.PUBLICATION),
    DocumentKind.PUBLICATION_ARRANGEMENTS: (
        Stage.DRAFTING,
        Stage.JOINT_SIGNOFF,
        Stage.PUBLICATION,
    ),
}
#: The states in which a new version may be registered: where it is decided, and for the
#: report also drafting (a draft is written before sign-off starts).
REGISTERED_DURING: dict[DocumentKind, tuple[Stage, ...]] = {
    **DECIDED_DURING,
    DocumentKind.REPORT: (Stage.DRAFTING, Stage.JOINT_SIGNOFF),
}


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REVOKE = "revoke"


def content_hash(content: bytes) -> str:
    """The version name of a document: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    body: str
    actor: str
    decision: Decision
    version: str
    at: datetime
    comment: str | None = None
    #: Which registration (index into ``versions``) the decision was taken on: a text
    #: registered again later is a new round, and earlier decisions on it do not count.
    round: int = -1


@dataclass
class JointDocument:
    """The versions of one document of a work stream and the decisions taken on them."""

    kind: DocumentKind
    versions: list[str] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How a sentence names the document (a subclass may name another kind of text)."""
        return self.kind.label

    @property
    def current(self) -> str | None:
        return self.versions[-1] if self.versions else None

    @property
    def round(self) -> int:
        return len(self.versions) - 1

    def standing(self) -> dict[str, Decision]:
        """Each body's standing decision on the current registration (a revoke clears it)."""
        result: dict[str, Decision] = {}
        for record in self.decisions:
            if record.version != self.current or record.round != self.round:
                continue
            if record.decision is Decision.REVOKE:
                result.pop(record.body, None)
            else:
                result[record.body] = record.decision
        return result

    def voided_approval(self, body: str) -> DecisionRecord | None:
        """``body``'s approval that a later registration voided: its last decision, if that
        was an approval taken on an earlier round (a request for changes or a revoke since
        means there is no approval left to void). What changed since is what it must read."""
        last = next((r for r in reversed(self.decisions) if r.body == body), None)
        if last is None or last.decision is not Decision.APPROVE or last.round == self.round:
            return None
        return last

    def approvals(self) -> set[str]:
        return {b for b, d in self.standing().items() if d is Decision.APPROVE}

    def outstanding(self, participants: Iterable[str]) -> list[str]:
        """Bodies that have not approved the current version, in the order given."""
        approved = self.approvals()
        return [b for b in participants if b not in approved]

    def approved_by_all(self, participants: Iterable[str]) -> bool:
        bodies = list(participants)
        return self.current is not None and bool(bodies) and not self.outstanding(bodies)

    def check_decision(
        self, body: str, decision: Decision, version: str, comment: str | None
    ) -> None:
        """Refuse a decision that would not mean what its author thinks it means."""
        label = self.label
        if self.current is None:
            raise Refused(f"no {label} version is registered yet: register one before deciding")
        if len(version) != 64:
            raise InvalidInput(
                f"give the full 64-character version hash (the current {label} version is "
                f"{self.current})"
            )
        if version != self.current:
            known = "an earlier" if version in self.versions else "an unknown"
            raise StaleVersion(
                f"{body}'s decision names {known} {label} version {version[:12]}; the current "
                f"version is {self.current[:12]}: read it and decide on that version"
            )
        if decision is Decision.REQUEST_CHANGES and not (comment and comment.strip()):
            raise InvalidInput("a request for changes needs a comment saying what to change")
        if decision is Decision.REVOKE and self.standing().get(body) is not Decision.APPROVE:
            raise Refused(f"{body} has no approval of version {version[:12]} to revoke")
