"""The factual accuracy check: the inspected bodies read the draft before joint sign-off.

Their comments are recorded one by one; each gets a disposition. The check is complete
when every comment has one and a member of the lead body who was not on the fieldwork
team signs it off (a second pair of eyes on the team's own findings). A new draft version
follows from it when any comment was accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflow.domain.errors import InvalidInput, NotFound, NotPermitted, Refused


class Disposition(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EVIDENCE_REQUESTED = "evidence_requested"


@dataclass(frozen=True, slots=True)
class FaComment:
    number: int
    party: str  # the inspected body that made it, as it signs itself
    text: str
    disposition: Disposition | None = None
    reason: str | None = None
    disposed_by: str | None = None


@dataclass
class FactualAccuracyCheck:
    version: str  # the draft version sent to the inspected bodies
    started_on: date
    parties: tuple[str, ...]
    due_on: date | None = None
    comments: list[FaComment] = field(default_factory=list)
    completed_by: str | None = None
    completed_at: datetime | None = None

    @property
    def complete(self) -> bool:
        return self.completed_by is not None

    def undisposed(self) -> list[int]:
        return [c.number for c in self.comments if c.disposition is None]

    def accepted_any(self) -> bool:
        return any(c.disposition is Disposition.ACCEPTED for c in self.comments)

    def add_comment(self, party: str, text: str) -> FaComment:
        self._must_be_open()
        if not text.strip() or not party.strip():
            raise InvalidInput("a factual accuracy comment needs the party and its text")
        sent_to = {p.strip().casefold(): p for p in self.parties}
        if party.strip().casefold() not in sent_to:
            raise Refused(
                f"{party.strip()!r} was not sent the draft for this factual accuracy check: "
                f"record comments from {', '.join(self.parties)} only, or start a new check "
                "that includes it (`cjji fa start --party …`)"
            )
        party = sent_to[party.strip().casefold()]
        comment = FaComment(len(self.comments) + 1, party.strip(), text.strip())
        self.comments.append(comment)
        return comment

    def dispose(
        self, number: int, disposition: Disposition, reason: str | None, by: str
    ) -> FaComment:
        self._must_be_open()
        if not 1 <= number <= len(self.comments):
            raise NotFound(f"no factual accuracy comment {number} (there are {len(self.comments)})")
        if disposition is Disposition.REJECTED and not (reason and reason.strip()):
            raise InvalidInput(f"comment {number}: a rejection needs a reason")
        comment = replace(
            self.comments[number - 1],
            disposition=disposition,
            reason=(reason or "").strip() or None,
            disposed_by=by,
        )
        self.comments[number - 1] = comment
        return comment

    def sign_off(self, by: str, at: datetime, fieldwork_team: tuple[str, ...]) -> None:
        self._must_be_open()
        waiting = self.undisposed()
        if waiting:
            raise Refused(
                f"comment(s) {', '.join(map(str, waiting))} have no disposition: "
                "accept, reject with a reason or ask for evidence first"
            )
        if by in fieldwork_team:
            raise NotPermitted(
                f"{by} was on the fieldwork team: the check is signed by a "
                "member of the lead body who was not"
            )
        self.completed_by, self.completed_at = by, at

    def _must_be_open(self) -> None:
        if self.complete:
            raise Refused("the factual accuracy check is complete: start a new one for a new draft")


def encode_check(check: FactualAccuracyCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "version": check.version,
        "started_on": check.started_on.isoformat(),
        "parties": list(check.parties),
        "due_on": check.due_on.isoformat() if check.due_on else None,
        "comments": [
            {
                "number": c.number,
                "party": c.party,
                "text": c.text,
                "disposition": c.disposition.value if c.disposition else None,
                "reason": c.reason,
                "disposed_by": c.disposed_by,
            }
            for c in check.comments
        ],
        "completed_by": check.completed_by,
        "completed_at": check.completed_at.isoformat() if check.completed_at else None,
    }


def decode_check(data: dict[str, Any] | None) -> FactualAccuracyCheck | None:
    if not data:
        return None
    return FactualAccuracyCheck(
        version=data["version"],
        started_on=date.fromisoformat(data["started_on"]),
        parties=tuple(data["parties"]),
        due_on=date.fromisoformat(data["due_on"]) if data.get("due_on") else None,
        comments=[
            FaComment(
                c["number"],
                c["party"],
                c["text"],
                Disposition(c["disposition"]) if c.get("disposition") else None,
                c.get("reason"),
                c.get("disposed_by"),
            )
            for c in data["comments"]
        ],
        completed_by=data.get("completed_by"),
        completed_at=datetime.fromisoformat(data["completed_at"])
        if data.get("completed_at")
        else None,
    )
