"""The deadline ledger: the deadlines of one work stream as database rows, and what opens,
closes, pauses and moves them. Every change is recorded as a ``deadline_changed`` event.

The ledger runs inside the transaction of the change that causes it: the event handlers of
:mod:`workflow.application.handlers.deadline_events` (moves, edits, decisions, the report's
journey) and the deadline commands of :mod:`workflow.application.handlers.deadlines`. The
rules and the reminder policy come from ``config/deadlines.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

import config
from workflow.adapters.yaml_files import YAMLError, load_yaml
from workflow.domain import deadlines as rules_of
from workflow.domain.deadline_rules import DeadlineRule, ReminderPolicy, load_rules
from workflow.domain.errors import InvalidInput
from workflow.domain.events import DeadlineChanged, Event
from workflow.domain.stages import Stage
from workflow.domain.working_days import Duration, london_date
from workflow.domain.workstream import WorkStream
from workflow.store.deadline_tables import DeadlineRow, MilestoneRow, RuleOverrideRow

CONFIG_FILE = Path(config.__file__).with_name("deadlines.yaml")
_ONE_DAY = timedelta(days=1)


@cache
def deadline_config(path: Path = CONFIG_FILE) -> tuple[tuple[DeadlineRule, ...], ReminderPolicy]:
    """The deadline rules and reminder policy, read once per process."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
        return load_rules(data if isinstance(data, dict) else {})
    except (OSError, YAMLError, ValueError) as error:
        raise InvalidInput(f"{path}: {error}: fix the deadlines file".replace("\n", " ")) from None


def rule_due(session: Session, ws: WorkStream, stream_id: int, key: str, anchor: date) -> date:
    """The date rule ``key`` gives from ``anchor`` for this work stream: its own duration
    where one was set (`cjji deadlines override`), on its jurisdiction's calendar."""
    rules, _ = deadline_config()
    rule = next((r for r in rules if r.key == key), None)
    if rule is None:
        raise InvalidInput(f"config/deadlines.yaml has no rule {key!r}: add it, or give a date")
    override = session.execute(_OVERRIDE_OF, {"stream_id": stream_id, "rule": key}).scalar()
    if override is not None:
        rule = replace(rule, duration=Duration.parse(override))
    return rule.due(anchor, rules_of.calendar_of(ws))


#: The ledger's reads, built once: building a statement per call cost more than running it.
#: The open deadlines are ORM rows (the ledger changes them); milestones and rule overrides
#: are only read, so they come back as plain tuples of the columns used.
_OPEN_ROWS = (
    select(DeadlineRow)
    .where(
        col(DeadlineRow.stream_id) == bindparam("stream_id"), col(DeadlineRow.closed_at).is_(None)
    )
    .order_by(col(DeadlineRow.id))
)
_MILESTONES = select(col(MilestoneRow.name), col(MilestoneRow.on_date)).where(
    col(MilestoneRow.stream_id) == bindparam("stream_id")
)
_OVERRIDES = select(col(RuleOverrideRow.rule), col(RuleOverrideRow.duration)).where(
    col(RuleOverrideRow.stream_id) == bindparam("stream_id")
)
_OVERRIDE_OF = select(col(RuleOverrideRow.duration)).where(
    col(RuleOverrideRow.stream_id) == bindparam("stream_id"),
    col(RuleOverrideRow.rule) == bindparam("rule"),
)


def open_rows(session: Session, stream_id: int) -> list[DeadlineRow]:
    return list(session.execute(_OPEN_ROWS, {"stream_id": stream_id}).scalars())


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
        record: Callable[[Event], None],
    ) -> None:
        self.session, self.ws, self.stream_id, self._record = session, ws, stream_id, record
        self.rows = open_rows(session, stream_id)
        all_rules, self.policy = deadline_config()
        by_stream = {"stream_id": stream_id}
        milestones = session.execute(_MILESTONES, by_stream)
        window = ws.expected_publication
        recorded = dict(milestones.all()) | rules_of.journey_dates(ws)
        self.plans = rules_of.Plans(recorded, window.latest if window else None)
        overrides = session.execute(_OVERRIDES, by_stream)
        self.overrides = {rule: Duration.parse(duration) for rule, duration in overrides}
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
    def open(self, openings: Iterable[rules_of.Opening], cause: Event) -> list[DeadlineRow]:
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
            # From the opening day itself: only an escalation already due can fall on it.
            self._schedule(row, after=today - _ONE_DAY)
            self.session.add(row)
            self.rows.append(row)
            new.append(row)
        if new:
            self.session.flush()  # the ids the audit events name
        for row in new:
            self.changed(cause, row, "opened", None, anchor=row.anchor_on.isoformat())
        return new

    def close(self, rows: Iterable[DeadlineRow], why: str, cause: Event) -> None:
        for row in list(rows):
            row.closed_at, row.closed_reason, row.next_reminder_on = cause.at, why, None
            self.session.add(row)
            self.rows.remove(row)
            self.changed(cause, row, "closed", why)

    def pause(self, cause: Event) -> None:
        for row in self.rows:
            if row.paused_on is None:
                row.paused_on, row.next_reminder_on = london_date(cause.at), None
                self.session.add(row)
                self.changed(cause, row, "paused", "the work stream was paused: its clock stops")

    def resume(self, cause: Event) -> None:
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
        self, row: DeadlineRow, due: date, cause: Event, change: str, why: str | None
    ) -> None:
        before = row.due_on
        row.due_on = due
        self._schedule(row, after=london_date(cause.at) - _ONE_DAY)
        self.session.add(row)
        self.changed(cause, row, change, why, previous_due=before.isoformat())

    def replan(self, cause: Event) -> None:
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

    def dated(self, name: str, cause: Event) -> None:
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
        self, cause: Event, row: DeadlineRow, change: str, why: str | None, **extra: Any
    ) -> None:
        state = self.ws.state.value
        self._record(
            DeadlineChanged(
                actor=cause.actor,
                body=cause.body,
                at=cause.at,
                from_state=state,
                to_state=state,
                reason=why,
                change=change,
                deadline=row.id,
                rule=row.rule,
                owed_by=row.owed_by,
                owing_body=row.body,
                due=row.due_on.isoformat(),
                detail=extra,
            )
        )
