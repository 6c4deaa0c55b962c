"""Deadlines of work streams as database rows: opened and closed as work streams move, and
extended, marked met, re-planned or given another duration by people. Every change is an
audit event.

:func:`on_events` runs inside the unit of work that records a move (reactions call it), so a
deadline opens and closes in the same transaction as the move that causes it. The rules and
the reminder policy come from ``config/deadlines.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

import config
from workflow.bootstrap import Runtime
from workflow.domain import deadlines as rules_of
from workflow.domain.deadline_rules import DeadlineRule, ReminderPolicy, load_rules
from workflow.domain.errors import InvalidInput, NotFound, NotPermitted, Refused
from workflow.domain.events import Action, DomainEvent
from workflow.domain.joint_decisions import Decision, DocumentKind
from workflow.domain.stages import Stage
from workflow.domain.working_days import Duration, london_date
from workflow.domain.workstream import WorkStream
from workflow.services.actors import Actor, ensure_may_move
from workflow.services.queries import load_readonly
from workflow.store.deadline_tables import DeadlineRow, MilestoneRow, RuleOverrideRow
from workflow.store.uow import UnitOfWork

CONFIG_FILE = Path(config.__file__).with_name("deadlines.yaml")
_ONE_DAY = timedelta(days=1)


@cache
def deadline_config(path: Path = CONFIG_FILE) -> tuple[tuple[DeadlineRule, ...], ReminderPolicy]:
    """The deadline rules and reminder policy, read once per process."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return load_rules(data if isinstance(data, dict) else {})
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise InvalidInput(f"{path}: {error}: fix the deadlines file".replace("\n", " ")) from None


def rule_due(session: Session, ws: WorkStream, stream_id: int, key: str, anchor: date) -> date:
    """The date rule ``key`` gives from ``anchor`` for this work stream: its own duration
    where one was set (`cjji deadlines override`), on its jurisdiction's calendar."""
    rules, _ = deadline_config()
    rule = next((r for r in rules if r.key == key), None)
    if rule is None:
        raise InvalidInput(f"config/deadlines.yaml has no rule {key!r}: add it, or give a date")
    override = session.exec(
        select(RuleOverrideRow.duration).where(
            col(RuleOverrideRow.stream_id) == stream_id, col(RuleOverrideRow.rule) == key
        )
    ).first()
    if override is not None:
        rule = replace(rule, duration=Duration.parse(override))
    return rule.due(anchor, rules_of.calendar_of(ws))


def open_rows(session: Session, stream_id: int) -> list[DeadlineRow]:
    query = select(DeadlineRow).where(
        col(DeadlineRow.stream_id) == stream_id, col(DeadlineRow.closed_at).is_(None)
    )
    return list(session.exec(query.order_by(col(DeadlineRow.id))).all())


class Ledger:
    """The open deadlines of one work stream within one transaction, and what changes them.

    Each change is recorded through ``record`` as a ``deadline_changed`` event caused by the
    event (or person) that changed it.
    """

    def __init__(
        self,
        session: Session,
        ws: WorkStream,
        stream_id: int,
        record: Callable[[DomainEvent], None],
    ) -> None:
        self.session, self.ws, self.stream_id, self._record = session, ws, stream_id, record
        self.rows = open_rows(session, stream_id)
        all_rules, self.policy = deadline_config()
        milestones = session.exec(
            select(MilestoneRow).where(col(MilestoneRow.stream_id) == stream_id)
        ).all()
        window = ws.expected_publication
        recorded = {m.name: m.on_date for m in milestones} | rules_of.journey_dates(ws)
        self.plans = rules_of.Plans(recorded, window.latest if window else None)
        overrides = session.exec(
            select(RuleOverrideRow).where(col(RuleOverrideRow.stream_id) == stream_id)
        ).all()
        self.overrides = {o.rule: Duration.parse(o.duration) for o in overrides}
        self.rules = rules_of.effective_rules(all_rules, self.overrides, ws.kind.value)
        self.cal = rules_of.calendar_of(ws)

    # -- questions ---------------------------------------------------------------------
    def rule(self, key: str) -> DeadlineRule | None:
        return next((r for r in self.rules if r.key == key), None)

    def standing(self) -> list[rules_of.Standing]:
        return [
            rules_of.Standing(
                r.id or 0, r.rule, r.owed_by, r.body, r.stage, r.closes_on, r.due_on, r.paused_days
            )
            for r in self.rows
        ]

    def rows_of(self, standing: Iterable[rules_of.Standing]) -> list[DeadlineRow]:
        ids = {s.id for s in standing}
        return [r for r in self.rows if r.id in ids]

    def _is_open(self, rule: str, body: str | None) -> bool:
        return any(r.rule == rule and r.body == body for r in self.rows)

    # -- changes -----------------------------------------------------------------------
    def open(self, openings: Iterable[rules_of.Opening], cause: DomainEvent) -> list[DeadlineRow]:
        today = london_date(cause.at)
        paused = self.ws.state is Stage.PAUSED
        new: list[DeadlineRow] = []
        for o in openings:
            if self._is_open(o.rule.key, o.owed.body):
                continue  # one open deadline per rule and body: a repeat changes nothing
            row = DeadlineRow(
                stream_id=self.stream_id,
                stream_ref=self.ws.ref,
                rule=o.rule.key,
                what=o.rule.owed,
                description=o.rule.description,
                stage=o.stage.value,
                owed_by=o.owed.owed_by,
                body=o.owed.body,
                closes_on=o.closes_on,
                anchor_on=o.anchor_on,
                due_on=o.due,
                original_due_on=o.due,
                opened_at=cause.at,
                paused_on=today if paused else None,
            )
            self._schedule(row, after=today)
            self.session.add(row)
            self.rows.append(row)
            new.append(row)
        if new:
            self.session.flush()  # the ids the audit events name
        for row in new:
            self.changed(cause, row, "opened", None, anchor=row.anchor_on.isoformat())
        return new

    def close(self, rows: Iterable[DeadlineRow], why: str, cause: DomainEvent) -> None:
        for row in list(rows):
            row.closed_at, row.closed_reason, row.next_reminder_on = cause.at, why, None
            self.session.add(row)
            self.rows.remove(row)
            self.changed(cause, row, "closed", why)

    def pause(self, cause: DomainEvent) -> None:
        for row in self.rows:
            if row.paused_on is None:
                row.paused_on, row.next_reminder_on = london_date(cause.at), None
                self.session.add(row)
                self.changed(cause, row, "paused", "the work stream was paused: its clock stops")

    def resume(self, cause: DomainEvent) -> None:
        today = london_date(cause.at)
        for row in self.rows:
            if row.paused_on is None:
                continue
            before = row.due_on
            row.due_on, days = rules_of.moved_on_by_pause(
                row.due_on, row.paused_on, today, self.cal
            )
            row.paused_days += days
            row.paused_on = None
            self._schedule(row, after=today - _ONE_DAY)
            self.session.add(row)
            why = (
                f"the work stream was resumed: moved on by the {days} working day(s) it was paused"
            )
            self.changed(cause, row, "resumed", why, previous_due=before.isoformat(), days=days)

    def redate(
        self, row: DeadlineRow, due: date, cause: DomainEvent, change: str, why: str | None
    ) -> None:
        before = row.due_on
        row.due_on = due
        self._schedule(row, after=london_date(cause.at) - _ONE_DAY)
        self.session.add(row)
        self.changed(cause, row, change, why, previous_due=before.isoformat())

    def replan(self, cause: DomainEvent) -> None:
        """Open rows that run from a planned date follow it when it changes (a hand extension
        stays as agreed)."""
        for row in list(self.rows):
            rule = self.rule(row.rule)
            anchor = rules_of.planned_anchor(rule, self.plans) if rule else None
            if rule is None or anchor is None or anchor == row.anchor_on or row.extended_reason:
                continue
            row.anchor_on = anchor
            due = rules_of.journey_due(rule, self.ws) or rules_of.redated(
                rule, anchor, self.cal, row.paused_days
            )
            self.redate(row, due, cause, "re-planned", f"it runs from {anchor.isoformat()} now")

    def dated(self, name: str, cause: DomainEvent) -> None:
        """A date ``name`` is known (or has moved): the deadlines it meets close, those that run
        from it move with it, and those it opens open."""
        on = self.plans.date_of(name)
        met = self.rows_of(rules_of.closed_by_milestone(self.standing(), name))
        self.close(met, f"{name.replace('_', ' ')} on {on.isoformat() if on else '?'}", cause)
        self.replan(cause)
        self.open(rules_of.on_milestone(self.rules, self.ws, name, self.plans), cause)

    def _schedule(self, row: DeadlineRow, after: date) -> None:
        # The date of its next reminder: what the sweep's index is on. None while paused.
        if row.paused_on is not None:
            row.next_reminder_on = None
            return
        opened_on = london_date(row.opened_at)
        row.next_reminder_on = rules_of.next_reminder(
            row.due_on, opened_on, self.policy, self.cal, after=after
        )

    def changed(
        self, cause: DomainEvent, row: DeadlineRow, change: str, why: str | None, **extra: Any
    ) -> None:
        state = self.ws.state.value
        payload = {
            "change": change,
            "deadline": row.id,
            "rule": row.rule,
            "owed_by": row.owed_by,
            "owing_body": row.body,
            "due": row.due_on.isoformat(),
            **extra,
        }
        self._record(
            DomainEvent(
                Action.DEADLINE_CHANGED,
                cause.actor,
                cause.body,
                cause.at,
                state,
                state,
                why,
                payload,
            )
        )


# -- the hook: moves open and close deadlines --------------------------------------------
def on_events(uow: UnitOfWork, ws: WorkStream, events: Sequence[DomainEvent]) -> None:
    """Open, close, pause and move the deadlines that ``events`` call for, in their
    transaction. Called by :func:`workflow.services.reactions.react`."""
    relevant = [e for e in events if e.action in _HANDLERS]
    if not relevant:
        return
    ledger = Ledger(uow.session, ws, uow.streams.id_of(ws.ref), ws.record)
    for event in relevant:
        _HANDLERS[event.action](ledger, event)


def _created(ledger: Ledger, event: DomainEvent) -> None:
    on = london_date(event.at)
    ledger.open(rules_of.on_creation(ledger.rules, ledger.ws, on, ledger.plans), event)


def _edited(ledger: Ledger, event: DomainEvent) -> None:
    changes = event.payload.get("changes", {})
    ws = ledger.ws
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


def _moved(ledger: Ledger, event: DomainEvent) -> None:
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


def _decided(ledger: Ledger, event: DomainEvent) -> None:
    kind = DocumentKind(event.payload["kind"])
    stage = next(s for s, k in rules_of.DECIDED_IN.items() if k is kind)
    if event.payload["decision"] == Decision.APPROVE:
        approved = [
            r
            for r in ledger.rows
            if r.owed_by == "participant" and r.body == event.body and r.stage == stage.value
        ]
        version = str(event.payload["version"])[:12]
        ledger.close(approved, f"{event.body} approved version {version}", event)
    _ask_again(ledger, event)


def _ask_again(ledger: Ledger, event: DomainEvent) -> None:
    # A new version voids approvals, and a revoke withdraws one: those bodies owe again.
    on = london_date(event.at)
    ledger.open(rules_of.owed_decisions(ledger.rules, ledger.ws, on), event)


#: The report journey's changes that date something deadlines run from or close on.
JOURNEY_CHANGES = {
    (Action.FACTUAL_ACCURACY_CHANGED, "started"): rules_of.FA_STARTED,
    (Action.FACTUAL_ACCURACY_CHANGED, "signed_off"): "factual_accuracy_signed_off",
    (Action.PUBLICATION_CHANGED, "scheduled"): rules_of.PUBLICATION,
    (Action.PUBLICATION_CHANGED, "embargo_sent"): "embargo_sent",
    (Action.PUBLICATION_CHANGED, "urgent_notification"): "urgent_notification",
}


def _journey(ledger: Ledger, event: DomainEvent) -> None:
    name = JOURNEY_CHANGES.get((event.action, str(event.payload.get("change"))))
    if name is None:
        return
    recorded = dict(ledger.plans.milestones) | rules_of.journey_dates(ledger.ws)
    ledger.plans = replace(ledger.plans, milestones=recorded)
    ledger.dated(name, event)


_HANDLERS: dict[Action, Callable[[Ledger, DomainEvent], None]] = {
    Action.CREATED: _created,
    Action.EDITED: _edited,
    Action.TRANSITIONED: _moved,
    Action.DECISION_RECORDED: _decided,
    Action.DOCUMENT_REGISTERED: _ask_again,
    Action.FACTUAL_ACCURACY_CHANGED: _journey,
    Action.PUBLICATION_CHANGED: _journey,
}


# -- what people do to deadlines ---------------------------------------------------------
def _reason(reason: str | None, what: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput(f"a reason is required to {what}: say why (--reason TEXT)")
    return " ".join(reason.split())


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
    ledger = Ledger(uow.session, ws, row.stream_id, lambda e: uow.record(e, ws.ref))
    return ledger, row


def _cause(rt: Runtime, actor: Actor, ws: WorkStream, reason: str | None = None) -> DomainEvent:
    state = ws.state.value
    return DomainEvent(
        Action.DEADLINE_CHANGED, actor.name, actor.body, rt.clock(), state, state, reason
    )


def extend(rt: Runtime, actor: Actor, deadline_id: int, to: date, reason: str) -> dict[str, Any]:
    """Move a deadline later, for a reason; the lead body decides. Audited."""
    why = _reason(reason, "extend a deadline")
    with rt.uow() as uow:
        ledger, row = _load_for_change(uow, deadline_id)
        ensure_may_move(ledger.ws, actor, rt.bodies)
        if row.closed_at is not None:
            raise Refused(
                f"deadline {deadline_id} is closed ({row.closed_reason}): nothing to extend"
            )
        if to <= row.due_on:
            raise InvalidInput(
                f"{to.isoformat()} is not after the deadline's due date {row.due_on.isoformat()}: "
                "an extension moves it later"
            )
        row.extended_reason = why
        ledger.redate(row, to, _cause(rt, actor, ledger.ws, why), "extended", why)
        uow.commit()
        return row_dict(row, london_date(rt.clock()))


def mark_met(
    rt: Runtime, actor: Actor, deadline_id: int, note: str | None = None
) -> dict[str, Any]:
    """Close a deadline as met: the lead body, or the body that owes it, says so. Audited."""
    with rt.uow() as uow:
        ledger, row = _load_for_change(uow, deadline_id)
        ws = ledger.ws
        if actor.body is None or actor.body not in (ws.lead, row.body):
            raise NotPermitted(
                f"deadline {deadline_id} is marked met by the lead ({ws.lead}) or the body that "
                f"owes it ({row.body}), not {actor.body or 'nobody'}: give --body"
            )
        if row.closed_at is not None:
            raise Refused(f"deadline {deadline_id} is closed already ({row.closed_reason})")
        why = "met" + (f": {' '.join(note.split())}" if note and note.strip() else "")
        ledger.close([row], why, _cause(rt, actor, ws, why))
        uow.commit()
        return row_dict(row, london_date(rt.clock()))


def record_milestone(
    rt: Runtime, actor: Actor, key: str, name: str, on: date, reason: str | None = None
) -> list[dict[str, Any]]:
    """Record a date for a work stream (planned fieldwork or publication, or an event that
    happened); the deadlines that run from it open or move, those it meets close."""
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
    with rt.uow() as uow:
        ws = uow.streams.get(key)
        ensure_may_move(ws, actor, rt.bodies)
        stream_id = uow.streams.id_of(ws.ref)
        now = rt.clock()
        row = uow.session.get(MilestoneRow, (stream_id, name))
        previous = row.on_date.isoformat() if row else None
        row = row or MilestoneRow(
            stream_id=stream_id, name=name, on_date=on, recorded_at=now, recorded_by=actor.name
        )
        row.on_date, row.recorded_at, row.recorded_by = on, now, actor.name
        uow.session.add(row)
        cause = DomainEvent(
            Action.MILESTONE_RECORDED,
            actor.name,
            actor.body,
            now,
            ws.state.value,
            ws.state.value,
            reason,
            {"milestone": name, "on": on.isoformat(), "previous": previous},
        )
        uow.record(cause, ws.ref)
        uow.session.flush()  # the ledger reads the date just recorded
        ledger = Ledger(uow.session, ws, stream_id, lambda e: uow.record(e, ws.ref))
        ledger.dated(name, cause)
        uow.commit()
        today = london_date(now)
        return [row_dict(r, today) for r in ledger.rows]


def override_rule(
    rt: Runtime, actor: Actor, key: str, rule_key: str, duration: str, reason: str
) -> list[dict[str, Any]]:
    """Give one work stream its own duration for a rule, for a reason (audited): deadlines of
    that rule open with it from now on, and open ones not extended by hand are re-dated."""
    why = _reason(reason, "change a rule for one work stream")
    try:
        period = Duration.parse(duration)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    rules, _ = deadline_config()
    if rule_key not in {r.key for r in rules}:
        raise InvalidInput(
            f"no deadline rule {rule_key!r}: use one of {', '.join(r.key for r in rules)}"
        )
    with rt.uow() as uow:
        ws = uow.streams.get(key)
        ensure_may_move(ws, actor, rt.bodies)
        stream_id = uow.streams.id_of(ws.ref)
        now = rt.clock()
        row = uow.session.get(RuleOverrideRow, (stream_id, rule_key)) or RuleOverrideRow(
            stream_id=stream_id, rule=rule_key, duration="", reason="", set_at=now, set_by=""
        )
        previous = row.duration or None
        row.duration, row.reason, row.set_at, row.set_by = str(period), why, now, actor.name
        uow.session.add(row)
        cause = _cause(rt, actor, ws, why)
        uow.record(
            replace(
                cause,
                payload={
                    "change": "rule_overridden",
                    "rule": rule_key,
                    "duration": str(period),
                    "previous": previous,
                },
            ),
            ws.ref,
        )
        ledger = Ledger(uow.session, ws, stream_id, lambda e: uow.record(e, ws.ref))
        rule = ledger.rule(rule_key)
        for open_row in [r for r in ledger.rows if r.rule == rule_key and not r.extended_reason]:
            if rule is not None:
                due = rules_of.redated(rule, open_row.anchor_on, ledger.cal, open_row.paused_days)
                ledger.redate(open_row, due, cause, "re-dated", why)
        uow.commit()
        return [row_dict(r, london_date(now)) for r in ledger.rows if r.rule == rule_key]


# -- reading -----------------------------------------------------------------------------
def row_dict(row: DeadlineRow, today: date) -> dict[str, Any]:
    open_ = row.closed_at is None
    return {
        "id": row.id,
        "ref": row.stream_ref,
        "rule": row.rule,
        "what": row.what,
        "owed_by": row.owed_by,
        "body": row.body,
        "stage": row.stage,
        "due": row.due_on.isoformat(),
        "original_due": row.original_due_on.isoformat(),
        "days_left": (row.due_on - today).days if open_ else None,
        "overdue": open_ and row.paused_on is None and row.due_on < today,
        "paused": row.paused_on is not None,
        "extended_reason": row.extended_reason,
        "next_reminder": row.next_reminder_on.isoformat() if row.next_reminder_on else None,
        "opened_at": row.opened_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "closed_reason": row.closed_reason,
    }


def list_query(
    *,
    today: date,
    due_before: date | None = None,
    overdue: bool = False,
    body: str | None = None,
    stream_ref: str | None = None,
    include_closed: bool = False,
) -> SelectOfScalar[DeadlineRow]:
    query = select(DeadlineRow).order_by(col(DeadlineRow.due_on), col(DeadlineRow.id))
    if not include_closed:
        query = query.where(col(DeadlineRow.closed_at).is_(None))
    if due_before is not None:
        query = query.where(col(DeadlineRow.due_on) < due_before)
    if overdue:
        query = query.where(col(DeadlineRow.due_on) < today, col(DeadlineRow.paused_on).is_(None))
    if body is not None:
        query = query.where(col(DeadlineRow.body) == body)
    if stream_ref is not None:
        query = query.where(col(DeadlineRow.stream_ref) == stream_ref)
    return query


def next_and_overdue(rt: Runtime, ref: str | None = None) -> dict[str, tuple[dict[str, Any], bool]]:
    """Per work stream with open deadlines (or just ``ref``): its next one, and whether any
    is overdue.

    Two aggregate queries, so that the programme overview costs the same whether each work
    stream has one open deadline or ten.
    """
    today = london_date(rt.clock())
    d = DeadlineRow.__table__  # type: ignore[attr-defined]
    is_open = d.c.closed_at.is_(None)
    if ref is not None:
        is_open = is_open & (d.c.stream_ref == ref)
    rank = (
        func.row_number()
        .over(partition_by=d.c.stream_id, order_by=(d.c.due_on, d.c.id))
        .label("rank")
    )
    ranked = sa_select(d.c.stream_ref, d.c.id, d.c.due_on, d.c.what, rank).where(is_open)
    firsts = ranked.subquery()
    late = (
        sa_select(d.c.stream_ref)
        .where(is_open, d.c.paused_on.is_(None), d.c.due_on < today)
        .distinct()
    )
    with rt.read() as session:
        found = session.execute(
            sa_select(firsts.c.stream_ref, firsts.c.id, firsts.c.due_on, firsts.c.what).where(
                firsts.c.rank == 1
            )
        ).all()
        overdue = set(session.execute(late).scalars())
    return {
        key: ({"id": id_, "due": due.isoformat(), "description": what}, key in overdue)
        for key, id_, due, what in found
    }


def list_deadlines(
    rt: Runtime,
    *,
    due_before: date | None = None,
    overdue: bool = False,
    body: str | None = None,
    stream: str | None = None,
    include_closed: bool = False,
) -> list[dict[str, Any]]:
    """Open deadlines (or all), soonest first; ``body`` is the body that owes or chases them."""
    today = london_date(rt.clock())
    code = rt.bodies.code_of(body) if body else None
    with rt.read() as session:
        ref = load_readonly(session, stream)[1].ref if stream is not None else None
        query = list_query(
            today=today,
            due_before=due_before,
            overdue=overdue,
            body=code,
            stream_ref=ref,
            include_closed=include_closed,
        )
        return [row_dict(row, today) for row in session.exec(query).all()]
