"""Handlers of the commands on deadlines: extend one, mark one met, record a milestone date,
give a work stream's rule another duration. Each change is audited through the work
stream's deadline ledger (:mod:`workflow.application.deadline_ledger`); who may do each is
the policy's to say (:mod:`workflow.application.policy`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from workflow.application.commands import (
    ExtendDeadline,
    MarkDeadlineMet,
    OverrideDeadlineRule,
    RecordMilestone,
)
from workflow.application.context import Context
from workflow.application.deadline_ledger import Ledger, deadline_config
from workflow.application.queries.deadlines import row_dict
from workflow.domain import deadlines as rules_of
from workflow.domain.errors import InvalidInput, NotFound, Refused
from workflow.domain.events import DeadlineChanged, MilestoneRecorded
from workflow.domain.working_days import Duration, london_date
from workflow.domain.workstream import WorkStream
from workflow.store.deadline_tables import DeadlineRow, MilestoneRow, RuleOverrideRow
from workflow.store.uow import UnitOfWork


def _reason(reason: str | None, what: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput(f"a reason is required to {what}: say why (--reason TEXT)")
    return " ".join(reason.split())


def _ledger(uow: UnitOfWork, ws: WorkStream) -> Ledger:
    """The work stream's ledger; its changes are audited with the work stream, as events
    of no move of its own (the work stream's version stays as it is)."""
    stream_id = uow.streams.id_of(ws.ref)
    return Ledger(uow.session, ws, stream_id, lambda e: uow.record(e, ws.ref))


def _load_for_change(uow: UnitOfWork, deadline_id: int) -> tuple[Ledger, DeadlineRow]:
    """The deadline and its work stream's ledger, locked in the order moves lock them: the
    work stream first, then its deadlines."""
    found = uow.session.get(DeadlineRow, deadline_id)
    if found is None:
        raise NotFound(f"no deadline {deadline_id}: `cjji deadlines list` shows their ids")
    ws = uow.streams.get(found.stream_ref)
    query = select(DeadlineRow).where(col(DeadlineRow.id) == deadline_id)
    if uow.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = uow.session.exec(query.execution_options(populate_existing=True)).one()
    return _ledger(uow, ws), row


def _cause(ctx: Context, ws: WorkStream, reason: str | None = None) -> DeadlineChanged:
    """A person's change to deadlines: what the ledger's own events are caused by."""
    state = ws.state.value
    actor = ctx.actor
    return DeadlineChanged(
        actor=actor.name,
        body=actor.body,
        at=ctx.clock(),
        from_state=state,
        to_state=state,
        reason=reason,
    )


#: How far ahead a deadline may be moved: beyond it a date is a mistake (9999-12-31 once
#: overflowed the working-day arithmetic of the deadlines that run from it).
HORIZON_YEARS = 10


def latest_date(due: date) -> date:
    """The last day a deadline due on ``due`` may be moved to."""
    leap_day = (due.month, due.day) == (2, 29)
    return due.replace(year=due.year + HORIZON_YEARS, day=28 if leap_day else due.day)


def extend(cmd: ExtendDeadline, ctx: Context) -> dict[str, Any]:
    """Move a deadline later, for a reason; the lead body decides. Audited."""
    why = _reason(cmd.reason, "extend a deadline")
    ledger, row = _load_for_change(ctx.uow, cmd.deadline_id)
    if row.closed_at is not None:
        raise Refused(
            f"deadline {cmd.deadline_id} is closed ({row.closed_reason}): nothing to extend"
        )
    if cmd.to <= row.due_on:
        raise InvalidInput(
            f"{cmd.to.isoformat()} is not after the deadline's due date "
            f"{row.due_on.isoformat()}: an extension moves it later"
        )
    # Counted from the due date, not read from the clock: the clock is read once per change.
    horizon = latest_date(row.due_on)
    if cmd.to > horizon:
        raise InvalidInput(
            f"{cmd.to.isoformat()} is more than {HORIZON_YEARS} years after the due date "
            f"{row.due_on.isoformat()}: an extension goes to {horizon.isoformat()} at the latest"
        )
    row.extended_reason = why
    ledger.redate(row, cmd.to, _cause(ctx, ledger.ws, why), "extended", why)
    return row_dict(row, london_date(ctx.clock()))


def mark_met(cmd: MarkDeadlineMet, ctx: Context) -> dict[str, Any]:
    """Close a deadline as met. Audited."""
    ledger, row = _load_for_change(ctx.uow, cmd.deadline_id)
    if row.closed_at is not None:
        raise Refused(f"deadline {cmd.deadline_id} is closed already ({row.closed_reason})")
    note = cmd.note
    why = "met" + (f": {' '.join(note.split())}" if note and note.strip() else "")
    ledger.close([row], why, _cause(ctx, ledger.ws, why))
    return row_dict(row, london_date(ctx.clock()))


def record_milestone(cmd: RecordMilestone, ctx: Context) -> list[dict[str, Any]]:
    """Record a date for a work stream (planned fieldwork or publication, or an event that
    happened); the deadlines that run from it open or move, those it meets close."""
    name = cmd.name
    rules, _ = deadline_config()
    known = rules_of.milestone_names(rules)
    if name in rules_of.JOURNEY_DATES:
        raise InvalidInput(
            f"{name!r} is recorded by the report's journey as it happens, by "
            f"{rules_of.JOURNEY_DATES[name]}: it cannot be recorded by hand"
        )
    if name not in known:
        raise InvalidInput(
            f"{name!r} is not a date the rules use: record one of {', '.join(known)}"
        )
    uow, actor = ctx.uow, ctx.actor
    ws = uow.streams.get(cmd.key)
    stream_id = uow.streams.id_of(ws.ref)
    now = ctx.clock()
    row = uow.session.get(MilestoneRow, (stream_id, name))
    previous = row.on_date.isoformat() if row else None
    row = row or MilestoneRow(
        stream_id=stream_id, name=name, on_date=cmd.on, recorded_at=now, recorded_by=actor.name
    )
    row.on_date, row.recorded_at, row.recorded_by = cmd.on, now, actor.name
    uow.session.add(row)
    cause = MilestoneRecorded(
        actor=actor.name,
        body=actor.body,
        at=now,
        from_state=ws.state.value,
        to_state=ws.state.value,
        reason=cmd.reason,
        milestone=name,
        on=cmd.on.isoformat(),
        previous=previous,
    )
    uow.record(cause, ws.ref)
    uow.session.flush()  # the ledger reads the date just recorded
    ledger = _ledger(uow, ws)
    ledger.dated(name, cause)
    today = london_date(now)
    return [row_dict(r, today) for r in ledger.rows]


def override_rule(cmd: OverrideDeadlineRule, ctx: Context) -> list[dict[str, Any]]:
    """Give one work stream its own duration for a rule, for a reason (audited): deadlines of
    that rule open with it from now on, and open ones not extended by hand are re-dated."""
    why = _reason(cmd.reason, "change a rule for one work stream")
    try:
        period = Duration.parse(cmd.duration)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    rule_key = cmd.rule_key
    rules, _ = deadline_config()
    if rule_key not in {r.key for r in rules}:
        raise InvalidInput(
            f"no deadline rule {rule_key!r}: use one of {', '.join(r.key for r in rules)}"
        )
    uow, actor = ctx.uow, ctx.actor
    ws = uow.streams.get(cmd.key)
    stream_id = uow.streams.id_of(ws.ref)
    now = ctx.clock()
    row = uow.session.get(RuleOverrideRow, (stream_id, rule_key)) or RuleOverrideRow(
        stream_id=stream_id, rule=rule_key, duration="", reason="", set_at=now, set_by=""
    )
    previous = row.duration or None
    row.duration, row.reason, row.set_at, row.set_by = str(period), why, now, actor.name
    uow.session.add(row)
    cause = _cause(ctx, ws, why)
    overridden = {
        "change": "rule_overridden",
        "rule": rule_key,
        "duration": str(period),
        "previous": previous,
    }
    uow.record(
        DeadlineChanged(
            actor=cause.actor,
            body=cause.body,
            at=cause.at,
            from_state=cause.from_state,
            to_state=cause.to_state,
            reason=cause.reason,
            detail=overridden,
        ),
        ws.ref,
    )
    ledger = _ledger(uow, ws)
    rule = ledger.rule(rule_key)
    for open_row in [r for r in ledger.rows if r.rule == rule_key and not r.extended_reason]:
        if rule is not None:
            due = rules_of.redated(rule, open_row.anchor_on, ledger.cal, open_row.paused_days)
            ledger.redate(open_row, due, cause, "re-dated", why)
    return [row_dict(r, london_date(now)) for r in ledger.rows if r.rule == rule_key]


HANDLERS: dict[type, Any] = {
    ExtendDeadline: extend,
    MarkDeadlineMet: mark_met,
    RecordMilestone: record_milestone,
    OverrideDeadlineRule: override_rule,
}
