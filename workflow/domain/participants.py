"""A change of participants agreed by every body that remains: the one audited way to drop
a body (or hand over the lead) while a joint decision awaits it.

"Singly led but jointly owned" means the lead cannot take a body off a report that body
has been asked to own. So the lead *proposes* new participants, with a reason, and the
proposal is itself a joint decision, owed by every body that takes part now and would
still take part after the change (the *remaining* bodies):

- the lead's proposal counts as the lead body's agreement, when the lead remains;
- each other remaining body's signatory or deputy agrees or refuses, for its own body;
- the last agreement applies the change, in its own transaction;
- a refusal by any remaining body closes the proposal and nothing changes;
- a body the change would drop has no say on it, and a body it would add is asked for
  the documents' decisions once it takes part, as after any edit that adds a body;
- a proposal still open when the work stream is closed or withdrawn lapses.

Each proposal has a number (1, 2, … per work stream); a decision names it, as a decision
on a document names its version, so an agreement cannot drift onto a proposal its
signatory has not read. The work stream keeps its latest proposal, open or closed; the
audit trail keeps them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from workflow.domain.errors import InvalidInput, Refused, StaleVersion


class ProposalDecision(StrEnum):
    AGREE = "agree"
    REFUSE = "refuse"


class ProposalOutcome(StrEnum):
    APPLIED = "applied"  # every remaining body agreed
    REFUSED = "refused"  # a remaining body refused
    LAPSED = "lapsed"  # the work stream was closed or withdrawn first


@dataclass(frozen=True, slots=True)
class ProposalAnswer:
    """One remaining body's decision on a proposal."""

    body: str
    actor: str
    decision: ProposalDecision
    at: datetime
    comment: str | None = None


@dataclass
class ParticipantsProposal:
    """New participants proposed by the lead, and the remaining bodies' decisions on them."""

    number: int
    lead: str | None
    supporting: tuple[str, ...]
    reason: str
    proposed_by: str
    proposed_at: datetime
    lead_before: str | None
    supporting_before: tuple[str, ...]
    answers: list[ProposalAnswer] = field(default_factory=list)
    outcome: ProposalOutcome | None = None
    closed_at: datetime | None = None

    # -- questions -------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def participants(self) -> tuple[str, ...]:
        """The participants after the change: lead first, then supporting bodies."""
        return _participants(self.lead, self.supporting)

    @property
    def participants_before(self) -> tuple[str, ...]:
        return _participants(self.lead_before, self.supporting_before)

    @property
    def remaining(self) -> tuple[str, ...]:
        """The bodies that take part before and after: they decide on the change."""
        after = set(self.participants)
        return tuple(b for b in self.participants_before if b in after)

    @property
    def dropped(self) -> tuple[str, ...]:
        after = set(self.participants)
        return tuple(b for b in self.participants_before if b not in after)

    @property
    def added(self) -> tuple[str, ...]:
        before = set(self.participants_before)
        return tuple(b for b in self.participants if b not in before)

    def agreed(self) -> list[str]:
        """Remaining bodies that agree, in the order they take part."""
        agreeing = {a.body for a in self.answers if a.decision is ProposalDecision.AGREE}
        return [b for b in self.remaining if b in agreeing]

    def awaited(self) -> list[str]:
        agreeing = set(self.agreed())
        return [b for b in self.remaining if b not in agreeing]

    # -- changes -----------------------------------------------------------------------
    def answer(self, number: int, answer: ProposalAnswer) -> None:
        """Record a remaining body's decision; refuse one that would not mean what its
        author thinks it means."""
        if not self.is_open:
            raise Refused(
                f"proposal {self.number} was {self.outcome}: there is no open change of "
                "participants to decide on"
            )
        if number != self.number:
            raise StaleVersion(
                f"the decision names proposal {number}; the open change of participants is "
                f"proposal {self.number}: read it and decide on that one"
            )
        if answer.body not in self.remaining:
            raise Refused(
                f"{answer.body} would be dropped by proposal {self.number}: only the bodies "
                f"that remain ({', '.join(self.remaining)}) decide on it"
            )
        if answer.decision is ProposalDecision.REFUSE and not (
            answer.comment and answer.comment.strip()
        ):
            raise InvalidInput("a refusal needs a comment saying why")
        if answer.decision is ProposalDecision.AGREE and answer.body in self.agreed():
            raise Refused(f"{answer.body} has agreed proposal {self.number} already")
        self.answers.append(answer)

    def close(self, outcome: ProposalOutcome, at: datetime) -> None:
        self.outcome, self.closed_at = outcome, at

    def summary(self) -> str:
        """The change in words, for refusals and messages."""
        parts = []
        if self.lead != self.lead_before:
            parts.append(f"lead {self.lead_before or 'none'} → {self.lead or 'none'}")
        if self.dropped:
            parts.append(f"drop {', '.join(self.dropped)}")
        if self.added:
            parts.append(f"add {', '.join(self.added)}")
        return "; ".join(parts) or "no change"


def _participants(lead: str | None, supporting: tuple[str, ...]) -> tuple[str, ...]:
    head = (lead,) if lead else ()
    return head + tuple(b for b in supporting if b != lead)


def encode_proposal(p: ParticipantsProposal | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "number": p.number,
        "lead": p.lead,
        "supporting": list(p.supporting),
        "reason": p.reason,
        "proposed_by": p.proposed_by,
        "proposed_at": p.proposed_at.isoformat(),
        "lead_before": p.lead_before,
        "supporting_before": list(p.supporting_before),
        "answers": [
            {
                "body": a.body,
                "actor": a.actor,
                "decision": a.decision.value,
                "at": a.at.isoformat(),
                "comment": a.comment,
            }
            for a in p.answers
        ],
        "outcome": p.outcome.value if p.outcome else None,
        "closed_at": p.closed_at.isoformat() if p.closed_at else None,
    }


def decode_proposal(data: dict[str, Any] | None) -> ParticipantsProposal | None:
    if not data:
        return None
    return ParticipantsProposal(
        number=int(data["number"]),
        lead=data.get("lead"),
        supporting=tuple(data["supporting"]),
        reason=data["reason"],
        proposed_by=data["proposed_by"],
        proposed_at=datetime.fromisoformat(data["proposed_at"]),
        lead_before=data.get("lead_before"),
        supporting_before=tuple(data["supporting_before"]),
        answers=[
            ProposalAnswer(
                a["body"],
                a["actor"],
                ProposalDecision(a["decision"]),
                datetime.fromisoformat(a["at"]),
                a.get("comment"),
            )
            for a in data["answers"]
        ],
        outcome=ProposalOutcome(data["outcome"]) if data.get("outcome") else None,
        closed_at=datetime.fromisoformat(data["closed_at"]) if data.get("closed_at") else None,
    )


__all__ = [
    "ParticipantsProposal",
    "ProposalAnswer",
    "ProposalDecision",
    "ProposalOutcome",
    "decode_proposal",
    "encode_proposal",
]
