"""Which deadlines a work stream owes, who owes them, when they fall due and when to remind.

The rules (:mod:`workflow.domain.deadline_rules`) say how long; this module applies them to
one work stream at the moments that matter: its creation, each move, a decision at joint
sign-off, a date recorded for it (planned fieldwork, planned publication, an event), a pause
and its resumption. Services store what it returns and call it again; nothing here reads a
clock or a database. Dates are London dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from workflow.domain.deadline_rules import DeadlineRule, ReminderPolicy
from workflow.domain.joint_decisions import DOCUMENT_DECIDED_IN
from workflow.domain.roles import DECIDERS, Role
from workflow.domain.stages import OPEN_STAGES, TERMINAL_STAGES, Stage
from workflow.domain.working_days import Duration, WorkingDayCalendar, calendar_for, london_date
from workflow.domain.workstream import WorkStream

#: The planned date that rules counting back from "publication" run from.
PUBLICATION = "publication"
ESCALATE = "escalate"
FA_STARTED = "factual_accuracy_started"
#: Dates the report's journey records as it happens (`cjji fa …`, `cjji publication …`),
#: so nobody records them by hand with `cjji deadlines milestone`; each with the step that
#: records it.
JOURNEY_DATES = {
    FA_STARTED: "starting the factual accuracy check (cjji fa start)",
    "factual_accuracy_signed_off": "signing off the factual accuracy check (cjji fa sign-off)",
    "embargo_sent": "sending the embargoed copy (cjji publication send-embargo)",
    "urgent_notification": "recording it (cjji publication urgent-notification)",
}


@dataclass(frozen=True)
class Owed:
    """One party that owes a deadline: ``body`` is reminded (the lead, for the inspected body,
    which is not in the directory: the lead chases it)."""

    owed_by: str  # lead, supporting, participant or inspected_body
    body: str | None


@dataclass(frozen=True)
class Opening:
    """A deadline to open now."""

    rule: DeadlineRule
    owed: Owed
    stage: Stage  # the state it opens in (leaving it closes a state_left deadline)
    anchor_on: date
    due: date

    @property
    def closes_on(self) -> str:
        return closes_on(self.rule)


@dataclass(frozen=True)
class Standing:
    """An open deadline as stored: what the rules need to know to close or move it."""

    id: int
    rule: str
    owed_by: str
    body: str | None
    stage: str
    closes_on: str
    due: date
    paused_days: int = 0


@dataclass(frozen=True)
class Plans:
    """Dates known ahead: recorded milestones (planned or happened) and the business plan's
    expected publication window (its last day)."""

    milestones: Mapping[str, date] = field(default_factory=dict)
    window_end: date | None = None

    def date_of(self, name: str) -> date | None:
        if name == PUBLICATION:
            return self.milestones.get(PUBLICATION) or self.window_end
        return self.milestones.get(name)


def closes_on(rule: DeadlineRule) -> str:
    """What closes a deadline of ``rule`` by itself, as stored: ``event:NAME`` for an event."""
    return f"event:{rule.closed_by_event}" if rule.closed_by == "event" else rule.closed_by


def calendar_of(ws: WorkStream) -> WorkingDayCalendar:
    return calendar_for(ws.jurisdiction)


def effective_rules(
    rules: Iterable[DeadlineRule], overrides: Mapping[str, Duration], kind: str
) -> tuple[DeadlineRule, ...]:
    """The rules that apply to a work stream of ``kind``, with its own durations where set."""
    return tuple(
        replace(rule, duration=overrides[rule.key]) if rule.key in overrides else rule
        for rule in rules
        if rule.applies(kind)
    )


def milestone_names(rules: Iterable[DeadlineRule]) -> list[str]:
    """The dates a person may record for a work stream: planned stage entries that rules
    count back from, the planned publication date, and the events rules run from or close on
    that the report's journey does not record itself."""
    names = {PUBLICATION}
    for rule in rules:
        if rule.anchor == "stage_entered" and rule.direction == "before":
            names.add(rule.stage)
        if rule.anchor == "event":
            names.add(rule.event)
        if rule.closed_by == "event":
            names.add(rule.closed_by_event)
    return sorted(names - JOURNEY_DATES.keys())


def _day(moment: datetime) -> date:
    return london_date(moment) if moment.utcoffset() is not None else moment.date()


def journey_dates(ws: WorkStream) -> dict[str, date]:
    """The dates the report's journey has recorded: the factual accuracy check started and
    signed off, publication scheduled, the embargoed copy sent, an urgent notification."""
    found: dict[str, date] = {}
    check, published = ws.factual_accuracy, ws.publication
    if check is not None:
        found[FA_STARTED] = check.started_on
        if check.completed_at is not None:
            found["factual_accuracy_signed_off"] = _day(check.completed_at)
    if published.scheduled_for is not None:
        found[PUBLICATION] = _day(published.scheduled_for)
    if published.embargo_sent_at is not None:
        found["embargo_sent"] = _day(published.embargo_sent_at)
    if published.urgent_notification_on is not None:
        found["urgent_notification"] = published.urgent_notification_on
    return found


def journey_due(rule: DeadlineRule, ws: WorkStream) -> date | None:
    """A due date the report's journey agreed itself: the factual accuracy check's, which
    the lead may set when starting it. It wins over the rule's count."""
    check = ws.factual_accuracy
    if rule.anchor == "event" and rule.event == FA_STARTED and check is not None:
        return check.due_on
    return None


# -- who owes what ---------------------------------------------------------------------
def owers(rule: DeadlineRule, ws: WorkStream) -> list[Owed]:
    """The parties that owe ``rule`` now. A body's decision is owed only while outstanding."""
    if rule.owed_by == "lead":
        return [Owed("lead", ws.lead)]
    if rule.owed_by == "inspected_body":
        return [Owed("inspected_body", ws.lead)]
    if rule.owed_by == "supporting":
        return [Owed("supporting", b) for b in ws.participants if b != ws.lead]
    return [Owed("participant", b) for b in outstanding(ws, Stage(rule.stage))]


def outstanding(ws: WorkStream, stage: Stage) -> list[str]:
    """The bodies that still owe a decision in ``stage`` (all of them if none is asked yet)."""
    kind = DOCUMENT_DECIDED_IN.get(stage)
    if kind is None or ws.document(kind).current is None:
        return list(ws.participants)
    return ws.document(kind).outstanding(ws.participants)


def recipients(owed_by: str, body: str | None, threshold: str) -> tuple[str | None, set[Role]]:
    """Whom a reminder goes to: a body and the roles within it that hear of it.

    A decision is asked of the body's signatory and deputy; other things of its contacts;
    an escalation goes to the chief inspector of the body that owes it (the lead's, for the
    inspected body).
    """
    if threshold == ESCALATE:
        return body, {Role.CHIEF_INSPECTOR}
    if owed_by == "participant":
        return body, set(DECIDERS)
    return body, {Role.CONTACT}


# -- opening and closing ---------------------------------------------------------------
def _open(rule: DeadlineRule, ws: WorkStream, stage: Stage, anchor: date) -> list[Opening]:
    due = journey_due(rule, ws) or rule.due(anchor, calendar_of(ws))
    return [Opening(rule, owed, stage, anchor, due) for owed in owers(rule, ws)]


def on_creation(
    rules: Sequence[DeadlineRule], ws: WorkStream, on: date, plans: Plans
) -> list[Opening]:
    """Deadlines a new work stream owes: those of entering its first state, and the
    business plan's publication window."""
    found: list[Opening] = []
    for rule in rules:
        if rule.anchor == "stage_entered" and rule.direction == "after" and rule.stage == ws.state:
            found += _open(rule, ws, ws.state, on)
        elif rule.anchor == "business_plan" and plans.window_end is not None:
            found += _open(rule, ws, ws.state, plans.window_end)
    return found


def on_plan_window(rules: Sequence[DeadlineRule], ws: WorkStream, plans: Plans) -> list[Opening]:
    """The business plan's deadlines once its publication window is known, until publication."""
    state = ws.paused_from if ws.state is Stage.PAUSED and ws.paused_from else ws.state
    if plans.window_end is None or not _before(state, Stage.FOLLOW_UP):
        return []
    opened = [rule for rule in rules if rule.anchor == "business_plan"]
    return [opening for rule in opened for opening in _open(rule, ws, state, plans.window_end)]


def owed_decisions(rules: Sequence[DeadlineRule], ws: WorkStream, on: date) -> list[Opening]:
    """Decisions owed in the state the work stream is in, by each body still outstanding:
    asked again of a body whose approval a new version voided, or that revoked it."""
    opened = [
        rule
        for rule in rules
        if rule.owed_by == "each_participant"
        and rule.anchor == "stage_entered"
        and rule.direction == "after"
        and rule.stage == ws.state
    ]
    return [opening for rule in opened for opening in _open(rule, ws, ws.state, on)]


def on_move(
    rules: Sequence[DeadlineRule],
    ws: WorkStream,
    source: Stage,
    dest: Stage,
    on: date,
    plans: Plans,
) -> list[Opening]:
    """Deadlines opened by a move from ``source`` to ``dest`` on ``on``. A pause, a resumption
    or an ending opens nothing."""
    if Stage.PAUSED in (source, dest) or dest in TERMINAL_STAGES:
        return []
    found: list[Opening] = []
    for rule in rules:
        anchor = _move_anchor(rule, source, dest, on, plans)
        if anchor is not None:
            found += _open(rule, ws, dest, anchor)
    return found


def _move_anchor(
    rule: DeadlineRule, source: Stage, dest: Stage, on: date, plans: Plans
) -> date | None:
    published = source is Stage.PUBLICATION and dest is Stage.FOLLOW_UP
    if rule.anchor == "publication" and rule.direction == "before":
        return plans.date_of(PUBLICATION) if rule.stage == dest else None
    opened = (
        (rule.anchor == "stage_entered" and rule.direction == "after" and rule.stage == dest)
        or (rule.anchor == "stage_left" and rule.stage == source)
        or (rule.anchor == "publication" and published)
    )
    return on if opened else None


def closed_by_move(standing: Iterable[Standing], source: Stage, dest: Stage) -> list[Standing]:
    """Deadlines a move meets: leaving the state they opened in, publication, or an ending.
    A pause and its resumption close nothing: they stop and restart the clock."""
    if dest in TERMINAL_STAGES:
        return list(standing)
    if Stage.PAUSED in (source, dest):
        return []
    published = source is Stage.PUBLICATION and dest is Stage.FOLLOW_UP
    return [
        s
        for s in standing
        if (s.closes_on == "state_left" and s.stage == source)
        or (s.closes_on == "publication" and published)
    ]


def _before(state: Stage, stage: Stage) -> bool:
    order = {s: i for i, s in enumerate(OPEN_STAGES)}
    return state in order and stage in order and order[state] < order[stage]


def on_milestone(
    rules: Sequence[DeadlineRule], ws: WorkStream, name: str, plans: Plans
) -> list[Opening]:
    """Deadlines a recorded date ``name`` opens, given the work stream's state now: an event's
    response deadlines; notice counted back from a planned stage entry still ahead; the
    embargoed copy counted back from a planned publication, in the state it belongs to."""
    state = ws.paused_from if ws.state is Stage.PAUSED and ws.paused_from else ws.state
    on = plans.date_of(name)
    if on is None or state in TERMINAL_STAGES:
        return []
    opened = [rule for rule in rules if _opened_by(rule, name, state)]
    return [opening for rule in opened for opening in _open(rule, ws, state, on)]


def _opened_by(rule: DeadlineRule, name: str, state: Stage) -> bool:
    if rule.anchor == "event":
        return rule.event == name
    if rule.anchor == "stage_entered" and rule.direction == "before":
        return rule.stage == name and _before(state, Stage(rule.stage))
    if rule.anchor == "publication" and rule.direction == "before":
        return name == PUBLICATION and rule.stage == state
    return False


def closed_by_milestone(standing: Iterable[Standing], name: str) -> list[Standing]:
    return [s for s in standing if s.closes_on == f"event:{name}"]


def planned_anchor(rule: DeadlineRule, plans: Plans) -> date | None:
    """The planned date a rule runs from, for the rules that run from one (None otherwise)."""
    if rule.anchor == "business_plan":
        return plans.window_end
    if rule.anchor == "publication" and rule.direction == "before":
        return plans.date_of(PUBLICATION)
    if rule.anchor == "stage_entered" and rule.direction == "before":
        return plans.date_of(rule.stage)
    if rule.anchor == "event":
        return plans.date_of(rule.event)
    return None


def redated(rule: DeadlineRule, anchor: date, cal: WorkingDayCalendar, paused: int) -> date:
    """A deadline's due date run again from ``anchor`` (a new plan or duration), keeping the
    working days that pauses have added to it."""
    return cal.add_working_days(rule.due(anchor, cal), paused) if paused else rule.due(anchor, cal)


def moved_on_by_pause(
    due: date, paused_on: date, resumed_on: date, cal: WorkingDayCalendar
) -> tuple[date, int]:
    """The due date after a pause from ``paused_on`` to ``resumed_on``, and the working days
    it moved by: the clock stopped for the working days after the pause up to the resumption."""
    days = max(cal.working_days_between(paused_on, resumed_on), 0)
    return (cal.add_working_days(due, days) if days else due), days


# -- reminders -------------------------------------------------------------------------
def _thresholds(
    due: date, opened_on: date, policy: ReminderPolicy, cal: WorkingDayCalendar, until: date
) -> list[tuple[str, date]]:
    # Nothing on or before the day it opened: the move that opened it has just told everyone.
    # Except the escalation: nobody told the chief inspector. A deadline that opens past its
    # escalation day (e.g. a plan's window long gone) escalates on the day it opens, once.
    found = [
        (label, max(day, opened_on) if label == ESCALATE else day)
        for label, day in policy.thresholds(due, cal, until)
        if day > opened_on or label == ESCALATE
    ]
    return sorted(found, key=lambda item: item[1])


def next_reminder(
    due: date, opened_on: date, policy: ReminderPolicy, cal: WorkingDayCalendar, after: date
) -> date | None:
    """The first reminder date after ``after``; None when no reminder is left to send."""
    until = max(after, due)
    while True:
        later = [day for _, day in _thresholds(due, opened_on, policy, cal, until) if day > after]
        if later or policy.overdue_every <= 0:
            return min(later, default=None)
        until += timedelta(days=31)


def reminders_to_send(
    due: date,
    opened_on: date,
    policy: ReminderPolicy,
    cal: WorkingDayCalendar,
    since: date,
    today: date,
) -> list[str]:
    """The thresholds to act on today, ``since`` being the first date not yet swept.

    Only the latest reminder goes out (one whose day passed while nobody swept is stale: a
    later one says more), and the escalation if its day has come.
    """
    pending = [
        label
        for label, day in _thresholds(due, opened_on, policy, cal, today)
        if since <= day <= today
    ]
    latest = [label for label in pending if label != ESCALATE][-1:]
    return latest + ([ESCALATE] if ESCALATE in pending else [])


def long_date(day: date) -> str:
    """'Thursday 5 January 2023', as the messages write dates."""
    return f"{day:%A} {day.day} {day:%B %Y}"
