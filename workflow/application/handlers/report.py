"""Handlers of the report's journey: factual accuracy, recommendations, publication,
rating. Each loads the work stream under its lock and applies one domain rule; the bus
has checked who may send the command and commits once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    AddRecommendation,
    CarryRecommendation,
    CloseRecommendation,
    DisposeFactualAccuracyComment,
    FireTrigger,
    Publish,
    RecordRating,
    RecordUrgentNotification,
    RespondToRecommendation,
    ReviewRecommendation,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.context import Context
from workflow.application.deadline_ledger import rule_due
from workflow.application.handlers.streams import fire_trigger
from workflow.application.inputs import choice
from workflow.application.queries.people import find_user
from workflow.application.queries.report import SEND_EMBARGO_TASK
from workflow.domain import report_journey as journey
from workflow.domain.errors import InvalidInput, Refused
from workflow.domain.factual_accuracy import Disposition
from workflow.domain.publication import EmbargoRecipient, RecipientKind
from workflow.domain.recommendations import (
    Progress,
    Recommendation,
    RecommendationType,
    Response,
    Review,
    StatutoryClock,
)
from workflow.domain.stages import Stage
from workflow.domain.working_days import london_date
from workflow.domain.workstream import WorkStream

#: The rules of config/deadlines.yaml that give the check's and the embargo's dates.
FA_RULE, EMBARGO_RULE = "factual_accuracy_check", "embargoed_copy"
#: The worker's task that mails each embargo recipient their link.
SEND_EMBARGO = SEND_EMBARGO_TASK


# -- factual accuracy ------------------------------------------------------------------
def start_factual_accuracy(cmd: StartFactualAccuracy, ctx: Context) -> date:
    """Returns the day the comments are due."""
    ws, now, actor = ctx.uow.streams.get(cmd.key), ctx.clock(), ctx.actor
    stream_id = ctx.uow.streams.id_of(ws.ref)
    due = cmd.due_on or rule_due(ctx.uow.session, ws, stream_id, FA_RULE, london_date(now))
    parties = tuple(p.strip() for p in cmd.parties if p.strip())
    journey.start_factual_accuracy(ws, parties, due, actor.name, actor.body, now)
    return due


def add_fa_comment(cmd: AddFactualAccuracyComment, ctx: Context) -> int:
    """Returns the comment's number."""
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    return journey.add_fa_comment(ws, cmd.party, cmd.text, actor.name, actor.body, ctx.clock())


def dispose_fa_comment(cmd: DisposeFactualAccuracyComment, ctx: Context) -> None:
    verdict: Disposition = choice(Disposition, cmd.disposition, "disposition")
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    journey.dispose_fa_comment(
        ws, cmd.number, verdict, cmd.reason, actor.name, actor.body, ctx.clock()
    )


def sign_off_factual_accuracy(cmd: SignOffFactualAccuracy, ctx: Context) -> None:
    """Signed by a member of the lead body (the policy's row); the domain checks that they
    were not on the fieldwork team, which names people of the directory by username."""
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    journey.sign_off_factual_accuracy(ws, actor.name, actor.body, ctx.clock())


def set_fieldwork_team(cmd: SetFieldworkTeam, ctx: Context) -> None:
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    for name in cmd.usernames:
        user = find_user(ctx.uow.session, name)
        if user is None or user.body not in ws.participants:
            raise InvalidInput(f"{name!r} is not a user of a body taking part in {ws.ref}")
    ws.edit(actor.name, actor.body, ctx.clock(), fieldwork_team=tuple(dict.fromkeys(cmd.usernames)))


# -- recommendations -------------------------------------------------------------------
def add_recommendation(cmd: AddRecommendation, ctx: Context) -> Recommendation:
    rec = Recommendation(
        0,
        cmd.text.strip(),
        cmd.addressed_to.strip(),
        choice(RecommendationType, cmd.type, "type"),
        clock=choice(StatutoryClock, cmd.clock, "statutory clock"),
    )
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    return journey.add_recommendation(ws, rec, actor.name, actor.body, ctx.clock())


def _change_rec(
    ctx: Context,
    key: str,
    number: int,
    change_name: str,
    apply: Callable[[Recommendation, WorkStream, datetime], Recommendation],
) -> None:
    ws, now, actor = ctx.uow.streams.get(key), ctx.clock(), ctx.actor
    new = apply(journey.recommendation(ws, number), ws, now)
    journey.change_recommendation(ws, new, change_name, actor.name, actor.body, now)


def respond_to_recommendation(cmd: RespondToRecommendation, ctx: Context) -> None:
    verdict: Response = choice(Response, cmd.response, "response")
    _change_rec(
        ctx,
        cmd.key,
        cmd.number,
        "responded",
        lambda r, ws, now: r.respond(verdict, cmd.owner, cmd.action_plan, cmd.due),
    )


def review_recommendation(cmd: ReviewRecommendation, ctx: Context) -> None:
    progress: Progress = choice(Progress, cmd.judgement, "judgement")
    who = ctx.actor.name
    _change_rec(
        ctx,
        cmd.key,
        cmd.number,
        "reviewed",
        lambda r, ws, now: r.review(Review(london_date(now), progress, who, cmd.note.strip())),
    )


def close_recommendation(cmd: CloseRecommendation, ctx: Context) -> None:
    _change_rec(
        ctx,
        cmd.key,
        cmd.number,
        "closed",
        lambda r, ws, now: r.close(cmd.evidence, london_date(now)),
    )


def carry_recommendation(cmd: CarryRecommendation, ctx: Context) -> None:
    """Close it here as carried and open it on the work stream that takes it on (loaded
    with its lock, and changed in the same transaction), so it is followed up there and
    shows in the register under that work stream."""
    source = ctx.uow.streams.get(cmd.key)
    target = ctx.uow.streams.get(cmd.into)
    if target.ref == source.ref:
        raise InvalidInput("a recommendation is carried into another work stream")
    if target.state in (Stage.CLOSED, Stage.WITHDRAWN):
        raise Refused(f"{target.ref} is {target.state.value}: carry into open work")
    carried = journey.recommendation(source, cmd.number)
    _change_rec(
        ctx,
        cmd.key,
        cmd.number,
        "carried",
        lambda r, ws, now: r.carry(target.ref, london_date(now)),
    )
    actor = ctx.actor
    journey.receive_carried_recommendation(
        target, carried, source.ref, actor.name, actor.body, ctx.clock()
    )


# -- publication ------------------------------------------------------------------------
def schedule_publication(cmd: SchedulePublication, ctx: Context) -> date:
    """Returns the day the embargoed copy is due."""
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    stream_id = ctx.uow.streams.id_of(ws.ref)
    embargo_on = rule_due(ctx.uow.session, ws, stream_id, EMBARGO_RULE, london_date(cmd.when))
    journey.schedule_publication(ws, cmd.when, embargo_on, actor.name, actor.body, ctx.clock())
    return embargo_on


def add_embargo_recipient(cmd: AddEmbargoRecipient, ctx: Context) -> None:
    recipient = EmbargoRecipient(
        cmd.name.strip(), cmd.email.strip(), choice(RecipientKind, cmd.kind, "recipient kind")
    )
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    journey.add_embargo_recipient(ws, recipient, actor.name, actor.body, ctx.clock())


def send_embargoed_copy(cmd: SendEmbargoedCopy, ctx: Context) -> int:
    """Record the embargo as sent and ask the worker to mail each recipient their link;
    returns how many recipients there are. The engine sends it for the lead."""
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    body = ws.lead if ctx.who.engine else actor.body
    journey.mark_embargo_sent(ws, actor.name, body, ctx.clock())
    ctx.uow.enqueue(SEND_EMBARGO, {"ref": ws.ref, "version": ws.report.current}, ws.ref)
    return len(ws.publication.recipients)


def publish(cmd: Publish, ctx: Context) -> WorkStream:
    """The ``publish`` move, with the URL and the version every body approved; before the
    scheduled time, only with the lead's reason for an early release (kept as the move's
    reason in the audit trail)."""
    early = (cmd.early_release_reason or "").strip()
    reason = f"early release: {early}" if early else None
    return fire_trigger(
        FireTrigger(
            key=cmd.key, trigger="publish", url=cmd.url, version=cmd.version, reason=reason
        ),
        ctx,
    )


def record_urgent_notification(cmd: RecordUrgentNotification, ctx: Context) -> None:
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    journey.record_urgent_notification(ws, cmd.on, actor.name, actor.body, ctx.clock())


def record_rating(cmd: RecordRating, ctx: Context) -> str:
    """Returns the grade as recorded."""
    ws, actor = ctx.uow.streams.get(cmd.key), ctx.actor
    return journey.record_rating(ws, cmd.grade, actor.name, actor.body, ctx.clock())


HANDLERS = {
    StartFactualAccuracy: start_factual_accuracy,
    AddFactualAccuracyComment: add_fa_comment,
    DisposeFactualAccuracyComment: dispose_fa_comment,
    SignOffFactualAccuracy: sign_off_factual_accuracy,
    SetFieldworkTeam: set_fieldwork_team,
    AddRecommendation: add_recommendation,
    RespondToRecommendation: respond_to_recommendation,
    ReviewRecommendation: review_recommendation,
    CloseRecommendation: close_recommendation,
    CarryRecommendation: carry_recommendation,
    SchedulePublication: schedule_publication,
    AddEmbargoRecipient: add_embargo_recipient,
    SendEmbargoedCopy: send_embargoed_copy,
    Publish: publish,
    RecordUrgentNotification: record_urgent_notification,
    RecordRating: record_rating,
}
