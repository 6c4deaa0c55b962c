"""Deadlines applied to one work stream: opening, closing, pausing, owing and reminding."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import holidays
import pytest
import yaml

from workflow.domain import deadlines as d
from workflow.domain import working_days
from workflow.domain.deadline_rules import DeadlineRule, ReminderPolicy, load_rules
from workflow.domain.factual_accuracy import FactualAccuracyCheck
from workflow.domain.joint_decisions import Decision, DecisionRecord
from workflow.domain.roles import Role
from workflow.domain.stages import Stage, WorkStreamKind
from workflow.domain.working_days import Duration, Jurisdiction, calendar_for
from workflow.domain.workstream import WorkStream

CONFIG = Path(__file__).resolve().parents[2] / "config" / "deadlines.yaml"
RULES, POLICY = load_rules(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))
BY_KEY = {rule.key: rule for rule in RULES}
ENGLAND = calendar_for(Jurisdiction.ENGLAND)
WALES = calendar_for(Jurisdiction.WALES)
NO_PLANS = d.Plans()


def stream(state: Stage = Stage.SCOPING, **extra: Any) -> WorkStream:
    fields: dict[str, Any] = {
        "ref": "mappa",
        "title": "MAPPA",
        "kind": WorkStreamKind.THEMATIC_INSPECTION,
        "jurisdiction": Jurisdiction.ENGLAND,
        "lead": "HMIPROBATION",
        "supporting": ("HMIPRISONS", "HMICFRS"),
        "state": state,
        **extra,
    }
    return WorkStream(**fields)


def keys(openings: list[d.Opening]) -> list[tuple[str, str, str | None, date]]:
    return sorted((o.rule.key, o.owed.owed_by, o.owed.body, o.due) for o in openings)


def test_ten_working_days_of_sign_off_from_19_december_2022_skip_26_and_27_december() -> None:
    ws = stream(Stage.JOINT_SIGNOFF)
    opened = d.on_move(RULES, ws, Stage.DRAFTING, Stage.JOINT_SIGNOFF, date(2022, 12, 19), NO_PLANS)
    signoff = [o for o in opened if o.rule.key == "signoff_response"]
    assert {o.owed.body for o in signoff} == {"HMIPROBATION", "HMIPRISONS", "HMICFRS"}
    # 20-23 Dec are days 1-4; 26 and 27 Dec are bank holidays; 28-30 Dec are days 5-7;
    # 2 Jan is a bank holiday; 3-5 Jan are days 8-10.
    assert {o.due for o in signoff} == {date(2023, 1, 5)}


def test_the_calendar_is_the_work_streams_jurisdictions() -> None:
    # Boxing Day 2022 was a bank holiday in both nations: their calendars agree today.
    english, welsh = stream(Stage.JOINT_SIGNOFF), stream(Stage.JOINT_SIGNOFF)
    welsh.jurisdiction = Jurisdiction.WALES
    for ws in (english, welsh):
        opened = d.on_move(
            RULES, ws, Stage.DRAFTING, Stage.JOINT_SIGNOFF, date(2022, 12, 19), NO_PLANS
        )
        assert {o.due for o in opened if o.rule.key == "signoff_response"} == {date(2023, 1, 5)}
    assert d.calendar_of(welsh) is WALES and d.calendar_of(english) is ENGLAND


@pytest.fixture
def st_davids_day_in_wales(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A Welsh bank holiday that England does not have (St David's Day, long proposed)."""
    real = holidays.country_holidays

    def country_holidays(country: str, subdiv: str, years: int) -> dict[date, str]:
        found = dict(real(country, subdiv=subdiv, years=years))
        if subdiv == "WLS":
            found[date(years, 3, 1)] = "St David's Day"
        return found

    monkeypatch.setattr(holidays, "country_holidays", country_holidays)
    working_days._holidays.cache_clear()
    yield
    working_days._holidays.cache_clear()


@pytest.mark.usefixtures("st_davids_day_in_wales")
def test_welsh_and_english_deadlines_differ_where_their_holidays_do() -> None:
    english, welsh = stream(Stage.JOINT_SIGNOFF), stream(Stage.JOINT_SIGNOFF)
    welsh.jurisdiction = Jurisdiction.WALES
    started = date(2023, 2, 27)  # Monday; Wednesday 1 March is the Welsh holiday
    due = {
        ws.jurisdiction: {
            o.due
            for o in d.on_move(RULES, ws, Stage.DRAFTING, Stage.JOINT_SIGNOFF, started, NO_PLANS)
            if o.rule.key == "signoff_response"
        }
        for ws in (english, welsh)
    }
    assert due == {
        Jurisdiction.ENGLAND: {date(2023, 3, 13)},
        Jurisdiction.WALES: {date(2023, 3, 14)},
    }


def test_a_new_work_stream_owes_publication_35_weeks_on_and_by_the_end_of_its_plan_window() -> None:
    ws = stream()
    opened = d.on_creation(RULES, ws, date(2022, 1, 10), d.Plans(window_end=date(2022, 5, 31)))
    assert keys(opened) == [
        ("expected_publication", "lead", "HMIPROBATION", date(2022, 5, 31)),
        ("notification_to_publication", "lead", "HMIPROBATION", date(2022, 9, 12)),
    ]
    assert {o.stage for o in opened} == {Stage.SCOPING}
    assert {o.closes_on for o in opened} == {"publication"}


def test_without_a_plan_window_there_is_no_business_plan_deadline() -> None:
    opened = d.on_creation(RULES, stream(), date(2022, 1, 10), NO_PLANS)
    assert [o.rule.key for o in opened] == ["notification_to_publication"]


def test_leaving_fieldwork_opens_contributions_per_supporting_body_and_publication_targets() -> (
    None
):
    ws = stream(Stage.DRAFTING)
    opened = d.on_move(RULES, ws, Stage.FIELDWORK, Stage.DRAFTING, date(2021, 6, 4), NO_PLANS)
    assert keys(opened) == [
        ("fieldwork_to_publication", "lead", "HMIPROBATION", date(2021, 10, 8)),
        ("follow_up_review", "lead", "HMIPROBATION", date(2022, 2, 4)),
        ("follow_up_review_latest", "lead", "HMIPROBATION", date(2022, 6, 4)),
        ("supporting_contributions", "supporting", "HMICFRS", date(2021, 6, 9)),
        ("supporting_contributions", "supporting", "HMIPRISONS", date(2021, 6, 9)),
    ]
    assert {o.stage for o in opened} == {Stage.DRAFTING}


def test_publication_opens_the_pcc_response_owed_by_the_inspected_body_chased_by_the_lead() -> None:
    ws = stream(Stage.FOLLOW_UP)
    opened = d.on_move(RULES, ws, Stage.PUBLICATION, Stage.FOLLOW_UP, date(2023, 3, 2), NO_PLANS)
    assert keys(opened) == [("pcc_response", "inspected_body", "HMIPROBATION", date(2023, 4, 27))]


def test_only_bodies_that_have_not_approved_owe_a_sign_off_response() -> None:
    ws = stream(Stage.JOINT_SIGNOFF)
    ws.report.versions.append("v1")
    ws.report.decisions.append(
        DecisionRecord(
            "HMICFRS", "s", Decision.APPROVE, "v1", datetime(2023, 1, 3, 10, tzinfo=UTC), round=0
        )
    )
    owed = d.owers(BY_KEY["signoff_response"], ws)
    assert owed == [d.Owed("participant", "HMIPROBATION"), d.Owed("participant", "HMIPRISONS")]


def test_the_embargoed_copy_counts_back_from_the_planned_publication_else_the_plan_window() -> None:
    ws = stream(Stage.PUBLICATION)
    window = d.Plans(window_end=date(2023, 4, 12))
    opened = d.on_move(RULES, ws, Stage.JOINT_SIGNOFF, Stage.PUBLICATION, date(2023, 3, 1), window)
    # 3 working days back from Wednesday 12 April 2023 skip Easter Monday and Good Friday.
    assert keys(opened) == [("embargoed_copy", "lead", "HMIPROBATION", date(2023, 4, 5))]
    planned = d.Plans({"publication": date(2023, 3, 30)}, window_end=date(2023, 4, 12))
    opened = d.on_move(RULES, ws, Stage.JOINT_SIGNOFF, Stage.PUBLICATION, date(2023, 3, 1), planned)
    assert keys(opened) == [("embargoed_copy", "lead", "HMIPROBATION", date(2023, 3, 27))]
    assert (
        d.on_move(RULES, ws, Stage.JOINT_SIGNOFF, Stage.PUBLICATION, date(2023, 3, 1), NO_PLANS)
        == []
    )


def test_planning_fieldwork_opens_the_notice_due_ten_working_days_before_it() -> None:
    ws = stream(Stage.SCOPING)
    plans = d.Plans({"fieldwork": date(2021, 4, 26)})
    opened = d.on_milestone(RULES, ws, "fieldwork", plans)
    assert keys(opened) == [("notice_before_fieldwork", "lead", "HMIPROBATION", date(2021, 4, 12))]
    assert opened[0].stage is Stage.SCOPING and opened[0].closes_on == "state_left"
    assert d.on_milestone(RULES, stream(Stage.DRAFTING), "fieldwork", plans) == []


def test_planning_fieldwork_while_paused_in_scoping_still_opens_the_notice() -> None:
    ws = stream(Stage.PAUSED, paused_from=Stage.SCOPING)
    opened = d.on_milestone(RULES, ws, "fieldwork", d.Plans({"fieldwork": date(2021, 4, 26)}))
    assert [o.rule.key for o in opened] == ["notice_before_fieldwork"]


def test_an_event_opens_its_response_deadline_and_closes_what_waited_for_it() -> None:
    ws = stream(Stage.DRAFTING)
    plans = d.Plans({"urgent_notification": date(2022, 3, 1)})
    opened = d.on_milestone(RULES, ws, "urgent_notification", plans)
    assert keys(opened) == [
        ("urgent_notification_response", "inspected_body", "HMIPROBATION", date(2022, 3, 29))
    ]
    review = standing(1, "follow_up_review", closes_on="event:follow_up_review_visit")
    other = standing(2, "pcc_response")
    assert d.closed_by_milestone([review, other], "follow_up_review_visit") == [review]


def test_the_dates_a_person_may_record_come_from_the_rules() -> None:
    # The report's journey records the rest (factual accuracy, embargo, urgent notification).
    assert d.milestone_names(RULES) == ["fieldwork", "follow_up_review_visit", "publication"]


def test_the_report_journey_dates_what_deadlines_run_from() -> None:
    ws = stream(Stage.DRAFTING)
    assert d.journey_dates(ws) == {}
    ws.factual_accuracy = FactualAccuracyCheck("v1", date(2023, 1, 3), ("Police",), None)
    ws.publication.scheduled_for = datetime(2023, 3, 29, 23, 30, tzinfo=UTC)  # 00:30 in London
    ws.publication.urgent_notification_on = date(2023, 2, 1)
    assert d.journey_dates(ws) == {
        "factual_accuracy_started": date(2023, 1, 3),
        "publication": date(2023, 3, 30),
        "urgent_notification": date(2023, 2, 1),
    }


def test_starting_the_factual_accuracy_check_opens_it_on_the_date_the_lead_agreed() -> None:
    ws = stream(Stage.DRAFTING)
    ws.factual_accuracy = FactualAccuracyCheck("v1", date(2023, 1, 3), ("Police",), None)
    plans = d.Plans(d.journey_dates(ws))
    opened = d.on_milestone(RULES, ws, "factual_accuracy_started", plans)
    assert keys(opened) == [
        ("factual_accuracy_check", "inspected_body", "HMIPROBATION", date(2023, 1, 17))
    ]
    ws.factual_accuracy.due_on = date(2023, 1, 31)
    opened = d.on_milestone(RULES, ws, "factual_accuracy_started", plans)
    assert [o.due for o in opened] == [date(2023, 1, 31)]


def standing(
    id_: int, rule: str, *, stage: str = "joint_signoff", closes_on: str = "state_left"
) -> d.Standing:
    return d.Standing(id_, rule, "lead", "HMIPROBATION", stage, closes_on, date(2023, 1, 5))


def test_leaving_a_state_closes_what_it_opened_but_a_pause_closes_nothing() -> None:
    signoff = standing(1, "signoff_response")
    publish = standing(2, "fieldwork_to_publication", stage="drafting", closes_on="publication")
    manual = standing(3, "follow_up_report", stage="follow_up", closes_on="none")
    every = [signoff, publish, manual]
    assert d.closed_by_move(every, Stage.JOINT_SIGNOFF, Stage.DRAFTING) == [signoff]
    assert d.closed_by_move(every, Stage.JOINT_SIGNOFF, Stage.PAUSED) == []
    assert d.closed_by_move(every, Stage.PAUSED, Stage.JOINT_SIGNOFF) == []
    assert d.closed_by_move(every, Stage.PUBLICATION, Stage.FOLLOW_UP) == [publish]
    assert d.closed_by_move(every, Stage.PAUSED, Stage.WITHDRAWN) == every
    assert d.closed_by_move(every, Stage.FOLLOW_UP, Stage.CLOSED) == every


def test_pause_resume_and_endings_open_nothing() -> None:
    ws = stream(Stage.JOINT_SIGNOFF)
    for source, dest in [
        (Stage.JOINT_SIGNOFF, Stage.PAUSED),
        (Stage.PAUSED, Stage.JOINT_SIGNOFF),
        (Stage.JOINT_SIGNOFF, Stage.WITHDRAWN),
    ]:
        assert d.on_move(RULES, ws, source, dest, date(2023, 1, 3), NO_PLANS) == []


def test_resuming_moves_a_deadline_on_by_the_working_days_it_was_paused() -> None:
    # Paused Friday 16 December 2022, resumed Wednesday 4 January 2023: 19-23 Dec, 28-30 Dec,
    # 3 and 4 Jan are 10 working days (26, 27 Dec and 2 Jan are bank holidays).
    due, days = d.moved_on_by_pause(
        date(2022, 12, 21), date(2022, 12, 16), date(2023, 1, 4), ENGLAND
    )
    assert days == 10
    assert due == ENGLAND.add_working_days(date(2022, 12, 21), 10) == date(2023, 1, 9)


def test_a_pause_over_a_weekend_alone_moves_nothing() -> None:
    assert d.moved_on_by_pause(date(2023, 1, 9), date(2023, 1, 6), date(2023, 1, 8), ENGLAND) == (
        date(2023, 1, 9),
        0,
    )


def test_a_new_duration_re_dates_from_the_anchor_keeping_paused_days() -> None:
    rule = BY_KEY["signoff_response"]
    longer = d.effective_rules(RULES, {"signoff_response": Duration(15, "working_days")}, "review")
    assert {r.key: r.duration for r in longer}["signoff_response"] == Duration(15, "working_days")
    new_rule = next(r for r in longer if r.key == rule.key)
    assert d.redated(new_rule, date(2023, 1, 3), ENGLAND, 0) == date(2023, 1, 24)
    assert d.redated(new_rule, date(2023, 1, 3), ENGLAND, 2) == date(2023, 1, 26)


def test_rules_for_other_kinds_do_not_apply() -> None:
    only_visits = DeadlineRule(
        "visit_only", "fieldwork", Duration(1, "days"), "stage_entered", "lead", "d",
        applies_to=frozenset({"visit"}),
    )  # fmt: skip
    assert d.effective_rules([only_visits], {}, "thematic_inspection") == ()
    assert d.effective_rules([only_visits], {}, "visit") == (only_visits,)


@pytest.mark.parametrize(
    ("owed_by", "threshold", "roles"),
    [
        ("lead", "before-3", {Role.CONTACT}),
        ("supporting", "due", {Role.CONTACT}),
        ("inspected_body", "overdue-5", {Role.CONTACT}),
        ("participant", "before-3", {Role.SIGNATORY, Role.DEPUTY_SIGNATORY}),
        ("participant", "escalate", {Role.CHIEF_INSPECTOR}),
        ("lead", "escalate", {Role.CHIEF_INSPECTOR}),
    ],
)
def test_reminders_go_to_the_owing_bodys_people_and_escalations_to_its_chief_inspector(
    owed_by: str, threshold: str, roles: set[Role]
) -> None:
    assert d.recipients(owed_by, "HMICFRS", threshold) == ("HMICFRS", roles)


# -- reminders ---------------------------------------------------------------------------
OPENED, DUE = date(2022, 12, 19), date(2023, 1, 5)


def test_nothing_is_reminded_on_the_day_a_deadline_opens() -> None:
    # before-10 falls on the opening day itself: the move that opened it told everyone.
    first = d.next_reminder(DUE, OPENED, POLICY, ENGLAND, after=OPENED)
    assert first == date(2022, 12, 30)  # before-3


def test_each_threshold_is_acted_on_on_its_day() -> None:
    swept: list[tuple[date, list[str]]] = []
    since = d.next_reminder(DUE, OPENED, POLICY, ENGLAND, after=OPENED)
    day = OPENED
    while day <= date(2023, 1, 31):
        if since is not None and since <= day:
            swept.append((day, d.reminders_to_send(DUE, OPENED, POLICY, ENGLAND, since, day)))
            since = d.next_reminder(DUE, OPENED, POLICY, ENGLAND, after=day)
        day = day.fromordinal(day.toordinal() + 1)
    assert swept == [
        (date(2022, 12, 30), ["before-3"]),
        (date(2023, 1, 5), ["due"]),
        (date(2023, 1, 12), ["overdue-5", "escalate"]),
        (date(2023, 1, 19), ["overdue-10"]),
        (date(2023, 1, 26), ["overdue-15"]),
    ]


def test_a_sweep_after_a_long_gap_sends_only_the_latest_reminder_and_the_escalation() -> None:
    since = date(2022, 12, 30)
    assert d.reminders_to_send(DUE, OPENED, POLICY, ENGLAND, since, date(2023, 1, 13)) == [
        "overdue-5",
        "escalate",
    ]


def test_without_overdue_reminders_nothing_is_left_after_the_escalation() -> None:
    policy = ReminderPolicy(before=(3,), on_due_day=True, overdue_every=0, escalate_after=5)
    assert d.next_reminder(DUE, OPENED, policy, ENGLAND, after=date(2023, 1, 12)) is None
    assert d.next_reminder(DUE, OPENED, policy, ENGLAND, after=date(2023, 1, 11)) == date(
        2023, 1, 12
    )


def test_overdue_reminders_keep_coming_every_five_working_days() -> None:
    after = date(2023, 6, 1)
    following = d.next_reminder(DUE, OPENED, POLICY, ENGLAND, after=after)
    assert following is not None and after < following <= date(2023, 6, 9)


def test_dates_read_as_in_the_messages() -> None:
    assert d.long_date(date(2023, 1, 5)) == "Thursday 5 January 2023"


def test_a_deadline_that_opens_past_its_escalation_day_escalates_on_the_day_it_opens() -> None:
    opened = date(2023, 3, 1)  # due 5 January, escalation due 12 January: long gone
    first = d.next_reminder(DUE, opened, POLICY, ENGLAND, after=opened - timedelta(days=1))
    assert first == opened
    assert d.reminders_to_send(DUE, opened, POLICY, ENGLAND, opened, opened) == ["escalate"]
    after = d.next_reminder(DUE, opened, POLICY, ENGLAND, after=opened)
    assert after is not None and after > opened
    assert "escalate" not in d.reminders_to_send(DUE, opened, POLICY, ENGLAND, after, after)
