"""Deadlines as work streams move, on SQLite and PostgreSQL: opened, closed, paused, extended."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from tests.conftest import Clock
from tests.integration.deadline_walk import create_review as create
from tests.integration.deadline_walk import review_to_signoff as to_signoff
from tests.integration.walk import (
    LEAD,
    REVIEWER,
    agree,
    agree_terms,
    approve_all,
    publish,
    signatory,
)
from tests.support.acting import send
from workflow.application.commands import (
    AddEmbargoRecipient,
    EditWorkStream,
    ExtendDeadline,
    FireTrigger,
    MarkDeadlineMet,
    OverrideDeadlineRule,
    RecordDecision,
    RecordMilestone,
    RecordUrgentNotification,
    RegisterDocument,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.principal import Actor
from workflow.application.queries import deadlines, progress
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import InvalidInput, NotFound, NotPermitted, Refused
from workflow.store import deadline_tables

CHRISTMAS_WEEK = datetime(2022, 12, 19, 9, 0, tzinfo=UTC)  # Monday 19 December 2022


def open_of(rt: Runtime, rule: str | None = None, ref: str = "mappa") -> list[dict[str, Any]]:
    found = deadlines.list_deadlines(rt, stream=ref)
    return [d for d in found if rule is None or d["rule"] == rule]


def by_body(rows: list[dict[str, Any]]) -> dict[str | None, str]:
    return {d["body"]: d["due"] for d in rows}


def changes(rt: Runtime, ref: str = "mappa") -> list[dict[str, Any]]:
    events = queries.audit_log(rt, ref, action="deadline_changed", limit=1000)
    return [e["payload"] for e in events]


def test_a_new_work_stream_owes_publication_by_its_plan_window_and_in_35_weeks(
    rt: Runtime,
) -> None:
    create(rt)  # 10 January 2022, "Spring 2022"
    assert {d["rule"]: d["due"] for d in open_of(rt)} == {
        "expected_publication": "2022-05-31",
        "notification_to_publication": "2022-09-12",
    }
    assert {d["body"] for d in open_of(rt)} == {"HMIPROBATION"}
    assert [c["change"] for c in changes(rt)] == ["opened", "opened"]


def test_sign_off_gives_each_body_ten_working_days_skipping_christmas(
    rt: Runtime, clock: Clock
) -> None:
    clock.now = CHRISTMAS_WEEK
    create(rt)
    to_signoff(rt)
    assert by_body(open_of(rt, "signoff_response")) == {
        "HMIPROBATION": "2023-01-05",
        "HMIPRISONS": "2023-01-05",
        "HMICFRS": "2023-01-05",
    }


def test_the_factual_accuracy_check_is_owed_from_its_start_to_its_sign_off(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v1"))
    send(rt, LEAD, StartFactualAccuracy(key="mappa", parties=("Avon and Somerset Police",)))
    check = open_of(rt, "factual_accuracy_check")
    # The inspected body owes it; the lead chases it. Ten working days from Monday 10 January.
    assert [(d["owed_by"], d["body"], d["due"]) for d in check] == [
        ("inspected_body", "HMIPROBATION", "2022-01-24")
    ]
    clock.advance(days=3)
    send(rt, LEAD, SetFieldworkTeam(key="mappa", usernames=("lead.hmiprobation",)))
    send(rt, REVIEWER, SignOffFactualAccuracy(key="mappa"))
    assert open_of(rt, "factual_accuracy_check") == []
    closed = deadlines.list_deadlines(rt, stream="mappa", include_closed=True)
    reasons = [d["closed_reason"] for d in closed if d["rule"] == "factual_accuracy_check"]
    assert reasons == ["factual accuracy signed off on 2022-01-13"]


def test_a_factual_accuracy_check_started_with_its_own_date_is_due_then(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v1"))
    send(rt, LEAD, StartFactualAccuracy(key="mappa", parties=("HMPPS",), due_on=date(2022, 2, 4)))
    assert by_body(open_of(rt, "factual_accuracy_check")) == {"HMIPROBATION": "2022-02-04"}


def test_the_check_and_the_embargo_take_their_dates_from_the_rules_and_their_overrides(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    send(
        rt,
        LEAD,
        OverrideDeadlineRule(
            key="mappa",
            rule_key="factual_accuracy_check",
            duration="5 working days",
            reason="a short report",
        ),
    )
    send(
        rt,
        LEAD,
        OverrideDeadlineRule(
            key="mappa",
            rule_key="embargoed_copy",
            duration="2 working days",
            reason="a ministry ask",
        ),
    )
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    agree(rt, "mappa", "findings")
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v1"))
    # Five working days from Monday 10 January 2022, not the default ten.
    started = send(rt, LEAD, StartFactualAccuracy(key="mappa", parties=("HMPPS",)))
    assert started == date(2022, 1, 17)
    assert by_body(open_of(rt, "factual_accuracy_check")) == {"HMIPROBATION": "2022-01-17"}
    send(rt, REVIEWER, SignOffFactualAccuracy(key="mappa"))
    version = send(
        rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v2")
    ).version
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    approve_all(rt, "mappa", version)
    # Two working days before Tuesday 1 March 2022, not the default three.
    embargo = send(
        rt, LEAD, SchedulePublication(key="mappa", when=datetime(2022, 3, 1, 9, tzinfo=UTC))
    )
    assert embargo == date(2022, 2, 25)


def test_publication_scheduled_moves_the_embargoed_copy_and_sending_it_meets_it(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    version = to_signoff(rt)
    approve_all(rt, "mappa", version)
    # Until publication is scheduled, the copy counts back from the plan window (31 May).
    assert by_body(open_of(rt, "embargoed_copy")) == {"HMIPROBATION": "2022-05-26"}
    send(rt, LEAD, SchedulePublication(key="mappa", when=datetime(2022, 3, 1, 9, 30, tzinfo=UTC)))
    assert by_body(open_of(rt, "embargoed_copy")) == {"HMIPROBATION": "2022-02-24"}
    send(
        rt,
        LEAD,
        AddEmbargoRecipient(
            key="mappa", name="Press office", email="press@moj.example", kind="press"
        ),
    )
    clock.advance(days=1)
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    assert open_of(rt, "embargoed_copy") == []
    assert "embargo sent on 2022-01-11" in {
        d["closed_reason"]
        for d in deadlines.list_deadlines(rt, stream="mappa", include_closed=True)
    }


def test_an_urgent_notification_opens_the_secretary_of_states_28_days(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    send(rt, LEAD, RecordUrgentNotification(key="mappa", on=date(2022, 1, 12)))
    due = open_of(rt, "urgent_notification_response")
    assert [(d["owed_by"], d["due"]) for d in due] == [("inspected_body", "2022-02-09")]
    with pytest.raises(InvalidInput, match="recorded by the report's journey"):
        send(
            rt, LEAD, RecordMilestone(key="mappa", name="urgent_notification", on=date(2022, 1, 12))
        )


def test_an_approval_closes_that_bodys_deadline_and_the_last_one_closes_them_all(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    version = to_signoff(rt)
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(key="mappa", body="HMICFRS", decision="approve", version=version),
    )
    assert set(by_body(open_of(rt, "signoff_response"))) == {"HMIPROBATION", "HMIPRISONS"}
    for body in ("HMIPROBATION", "HMIPRISONS"):
        send(
            rt,
            signatory(body),
            RecordDecision(key="mappa", body=body, decision="approve", version=version),
        )
    assert open_of(rt, "signoff_response") == []
    # The embargoed copy counts back from the end of the plan window, 31 May 2022.
    assert by_body(open_of(rt, "embargoed_copy")) == {"HMIPROBATION": "2022-05-26"}


def test_a_request_for_changes_closes_sign_off_and_resubmission_opens_it_afresh(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    v1 = to_signoff(rt)
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(
            key="mappa",
            body="HMICFRS",
            decision="request_changes",
            version=v1,
            comment="needs the 2021 figures",
        ),
    )
    assert open_of(rt, "signoff_response") == []
    clock.advance(days=7)
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v2"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    assert set(by_body(open_of(rt, "signoff_response")).values()) == {"2022-01-31"}


def test_a_new_version_during_sign_off_asks_again_of_bodies_that_had_approved(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    v1 = to_signoff(rt)
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(key="mappa", body="HMICFRS", decision="approve", version=v1),
    )
    clock.advance(days=2)
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v1, corrected"))
    due = by_body(open_of(rt, "signoff_response"))
    assert due == {
        "HMIPROBATION": "2022-01-24",
        "HMIPRISONS": "2022-01-24",
        "HMICFRS": "2022-01-26",
    }


def test_pausing_stops_the_clock_and_resuming_moves_deadlines_on_by_the_days_paused(
    rt: Runtime, clock: Clock
) -> None:
    clock.now = CHRISTMAS_WEEK
    create(rt)
    to_signoff(rt)
    clock.now = datetime(2022, 12, 20, 12, tzinfo=UTC)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="awaiting data"))
    paused = open_of(rt, "signoff_response")
    assert {(d["paused"], d["next_reminder"], d["overdue"]) for d in paused} == {
        (True, None, False)
    }
    clock.now = datetime(2023, 1, 4, 9, tzinfo=UTC)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="resume"))
    # Paused on 20 December, resumed on 4 January: 21-23 and 28-30 December and 3-4 January
    # are 8 working days, so 5 January moves on to 17 January.
    resumed = open_of(rt, "signoff_response")
    assert {d["due"] for d in resumed} == {"2023-01-17"}
    assert {d["paused"] for d in resumed} == {False}
    moved = [c for c in changes(rt) if c["change"] == "resumed"]
    assert moved and {c["days"] for c in moved} == {8}


def test_withdrawing_a_paused_work_stream_closes_every_deadline(rt: Runtime, clock: Clock) -> None:
    create(rt)
    to_signoff(rt)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="Covid-19"))
    were_open = {d["id"] for d in open_of(rt)}
    send(rt, LEAD, FireTrigger(key="mappa", trigger="withdraw", reason="overtaken by events"))
    assert open_of(rt) == []
    closed = deadlines.list_deadlines(rt, stream="mappa", include_closed=True)
    reasons = {d["closed_reason"] for d in closed if d["id"] in were_open}
    assert len(were_open) >= 5 and reasons == {"the work stream was withdrawn"}


def test_leaving_fieldwork_opens_contributions_for_each_supporting_body(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    to_signoff(rt)  # every move on Monday 10 January 2022
    contributions = deadlines.list_deadlines(rt, stream="mappa", include_closed=True)
    contributions = [d for d in contributions if d["rule"] == "supporting_contributions"]
    assert by_body(contributions) == {"HMIPRISONS": "2022-01-13", "HMICFRS": "2022-01-13"}
    assert {d["closed_reason"] for d in contributions} == {
        "it moved from drafting to joint_signoff"
    }
    assert {d["rule"] for d in open_of(rt)} >= {"fieldwork_to_publication", "follow_up_review"}


def test_an_extension_needs_a_reason_moves_later_only_and_is_audited(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    to_signoff(rt)
    target = next(d for d in open_of(rt, "signoff_response") if d["body"] == "HMICFRS")
    with pytest.raises(InvalidInput, match="reason is required"):
        send(rt, LEAD, ExtendDeadline(deadline_id=target["id"], to=date(2022, 2, 1), reason=" "))
    with pytest.raises(InvalidInput, match="not after"):
        send(
            rt,
            LEAD,
            ExtendDeadline(deadline_id=target["id"], to=date(2022, 1, 11), reason="why not"),
        )
    with pytest.raises(NotPermitted, match="only the lead body"):
        send(
            rt,
            Actor("x", "HMICFRS"),
            ExtendDeadline(deadline_id=target["id"], to=date(2022, 2, 1), reason="busy"),
        )
    with pytest.raises(NotFound, match="no deadline 999999"):
        send(rt, LEAD, ExtendDeadline(deadline_id=999999, to=date(2022, 2, 1), reason="busy"))
    done = send(
        rt,
        LEAD,
        ExtendDeadline(
            deadline_id=target["id"], to=date(2022, 2, 1), reason="the chief is on leave"
        ),
    )
    assert done["due"] == "2022-02-01" and done["original_due"] == target["due"]
    assert done["extended_reason"] == "the chief is on leave"
    extended = [c for c in changes(rt) if c["change"] == "extended"]
    assert extended == [
        {
            "change": "extended",
            "deadline": target["id"],
            "rule": "signoff_response",
            "owed_by": "participant",
            "owing_body": target["body"],
            "due": "2022-02-01",
            "previous_due": target["due"],
        }
    ]
    events = queries.audit_log(rt, "mappa", action="deadline_changed", limit=1000)
    assert events[-1]["actor"] == LEAD.name and events[-1]["reason"] == "the chief is on leave"
    assert queries.verify_audit(rt).ok


def test_marking_a_deadline_met_closes_it_once(rt: Runtime, clock: Clock) -> None:
    create(rt)
    target = open_of(rt, "notification_to_publication")[0]
    with pytest.raises(NotPermitted, match=r"cannot mark a deadline met: .*only the lead body"):
        send(rt, Actor("x", "HMICFRS"), MarkDeadlineMet(deadline_id=target["id"]))
    done = send(rt, LEAD, MarkDeadlineMet(deadline_id=target["id"], note="published early"))
    assert done["closed_reason"] == "met: published early"
    with pytest.raises(Refused, match="closed already"):
        send(rt, LEAD, MarkDeadlineMet(deadline_id=target["id"]))
    with pytest.raises(Refused, match="nothing to extend"):
        send(rt, LEAD, ExtendDeadline(deadline_id=target["id"], to=date(2030, 1, 1), reason="late"))


def test_planning_fieldwork_opens_the_notice_and_starting_it_closes_the_notice(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    send(rt, LEAD, RecordMilestone(key="mappa", name="fieldwork", on=date(2022, 2, 14)))
    assert by_body(open_of(rt, "notice_before_fieldwork")) == {"HMIPROBATION": "2022-01-31"}
    send(
        rt,
        LEAD,
        RecordMilestone(key="mappa", name="fieldwork", on=date(2022, 2, 21), reason="venue moved"),
    )
    assert by_body(open_of(rt, "notice_before_fieldwork")) == {"HMIPROBATION": "2022-02-07"}
    assert [c["change"] for c in changes(rt)][-1] == "re-planned"
    to_signoff(rt)
    assert open_of(rt, "notice_before_fieldwork") == []
    with pytest.raises(InvalidInput, match="record one of fieldwork"):
        send(rt, LEAD, RecordMilestone(key="mappa", name="lunch", on=date(2022, 2, 21)))


def test_a_follow_up_review_visit_closes_the_review_deadlines_and_opens_its_report(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    version = to_signoff(rt)
    approve_all(rt, "mappa", version)
    publish(rt, "mappa", datetime(2022, 3, 1, 9, 30, tzinfo=UTC))
    assert {d["rule"] for d in open_of(rt)} == {
        "follow_up_review",
        "follow_up_review_latest",
        "pcc_response",
    }
    send(rt, LEAD, RecordMilestone(key="mappa", name="follow_up_review_visit", on=date(2022, 9, 5)))
    # 25 working days skip Monday 19 September 2022, the bank holiday of the Queen's funeral.
    assert {d["rule"]: d["due"] for d in open_of(rt)} == {
        "follow_up_report": "2022-10-11",
        "pcc_response": "2022-03-07",
    }


def test_a_rule_given_another_duration_for_one_work_stream_re_dates_it_with_the_reason(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    to_signoff(rt)
    target = next(d for d in open_of(rt, "signoff_response") if d["body"] == "HMICFRS")
    send(
        rt,
        LEAD,
        ExtendDeadline(deadline_id=target["id"], to=date(2022, 3, 1), reason="agreed separately"),
    )
    changed = send(
        rt,
        LEAD,
        OverrideDeadlineRule(
            key="mappa",
            rule_key="signoff_response",
            duration="15 working days",
            reason="a long report",
        ),
    )
    assert {d["body"]: d["due"] for d in changed} == {
        "HMIPROBATION": "2022-01-31",
        "HMIPRISONS": "2022-01-31",
        "HMICFRS": "2022-03-01",  # the hand extension stands
    }
    overridden = [c for c in changes(rt) if c["change"] == "rule_overridden"]
    assert overridden == [
        {
            "change": "rule_overridden",
            "rule": "signoff_response",
            "duration": "15 working days",
            "previous": None,
        }
    ]
    with pytest.raises(InvalidInput, match="reason is required"):
        send(
            rt,
            LEAD,
            OverrideDeadlineRule(
                key="mappa", rule_key="signoff_response", duration="5 working days", reason=""
            ),
        )
    with pytest.raises(InvalidInput, match="cannot read 'soon'"):
        send(
            rt,
            LEAD,
            OverrideDeadlineRule(
                key="mappa", rule_key="signoff_response", duration="soon", reason="why"
            ),
        )
    with pytest.raises(InvalidInput, match="no deadline rule 'nap'"):
        send(
            rt,
            LEAD,
            OverrideDeadlineRule(
                key="mappa", rule_key="nap", duration="5 working days", reason="why"
            ),
        )


def test_an_overridden_rule_applies_to_deadlines_opened_later(rt: Runtime, clock: Clock) -> None:
    create(rt)
    send(
        rt,
        LEAD,
        OverrideDeadlineRule(
            key="mappa", rule_key="signoff_response", duration="5 working days", reason="short"
        ),
    )
    to_signoff(rt)
    assert set(by_body(open_of(rt, "signoff_response")).values()) == {"2022-01-17"}


def test_moving_the_plan_window_re_dates_the_business_plan_deadline(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    send(rt, LEAD, EditWorkStream(key="mappa", changes={"expected_publication": "Autumn 2022"}))
    assert by_body(open_of(rt, "expected_publication")) == {"HMIPROBATION": "2022-11-30"}
    send(rt, LEAD, EditWorkStream(key="mappa", changes={"lead": "HMI Prisons"}))
    assert {d["body"] for d in open_of(rt) if d["owed_by"] == "lead"} == {"HMIPRISONS"}


def test_lists_filter_by_due_date_overdue_and_owing_body(rt: Runtime, clock: Clock) -> None:
    create(rt)
    to_signoff(rt)
    # A review needs no factual accuracy check; the plan window ends on 31 May.
    soon = deadlines.list_deadlines(rt, due_before=date(2022, 1, 25))
    assert {d["rule"] for d in soon} == {"signoff_response"}
    assert deadlines.list_deadlines(rt, overdue=True) == []
    clock.now = datetime(2022, 6, 1, 9, tzinfo=UTC)
    overdue = deadlines.list_deadlines(rt, overdue=True)
    assert "expected_publication" in {d["rule"] for d in overdue}
    assert all(d["overdue"] and d["days_left"] < 0 for d in overdue)
    hmic = deadlines.list_deadlines(rt, body="HMIC")
    assert {(d["rule"], d["body"]) for d in hmic} == {("signoff_response", "HMICFRS")}


def test_deadline_changes_keep_the_audit_chain_whole_and_replay_equal(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    to_signoff(rt)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="data"))
    clock.advance(days=3)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="resume"))
    assert queries.verify_audit(rt).ok
    assert queries.replay_differences(rt) == {}


def test_the_migration_creates_exactly_the_deadline_tables_declared(rt: Runtime) -> None:
    mine = {t.name for t in SQLModel.metadata.sorted_tables if t.name in _DEADLINE_TABLES}
    assert mine == _DEADLINE_TABLES
    with rt.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, SQLModel.metadata) if _touches_mine(d)]
    assert diff == []


_DEADLINE_TABLES = {
    deadline_tables.DeadlineRow.__tablename__,
    deadline_tables.ReminderRow.__tablename__,
    deadline_tables.MilestoneRow.__tablename__,
    deadline_tables.RuleOverrideRow.__tablename__,
}


def _touches_mine(difference: Any) -> bool:
    return any(name in repr(difference) for name in _DEADLINE_TABLES)


def test_the_overview_shows_each_streams_next_deadline_and_whether_any_is_overdue(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    to_signoff(rt)
    create(rt, "quiet")
    soonest = min(open_of(rt), key=lambda d: (d["due"], d["id"]))
    rows = {r["ref"]: r for r in progress.overview(rt)}
    assert rows["mappa"]["next_deadline"] == {
        "id": soonest["id"],
        "due": soonest["due"],
        "description": soonest["what"],
    }
    assert not rows["mappa"]["overdue"] and not rows["quiet"]["overdue"]
    clock.now = datetime(2022, 2, 1, 9, tzinfo=UTC)  # sign-off (due 24 January) is late
    assert progress.overview(rt, overdue=True)[0]["ref"] == "mappa"
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="court case"))
    # A paused work stream's clock has stopped: nothing of it is overdue.
    assert {r["ref"] for r in progress.overview(rt, overdue=True)} == set()
    assert progress.stream_record(rt, "quiet")["next_deadline"]["due"] == min(
        d["due"] for d in open_of(rt, ref="quiet")
    )
