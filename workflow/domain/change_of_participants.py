"""Proposing, deciding and applying a change of participants on a work stream.

The rules are those of :mod:`workflow.domain.participants`; these functions apply them to
a :class:`WorkStream`, as :func:`workflow.domain.lifecycle.fire` applies the transition
table, and record one ``participants_proposal_changed`` event for each step. The change
itself is an ordinary audited edit of the lead and supporting bodies (an ``edited``
event whose reason names the proposal), made by the last agreement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.events import ParticipantsProposalChanged
from workflow.domain.participants import (
    ParticipantsProposal,
    ProposalAnswer,
    ProposalDecision,
    ProposalOutcome,
    encode_proposal,
)
from workflow.domain.stages import TERMINAL_STAGES
from workflow.domain.workstream import WorkStream


def propose(
    ws: WorkStream,
    lead: str | None,
    supporting: tuple[str, ...],
    reason: str,
    actor: str,
    body: str | None,
    at: datetime,
) -> ParticipantsProposal:
    """The lead proposes new participants; the proposal counts as the lead body's
    agreement when the lead remains, so it is applied at once if no other body remains."""
    current = ws.participants_proposal
    if current is not None and current.is_open:
        raise Refused(
            f"{ws.ref} has an open change of participants already (proposal "
            f"{current.number}: {current.summary()}): it must be agreed or refused first"
        )
    if ws.state in TERMINAL_STAGES:
        raise Refused(f"{ws.ref} is {ws.state.value}: its participants can no longer change")
    if not (reason and reason.strip()):
        raise InvalidInput("a change of participants needs a reason, saying why")
    if ws.lead is not None and lead is None:
        raise InvalidInput("a change of participants keeps a lead: name the new lead")
    proposal = ParticipantsProposal(
        number=current.number + 1 if current else 1,
        lead=lead,
        supporting=tuple(b for b in dict.fromkeys(supporting) if b != lead),
        reason=reason.strip(),
        proposed_by=actor,
        proposed_at=at,
        lead_before=ws.lead,
        supporting_before=ws.supporting,
    )
    if lead == ws.lead and set(proposal.participants) == set(ws.participants):
        raise InvalidInput(
            f"nothing would change: {ws.ref}'s participants are "
            f"{', '.join(ws.participants) or 'none'} already"
        )
    if not proposal.remaining:
        raise Refused(
            "no body that takes part now would remain: a change of participants is agreed "
            "by the bodies that remain, so at least one must"
        )
    if ws.lead in proposal.remaining:  # the lead's proposal is its agreement
        proposal.answers.append(
            ProposalAnswer(ws.lead, actor, ProposalDecision.AGREE, at, "proposed the change")
        )
    ws.participants_proposal = proposal
    _changed(ws, "proposed", actor, body, at, reason=proposal.reason)
    if not proposal.awaited():
        _apply(ws, proposal, actor, body, at)
    return proposal


def decide(
    ws: WorkStream,
    number: int,
    body: str,
    decision: ProposalDecision,
    actor: str,
    at: datetime,
    comment: str | None = None,
) -> ProposalOutcome | None:
    """A remaining body agrees or refuses proposal ``number``; returns the outcome if this
    decision closed it (the last agreement applies it, any refusal refuses it)."""
    proposal = ws.open_participants_proposal()
    if proposal is None:
        last = ws.participants_proposal
        was = f" (proposal {last.number} was {last.outcome})" if last else ""
        raise Refused(
            f"{ws.ref} has no open change of participants{was}: the lead proposes one "
            "with `cjji streams propose-participants`"
        )
    note = (comment or "").strip() or None
    proposal.answer(number, ProposalAnswer(body, actor, decision, at, note))
    if decision is ProposalDecision.REFUSE:
        proposal.close(ProposalOutcome.REFUSED, at)
        _changed(ws, "refused", actor, body, at, reason=note)
        return ProposalOutcome.REFUSED
    _changed(ws, "agreed", actor, body, at, reason=note)
    if proposal.awaited():
        return None
    _apply(ws, proposal, actor, body, at)
    return ProposalOutcome.APPLIED


def lapse(ws: WorkStream, actor: str, body: str | None, at: datetime, why: str) -> None:
    """Close an open proposal unapplied: the work stream ended before it was agreed."""
    proposal = ws.open_participants_proposal()
    if proposal is not None:
        proposal.close(ProposalOutcome.LAPSED, at)
        _changed(ws, "lapsed", actor, body, at, reason=why)


def _apply(
    ws: WorkStream, proposal: ParticipantsProposal, actor: str, body: str | None, at: datetime
) -> None:
    agreed = ", ".join(proposal.remaining)
    ws.edit(
        actor,
        body,
        at,
        reason=f"change of participants {proposal.number}, agreed by {agreed}: {proposal.reason}",
        lead=proposal.lead,
        supporting=proposal.supporting,
    )
    proposal.close(ProposalOutcome.APPLIED, at)
    _changed(
        ws,
        "applied",
        actor,
        body,
        at,
        dropped=list(proposal.dropped),
        added=list(proposal.added),
    )


def _changed(
    ws: WorkStream,
    change: str,
    actor: str,
    body: str | None,
    at: datetime,
    reason: str | None = None,
    **detail: Any,
) -> None:
    ws.record(
        ParticipantsProposalChanged(
            actor=actor,
            body=body,
            at=at,
            from_state=ws.state,
            to_state=ws.state,
            reason=reason,
            change=change,
            proposal=encode_proposal(ws.participants_proposal) or {},
            detail=detail,
        )
    )


__all__ = ["decide", "lapse", "propose"]
