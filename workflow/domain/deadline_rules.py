"""Deadline targets for joint inspection work streams, and when to remind people of them.

A DeadlineRule says how long after (or before) an anchor date something is owed, and by whom;
a ReminderPolicy says when to nudge about a deadline. load_rules validates the plain mapping
that config/deadlines.yaml holds, so every figure is configuration, not code. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast, get_args

from workflow.domain.stages import OPEN_STAGES, WorkStreamKind
from workflow.domain.working_days import Duration, WorkingDayCalendar

Anchor = Literal["stage_entered", "stage_left", "publication", "event", "business_plan"]
OwedBy = Literal["lead", "supporting", "each_participant", "inspected_body"]
Direction = Literal["after", "before"]
ClosedBy = Literal["state_left", "publication", "event", "none"]

STAGES = frozenset(str(stage) for stage in OPEN_STAGES)
WORK_STREAM_KINDS = frozenset(str(kind) for kind in WorkStreamKind)
_KEY = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class DeadlineRule:
    """One deadline target.

    The anchor is the date the period runs from: entering or leaving `stage`, the publication
    date, (anchor "event") the date of the named `event`, such as an urgent notification, or
    (anchor "business_plan") the end of the business plan's expected publication window; an
    event rule applies only once that event has happened. `direction` "before" puts the
    deadline ahead of the anchor ("embargoed copy 3 working days before publication": the due
    day is day 1 and the anchor day is not counted). `count_start` makes the anchor day itself
    day 1 of the period when it is a working day.

    `closed_by` says what meets the deadline without anyone marking it met: leaving the state
    it was opened in (the default), the report's publication, the named `closed_by_event`, or
    nothing ("none"). `what` names what is owed in a few words, for messages.
    """

    key: str
    stage: str
    duration: Duration
    anchor: Anchor
    owed_by: OwedBy
    description: str
    count_start: bool = False
    applies_to: frozenset[str] = frozenset()  # work stream kinds; empty means all
    direction: Direction = "after"
    event: str = ""
    closed_by: ClosedBy = "state_left"
    closed_by_event: str = ""
    what: str = ""

    def __post_init__(self) -> None:
        if (self.anchor == "event") != bool(self.event):
            raise ValueError(
                f"deadline rule {self.key!r}, field 'event': "
                "give an event name exactly when the anchor is 'event'"
            )
        if (self.closed_by == "event") != bool(self.closed_by_event):
            raise ValueError(
                f"deadline rule {self.key!r}, field 'closed_by_event': "
                "give an event name exactly when closed_by is 'event'"
            )

    @property
    def owed(self) -> str:
        """What is owed, in a few words: `what`, or the key read as words."""
        return self.what or self.key.replace("_", " ")

    def applies(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to

    def due(self, anchor_date: date, calendar: WorkingDayCalendar) -> date:
        """The due date for this rule given the date of its anchor."""
        shift = self.duration.before if self.direction == "before" else self.duration.after
        return shift(anchor_date, calendar, count_start=self.count_start)


@dataclass(frozen=True)
class ReminderPolicy:
    """When to remind about a deadline; every figure is in working days."""

    before: tuple[int, ...] = (10, 3)
    on_due_day: bool = True
    overdue_every: int = 5  # 0: no repeated overdue reminders
    escalate_after: int = 5  # days overdue before the chief inspector is told; 0: never

    def thresholds(
        self, due: date, calendar: WorkingDayCalendar, until: date
    ) -> list[tuple[str, date]]:
        """Labelled reminder dates in date order: 'before-N', 'due', 'overdue-N' (repeating, up
        to `until`) and 'escalate'. On a tie an overdue reminder comes before the escalation."""
        found = [
            (f"before-{n}", calendar.add_working_days(due, -n))
            for n in sorted(set(self.before), reverse=True)
        ]
        if self.on_due_day:
            found.append(("due", due))
        if self.overdue_every > 0:
            # Each step starts from a working day, so stepping on equals counting from `due`.
            days, day = self.overdue_every, calendar.add_working_days(due, self.overdue_every)
            while day <= until:
                found.append((f"overdue-{days}", day))
                days += self.overdue_every
                day = calendar.add_working_days(day, self.overdue_every)
        if self.escalate_after > 0:
            found.append(("escalate", calendar.add_working_days(due, self.escalate_after)))
        return sorted(found, key=lambda item: item[1])  # a stable sort keeps the tie order


_RULE_FIELDS = {  # field name -> required
    "stage": True,
    "duration": True,
    "anchor": True,
    "owed_by": True,
    "description": True,
    "count_start": False,
    "applies_to": False,
    "direction": False,
    "event": False,
    "closed_by": False,
    "closed_by_event": False,
    "what": False,
}
_POLICY_FIELDS = {"before", "on_due_day", "overdue_every", "escalate_after"}


def load_rules(data: Mapping[str, Any]) -> tuple[tuple[DeadlineRule, ...], ReminderPolicy]:
    """The rules and reminder policy from a plain mapping, as loaded from the YAML file.

    Raises ValueError naming the rule key and the field at fault.
    """
    _check_fields("the deadlines file", data, {"rules", "reminders"}, required={"rules"})
    rules = data["rules"]
    if not isinstance(rules, Mapping) or not rules:
        raise ValueError("the deadlines file, field 'rules': map each rule key to its fields")
    return tuple(_rule(key, spec) for key, spec in rules.items()), _policy(data.get("reminders"))


def _check_fields(where: str, spec: object, allowed: set[str], required: set[str]) -> None:
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: expected a mapping of fields, got {spec!r}")
    if unknown := sorted(str(field) for field in set(spec) - allowed):
        raise ValueError(f"{where}, field {unknown[0]!r}: unknown; known: {sorted(allowed)}")
    if missing := sorted(required - set(spec)):
        raise ValueError(f"{where}, field {missing[0]!r}: missing")


def _choice(
    where: str, spec: Mapping[str, Any], field: str, choices: Collection[str], default: str
) -> str:
    value = spec.get(field, default)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{where}, field {field!r}: {value!r} is not one of {sorted(choices)}")
    return value


def _rule(key: object, spec: object) -> DeadlineRule:
    where = f"deadline rule {key!r}"
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"{where}, field 'key': use lower_snake_case")
    required = {field for field, needed in _RULE_FIELDS.items() if needed}
    _check_fields(where, spec, set(_RULE_FIELDS), required)
    spec = cast(Mapping[str, Any], spec)
    duration, description, event = spec["duration"], spec["description"], spec.get("event", "")
    if not isinstance(duration, str):
        raise ValueError(f"{where}, field 'duration': write it as text, e.g. '10 working days'")
    try:
        parsed = Duration.parse(duration)
    except ValueError as error:
        raise ValueError(f"{where}, field 'duration': {error}") from None
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"{where}, field 'description': give a sentence of text")
    if not isinstance(count_start := spec.get("count_start", False), bool):
        raise ValueError(f"{where}, field 'count_start': {count_start!r} is not true or false")
    applies_to = spec.get("applies_to", [])
    if not isinstance(applies_to, list) or not all(
        isinstance(k, str) and k in WORK_STREAM_KINDS for k in applies_to
    ):
        raise ValueError(
            f"{where}, field 'applies_to': {applies_to!r} is not a list of work stream kinds "
            f"from {sorted(WORK_STREAM_KINDS)}"
        )
    for field in ("event", "closed_by_event", "what"):
        if not isinstance(spec.get(field, ""), str):
            raise ValueError(f"{where}, field {field!r}: {spec[field]!r} is not text")
    return DeadlineRule(
        key=key,
        stage=_choice(where, spec, "stage", STAGES, ""),
        duration=parsed,
        anchor=cast(Anchor, _choice(where, spec, "anchor", get_args(Anchor), "")),
        owed_by=cast(OwedBy, _choice(where, spec, "owed_by", get_args(OwedBy), "")),
        description=" ".join(description.split()),
        count_start=count_start,
        applies_to=frozenset(applies_to),
        direction=cast(Direction, _choice(where, spec, "direction", get_args(Direction), "after")),
        event=event,
        closed_by=cast(
            ClosedBy, _choice(where, spec, "closed_by", get_args(ClosedBy), "state_left")
        ),
        closed_by_event=spec.get("closed_by_event", ""),
        what=" ".join(spec.get("what", "").split()),
    )


def _policy(spec: object) -> ReminderPolicy:
    if spec is None:
        return ReminderPolicy()
    _check_fields("reminders", spec, _POLICY_FIELDS, required=set())
    spec = cast(Mapping[str, Any], spec)
    default = ReminderPolicy()
    before = spec.get("before", list(default.before))
    if not isinstance(before, list) or not all(_count(n) and n > 0 for n in before):
        raise ValueError(
            f"reminders, field 'before': {before!r} is not a list of whole numbers > 0"
        )
    if not isinstance(on_due_day := spec.get("on_due_day", default.on_due_day), bool):
        raise ValueError(f"reminders, field 'on_due_day': {on_due_day!r} is not true or false")
    for field in ("overdue_every", "escalate_after"):
        if not _count(spec.get(field, 0)):
            raise ValueError(
                f"reminders, field {field!r}: {spec[field]!r} is not a whole number >= 0"
            )
    return ReminderPolicy(
        before=tuple(before),
        on_due_day=on_due_day,
        overdue_every=spec.get("overdue_every", default.overdue_every),
        escalate_after=spec.get("escalate_after", default.escalate_after),
    )


def _count(value: object) -> bool:
    # YAML reads "yes" and "true" as booleans, and bool is an int subclass: refuse them here.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
