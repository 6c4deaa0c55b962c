"""Deadline rules: the default configuration, its validation and the reminder thresholds."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflow.domain.deadline_rules import DeadlineRule, ReminderPolicy, load_rules
from workflow.domain.working_days import Duration, Jurisdiction, calendar_for

DEADLINES_YAML = Path(__file__).resolve().parents[2] / "config" / "deadlines.yaml"
ENGLAND = calendar_for(Jurisdiction.ENGLAND)


def raw_config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DEADLINES_YAML.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def rules() -> dict[str, DeadlineRule]:
    loaded, _ = load_rules(raw_config())
    return {rule.key: rule for rule in loaded}


def test_the_default_rules_carry_the_published_figures(rules: dict[str, DeadlineRule]) -> None:
    figures = {
        key: (str(r.duration), r.direction, r.anchor, r.stage, r.owed_by)
        for key, r in rules.items()
    }
    assert figures == {
        "expected_publication": ("0 days", "after", "business_plan", "scoping", "lead"),
        "notice_before_fieldwork": (
            "10 working days",
            "before",
            "stage_entered",
            "fieldwork",
            "lead",
        ),
        "notification_to_publication": ("35 weeks", "after", "stage_entered", "scoping", "lead"),
        "supporting_contributions": (
            "3 working days",
            "after",
            "stage_left",
            "fieldwork",
            "supporting",
        ),
        "fieldwork_to_publication": ("18 weeks", "after", "stage_left", "fieldwork", "lead"),
        "urgent_notification_response": (
            "28 days",
            "after",
            "event",
            "drafting",
            "inspected_body",
        ),
        "factual_accuracy_check": (
            "10 working days",
            "after",
            "event",
            "drafting",
            "inspected_body",
        ),
        "signoff_response": (
            "10 working days",
            "after",
            "stage_entered",
            "joint_signoff",
            "each_participant",
        ),
        "embargoed_copy": ("3 working days", "before", "publication", "publication", "lead"),
        "pcc_response": ("56 days", "after", "publication", "follow_up", "inspected_body"),
        "follow_up_review": ("8 months", "after", "stage_left", "fieldwork", "lead"),
        "follow_up_review_latest": ("12 months", "after", "stage_left", "fieldwork", "lead"),
        "follow_up_report": ("25 working days", "after", "event", "follow_up", "lead"),
    }


def test_event_rules_name_their_event_and_others_do_not(rules: dict[str, DeadlineRule]) -> None:
    assert {key: r.event for key, r in rules.items() if r.event} == {
        "urgent_notification_response": "urgent_notification",
        "factual_accuracy_check": "factual_accuracy_started",
        "follow_up_report": "follow_up_review_visit",
    }


def test_every_default_rule_applies_to_every_kind_of_work_stream(
    rules: dict[str, DeadlineRule],
) -> None:
    assert all(
        r.applies_to == frozenset() and r.applies("thematic_inspection") for r in rules.values()
    )


def test_the_default_reminder_policy_is_10_and_3_days_before_then_every_5_overdue() -> None:
    _, policy = load_rules(raw_config())
    assert policy == ReminderPolicy(
        before=(10, 3), on_due_day=True, overdue_every=5, escalate_after=5
    )


def test_notice_for_fieldwork_on_26_april_2021_is_due_on_12_april(
    rules: dict[str, DeadlineRule],
) -> None:
    notice = rules["notice_before_fieldwork"]
    assert notice.due(date(2021, 4, 26), ENGLAND) == date(2021, 4, 12)
    # Counting the notification as day 1, day 10 is the Friday before fieldwork.
    assert notice.duration.after(date(2021, 4, 12), ENGLAND, count_start=True) == date(2021, 4, 23)


def test_contributions_after_fieldwork_ending_before_christmas_skip_the_bank_holidays(
    rules: dict[str, DeadlineRule],
) -> None:
    # Fieldwork ends Thursday 22 December 2022: 23, (26, 27 bank holidays), 28, 29.
    assert rules["supporting_contributions"].due(date(2022, 12, 22), ENGLAND) == date(2022, 12, 29)


def test_the_embargoed_copy_goes_out_3_working_days_before_publication_over_easter(
    rules: dict[str, DeadlineRule],
) -> None:
    # Publication Wednesday 12 April 2023: 11 Apr, (10 Apr Easter Monday, 7 Apr Good Friday),
    # 6 Apr, 5 Apr.
    assert rules["embargoed_copy"].due(date(2023, 4, 12), ENGLAND) == date(2023, 4, 5)


def test_calendar_rules_count_calendar_days(rules: dict[str, DeadlineRule]) -> None:
    published = date(2023, 3, 2)
    assert rules["pcc_response"].due(published, ENGLAND) == date(2023, 4, 27)
    assert rules["follow_up_review"].due(date(2023, 1, 31), ENGLAND) == date(2023, 9, 30)
    assert rules["follow_up_review_latest"].due(date(2023, 1, 31), ENGLAND) == date(2024, 1, 31)


def test_a_rule_with_count_start_counts_its_anchor_day_as_day_1() -> None:
    rule = DeadlineRule(
        key="k",
        stage="fieldwork",
        duration=Duration(10, "working_days"),
        anchor="stage_entered",
        owed_by="lead",
        description="d",
        count_start=True,
    )
    assert rule.due(date(2021, 4, 12), ENGLAND) == date(2021, 4, 23)


def test_a_rule_only_names_an_event_when_anchored_on_one() -> None:
    with pytest.raises(ValueError, match="'k', field 'event'"):
        DeadlineRule("k", "drafting", Duration(28, "days"), "event", "lead", "d")


_DELETE = object()  # stands for 'remove this field'


def _break(path: tuple[str, ...], value: object) -> dict[str, Any]:
    data = copy.deepcopy(raw_config())
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("rules", "pcc_response", "duration"), "ten days", "'pcc_response', field 'duration'"),
        (("rules", "pcc_response", "duration"), 56, "'pcc_response', field 'duration'"),
        (("rules", "pcc_response", "anchor"), "yesterday", "'pcc_response', field 'anchor'"),
        (("rules", "pcc_response", "owed_by"), "nobody", "'pcc_response', field 'owed_by'"),
        (("rules", "pcc_response", "stage"), "paused", "'pcc_response', field 'stage'"),
        (("rules", "pcc_response", "direction"), "sideways", "'pcc_response', field 'direction'"),
        (("rules", "pcc_response", "count_start"), "yes", "'pcc_response', field 'count_start'"),
        (("rules", "pcc_response", "applies_to"), ["prison"], "'pcc_response', field 'applies_to'"),
        (("rules", "pcc_response", "colour"), "red", "'pcc_response', field 'colour'"),
        (("rules", "pcc_response", "description"), _DELETE, "'pcc_response', field 'description'"),
        (("rules", "pcc_response", "description"), " ", "'pcc_response', field 'description'"),
        (("rules", "pcc_response", "event"), "urgent", "'pcc_response', field 'event'"),
        (("rules", "follow_up_report", "event"), _DELETE, "'follow_up_report', field 'event'"),
        (("rules", "pcc_response", "closed_by"), "magic", "'pcc_response', field 'closed_by'"),
        (
            ("rules", "pcc_response", "closed_by"),
            "event",
            "'pcc_response', field 'closed_by_event'",
        ),
        (
            ("rules", "follow_up_review", "closed_by_event"),
            _DELETE,
            "'follow_up_review', field 'closed_by_event'",
        ),
        (("rules", "pcc_response", "what"), 3, "'pcc_response', field 'what'"),
        (("rules", "Bad Key"), {}, "'Bad Key', field 'key'"),
        (("rules", "signoff_response"), "10 working days", "'signoff_response'"),
        (("reminders", "before"), [10, 0], "reminders, field 'before'"),
        (("reminders", "before"), 10, "reminders, field 'before'"),
        (("reminders", "overdue_every"), -1, "reminders, field 'overdue_every'"),
        (("reminders", "escalate_after"), True, "reminders, field 'escalate_after'"),
        (("reminders", "on_due_day"), "yes", "reminders, field 'on_due_day'"),
        (("reminders", "nag"), 1, "reminders, field 'nag'"),
        (("rules",), [], "field 'rules'"),
        (("rules",), _DELETE, "field 'rules'"),
        (("extra",), 1, "field 'extra'"),
    ],
)
def test_bad_input_is_refused_naming_the_rule_and_field(
    path: tuple[str, ...], value: object, expected: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        load_rules(_break(path, value))


def test_what_closes_each_deadline_by_itself_is_configured(rules: dict[str, DeadlineRule]) -> None:
    closing = {key: (r.closed_by, r.closed_by_event) for key, r in rules.items()}
    assert closing["signoff_response"] == ("state_left", "")
    assert closing["fieldwork_to_publication"] == ("publication", "")
    assert closing["follow_up_review"] == ("event", "follow_up_review_visit")
    assert closing["follow_up_report"] == ("none", "")
    assert closing["factual_accuracy_check"] == ("event", "factual_accuracy_signed_off")
    assert closing["embargoed_copy"] == ("event", "embargo_sent")


def test_every_rule_says_in_a_few_words_what_is_owed(rules: dict[str, DeadlineRule]) -> None:
    assert all(rule.what and len(rule.what) < 90 for rule in rules.values())
    assert rules["supporting_contributions"].owed == (
        "written contributions from the supporting inspectors"
    )
    bare = DeadlineRule(
        "pcc_response", "follow_up", Duration(1, "days"), "publication", "lead", "d"
    )
    assert bare.owed == "pcc response"


def test_a_file_without_reminders_gets_the_default_policy() -> None:
    _, policy = load_rules(_break(("reminders",), _DELETE))
    assert policy == ReminderPolicy()


def test_thresholds_come_in_date_order_counting_working_days_over_new_year() -> None:
    # Due Thursday 5 January 2023; 26, 27 December and 2 January are bank holidays.
    thresholds = ReminderPolicy().thresholds(date(2023, 1, 5), ENGLAND, until=date(2023, 2, 1))
    assert thresholds == [
        ("before-10", date(2022, 12, 19)),
        ("before-3", date(2022, 12, 30)),
        ("due", date(2023, 1, 5)),
        ("overdue-5", date(2023, 1, 12)),
        ("escalate", date(2023, 1, 12)),
        ("overdue-10", date(2023, 1, 19)),
        ("overdue-15", date(2023, 1, 26)),
    ]


def test_overdue_reminders_stop_at_until_but_escalation_is_always_listed() -> None:
    thresholds = ReminderPolicy().thresholds(date(2023, 1, 5), ENGLAND, until=date(2023, 1, 5))
    assert [label for label, _ in thresholds] == ["before-10", "before-3", "due", "escalate"]


def test_zero_turns_off_overdue_reminders_and_escalation() -> None:
    policy = ReminderPolicy(before=(3,), on_due_day=False, overdue_every=0, escalate_after=0)
    assert policy.thresholds(date(2023, 1, 5), ENGLAND, until=date(2024, 1, 1)) == [
        ("before-3", date(2022, 12, 30)),
    ]


def test_a_late_escalation_falls_between_overdue_reminders() -> None:
    policy = ReminderPolicy(before=(), overdue_every=5, escalate_after=7)
    labels = [label for label, _ in policy.thresholds(date(2023, 1, 5), ENGLAND, date(2023, 1, 20))]
    assert labels == ["due", "overdue-5", "escalate", "overdue-10"]
