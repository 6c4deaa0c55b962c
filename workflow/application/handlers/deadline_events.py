"""Event handlers: the moves and changes of a work stream open, close, pause and move its
deadlines, in the same transaction (the bus dispatches each event here)."""

from __future__ import annotations

from dataclasses import replace

from workflow.application.context import Context
from workflow.application.deadline_ledger import Ledger
from workflow.domain import deadlines as rules_of
from workflow.domain.events import (
    DecisionRecorded,
    DocumentRegistered,
    Event,
    FactualAccuracyChanged,
    PublicationChanged,
    Transitioned,
    WorkStreamCreated,
    WorkStreamEdited,
)
from workflow.domain.joint_decisions import DECIDED_IN, Decision, DocumentKind
from workflow.domain.stages import Stage
from workflow.domain.working_days import london_date
from workflow.domain.workstream import WorkStream


def _ledger(ws: WorkStream, ctx: Context) -> Ledger:
    """One ledger per work stream per transaction: it sees the rows it opened itself."""
    key = ("ledger", ws.ref)
    if key not in ctx.scratch:
        uow = ctx.uow
        ctx.scratch[key] = Ledger(uow.session, ws, uow.streams.id_of(ws.ref), ws.record)
    ledger: Ledger = ctx.scratch[key]
    return ledger


def on_created(event: WorkStreamCreated, ws: WorkStream, ctx: Context) -> None:
    ledger = _ledger(ws, ctx)
    on = london_date(event.at)
    ledger.open(rules_of.on_creation(ledger.rules, ledger.ws, on, ledger.plans), event)


def on_edited(event: WorkStreamEdited, ws: WorkStream, ctx: Context) -> None:
    ledger = _ledger(ws, ctx)
    changes = event.changes
    if "lead" in changes:
        for row in ledger.rows:
            if row.owed_by in ("lead", "inspected_body") and row.body != ws.lead:
                row.body = ws.lead
                ledger.session.add(row)
                ledger.changed(event, row, "owed by", f"the lead is {ws.lead} now")
    if "lead" in changes or "supporting" in changes:
        gone = [r for r in ledger.rows if r.owed_by in ("supporting", "participant")]
        gone = [r for r in gone if r.body not in ws.participants]
        ledger.close(gone, "the body no longer takes part", event)
    if "expected_publication" in changes:
        window = ws.expected_publication
        ledger.plans = replace(ledger.plans, window_end=window.latest if window else None)
        ledger.replan(event)
        ledger.open(rules_of.on_plan_window(ledger.rules, ws, ledger.plans), event)


def on_moved(event: Transitioned, ws: WorkStream, ctx: Context) -> None:
    ledger = _ledger(ws, ctx)
    source, dest = Stage(event.from_state or ""), Stage(event.to_state or "")
    if dest is Stage.PAUSED:
        ledger.pause(event)
    elif source is Stage.PAUSED and dest is not Stage.WITHDRAWN:
        ledger.resume(event)
    met = ledger.rows_of(rules_of.closed_by_move(ledger.standing(), source, dest))
    why = {
        Stage.CLOSED: "the work stream was closed",
        Stage.WITHDRAWN: "the work stream was withdrawn",
    }.get(dest, f"it moved from {source.value} to {dest.value}")
    ledger.close(met, why, event)
    on = london_date(event.at)
    ledger.open(rules_of.on_move(ledger.rules, ledger.ws, source, dest, on, ledger.plans), event)


def on_decided(event: DecisionRecorded, ws: WorkStream, ctx: Context) -> None:
    ledger = _ledger(ws, ctx)
    kind = DocumentKind(event.kind)
    stage = DECIDED_IN.get(kind)
    if stage is None:
        return  # deadlines are kept for the terms of reference and the report
    if event.decision == Decision.APPROVE:
        approved = [
            r
            for r in ledger.rows
            if r.owed_by == "participant" and r.body == event.body and r.stage == stage.value
        ]
        ledger.close(approved, f"{event.body} approved version {event.version[:12]}", event)
    _ask_again(ledger, event)


def on_new_version(event: DocumentRegistered, ws: WorkStream, ctx: Context) -> None:
    _ask_again(_ledger(ws, ctx), event)


def _ask_again(ledger: Ledger, event: Event) -> None:
    # A new version voids approvals, and a revoke withdraws one: those bodies owe again.
    on = london_date(event.at)
    ledger.open(rules_of.owed_decisions(ledger.rules, ledger.ws, on), event)


#: The report journey's changes that date something deadlines run from or close on.
JOURNEY_CHANGES: dict[tuple[type[Event], str], str] = {
    (FactualAccuracyChanged, "started"): rules_of.FA_STARTED,
    (FactualAccuracyChanged, "signed_off"): "factual_accuracy_signed_off",
    (PublicationChanged, "scheduled"): rules_of.PUBLICATION,
    (PublicationChanged, "embargo_sent"): "embargo_sent",
    (PublicationChanged, "urgent_notification"): "urgent_notification",
}


def on_journey(
    event: FactualAccuracyChanged | PublicationChanged, ws: WorkStream, ctx: Context
) -> None:
    name = JOURNEY_CHANGES.get((type(event), event.change))
    if name is None:
        return
    ledger = _ledger(ws, ctx)
    recorded = dict(ledger.plans.milestones) | rules_of.journey_dates(ledger.ws)
    ledger.plans = replace(ledger.plans, milestones=recorded)
    ledger.dated(name, event)
