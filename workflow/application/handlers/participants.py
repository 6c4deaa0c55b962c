"""A change of participants: the lead proposes, every body that remains agrees, and the last
agreement applies it in its own transaction (the rules: :mod:`workflow.domain.participants`).

Applying it is an audited edit of the lead and supporting bodies, so the deadline ledger
closes what the dropped bodies owed, as after any edit. Here, besides: the decision
requests still waiting in the outbox for a dropped body are withdrawn (done, with a
``notification_skipped`` event saying why), and at joint sign-off a change that leaves
only bodies that have approved completes the sign-off, since no later approval will come
to do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from workflow.application.commands import ProposeParticipants, RecordParticipantsDecision
from workflow.application.context import Context
from workflow.application.handlers.reactions import REQUEST_DECISION
from workflow.application.handlers.streams import check_nations
from workflow.application.inputs import choice
from workflow.application.jobs.outbox import mark_done
from workflow.domain import change_of_participants as change
from workflow.domain import lifecycle
from workflow.domain.events import NotificationSkipped, ParticipantsProposalChanged, Transitioned
from workflow.domain.guards import MoveContext
from workflow.domain.participants import ProposalDecision, ProposalOutcome
from workflow.domain.stages import TERMINAL_STAGES, Stage, Trigger
from workflow.domain.workstream import WorkStream
from workflow.store.tables import OutboxRow

SYSTEM = "system"


@dataclass(frozen=True)
class ProposalResult:
    stream: WorkStream
    number: int
    outcome: ProposalOutcome | None  # None while remaining bodies are still awaited
    moved_to: Stage | None  # joint sign-off completed by the change


def propose_participants(cmd: ProposeParticipants, ctx: Context) -> ProposalResult:
    ws = ctx.uow.streams.get(cmd.key)
    lead = ctx.bodies.code_of(cmd.lead) if cmd.lead else ws.lead
    supporting = ws.supporting
    if cmd.supporting is not None:
        supporting = tuple(dict.fromkeys(ctx.bodies.codes(cmd.supporting)))
    after = ((lead,) if lead else ()) + tuple(b for b in supporting if b != lead)
    check_nations(ctx.bodies, ws.ref, after, ws.jurisdiction)
    actor, now = ctx.actor, ctx.clock()
    proposal = change.propose(ws, lead, supporting, cmd.reason, actor.name, actor.body, now)
    moved = _complete_signoff(ws, actor.name, actor.body, now, proposal.number)
    return ProposalResult(ws, proposal.number, proposal.outcome, moved)


def record_participants_decision(cmd: RecordParticipantsDecision, ctx: Context) -> ProposalResult:
    """The policy has checked that the actor is a signatory or deputy of ``cmd.body`` and
    that the body takes part; the domain checks the proposal and that the body remains."""
    decision: ProposalDecision = choice(ProposalDecision, cmd.decision, "decision")
    body = ctx.bodies.code_of(cmd.body)
    ws = ctx.uow.streams.get(cmd.key)
    now = ctx.clock()
    outcome = change.decide(ws, cmd.number, body, decision, ctx.actor.name, now, cmd.comment)
    moved = None
    if outcome is ProposalOutcome.APPLIED:
        check_nations(ctx.bodies, ws.ref, ws.participants, ws.jurisdiction)
        moved = _complete_signoff(ws, ctx.actor.name, body, now, cmd.number)
    return ProposalResult(ws, cmd.number, outcome, moved)


def _complete_signoff(
    ws: WorkStream, actor: str, body: str | None, now: datetime, number: int
) -> Stage | None:
    """An applied change at joint sign-off that leaves only bodies that have approved the
    report completes the sign-off now: no later approval would come to do it."""
    proposal = ws.participants_proposal
    applied = proposal is not None and proposal.outcome is ProposalOutcome.APPLIED
    if not applied or ws.state is not Stage.JOINT_SIGNOFF:
        return None
    if not ws.report.approved_by_all(ws.participants):
        return None
    reason = f"every participating body approved (after change of participants {number})"
    return lifecycle.fire(ws, Trigger.COMPLETE_SIGNOFF, MoveContext(actor, body, now, reason))


# -- event handlers ----------------------------------------------------------------------
def withdraw_requests_of_dropped_bodies(
    event: ParticipantsProposalChanged, ws: WorkStream, ctx: Context
) -> None:
    """Decision requests not yet delivered to a body the change dropped are not sent."""
    if event.change != ProposalOutcome.APPLIED:
        return
    dropped = set(event.payload.get("dropped", ()))
    if not dropped:
        return
    rows = ctx.uow.session.exec(
        select(OutboxRow).where(
            col(OutboxRow.task) == REQUEST_DECISION,
            col(OutboxRow.stream_ref) == ws.ref,
            col(OutboxRow.done_at).is_(None),
        )
    ).all()
    number = event.proposal.get("number")
    for row in rows:
        if row.payload.get("body") not in dropped:
            continue
        mark_done(ctx.uow.session, row.id, event.at)
        why = (
            f"withdrawn: {row.payload['body']} no longer takes part in {ws.ref} "
            f"(change of participants {number})"
        )
        ws.record(
            NotificationSkipped(
                actor=event.actor,
                body=row.payload["body"],
                at=event.at,
                outbox_id=row.id,
                task=row.task,
                why=why,
                detail={k: v for k, v in row.payload.items() if k != "ref"},
            )
        )


def lapse_on_ending(event: Transitioned, ws: WorkStream, ctx: Context) -> None:
    """A change still open when the work stream is closed or withdrawn lapses."""
    if Stage(event.to_state or "") in TERMINAL_STAGES:
        why = f"the work stream was {event.to_state} before every remaining body agreed"
        change.lapse(ws, event.actor, event.body, event.at, why)


HANDLERS = {
    ProposeParticipants: propose_participants,
    RecordParticipantsDecision: record_participants_decision,
}
