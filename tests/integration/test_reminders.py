"""The reminder sweep on SQLite and PostgreSQL, with a clock moved by hand: each reminder goes
out once, to whoever owes the action, then the escalation to their chief inspector."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update

from tests.conftest import Clock, runtime_for
from tests.integration.deadline_walk import (
    Keeper,
    at_nine,
    claims,
    create_review,
    days,
    deliver_all,
    reminder_rows,
    review_to_signoff,
)
from tests.integration.walk import LEAD, agree_terms, create, signatory
from tests.support.acting import send
from workflow.application.commands import (
    ExtendDeadline,
    FireTrigger,
    RecordDecision,
    RegisterDocument,
    StartFactualAccuracy,
)
from workflow.application.jobs import reminders
from workflow.application.queries import deadlines
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.store.deadline_tables import DeadlineRow

MONDAY = datetime(2022, 12, 19, 9, tzinfo=UTC)  # sign-off opens; due Thursday 5 January 2023


def signoff_in_christmas_week(rt: Runtime, clock: Clock, ref: str = "mappa") -> str:
    clock.now = MONDAY
    create_review(rt, ref, expected_publication="Autumn 2023")
    return review_to_signoff(rt, ref)


def sent(rt: Runtime, rule: str) -> list[tuple[str, str, str]]:
    """(threshold, due, recipient) of every reminder queued for deadlines of ``rule``."""
    ids = {d["id"] for d in deadlines.list_deadlines(rt, include_closed=True) if d["rule"] == rule}
    rows = sorted(reminder_rows(rt), key=lambda r: (r.payload["today"], r.payload["due"]))
    return [
        (row.payload["threshold"], row.payload["due"], who)
        for row in rows
        if row.payload["deadline"] in ids
        for who in row.payload["recipients"]
    ]


def test_a_work_stream_left_at_sign_off_for_weeks_reminds_each_outstanding_body_once(
    rt: Runtime, clock: Clock
) -> None:
    version = signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2022, 12, 21, 10, tzinfo=UTC)
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(key="mappa", body="HMICFRS", decision="approve", version=version),
    )
    for day in days(date(2022, 12, 19), date(2023, 2, 10)):
        for hour in (9, 17):  # twice a day: the second sweep finds nothing new
            clock.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            reminders.sweep(rt)
    signoff = sent(rt, "signoff_response")
    assert Counter(signoff).most_common(1)[0][1] == 1, "a reminder went out twice"
    deciders = {
        f"{role}.{body}"
        for role in ("signatory", "deputy")
        for body in ("hmiprobation", "hmiprisons")
    }
    chiefs = {"chief.hmiprobation", "chief.hmiprisons"}
    by_threshold: dict[str, set[str]] = {}
    for threshold, due, who in signoff:
        assert due == "2023-01-05"
        by_threshold.setdefault(threshold, set()).add(who)
    assert by_threshold == {
        "before-3": deciders,  # Friday 30 December
        "due": deciders,  # Thursday 5 January
        "overdue-5": deciders,  # Thursday 12 January
        "escalate": chiefs,  # the same day
        "overdue-10": deciders,
        "overdue-15": deciders,
        "overdue-20": deciders,  # Thursday 2 February
        "overdue-25": deciders,  # Thursday 9 February
    }


def test_an_unanswered_factual_accuracy_check_is_chased_by_the_lead_then_its_chief(
    rt: Runtime, clock: Clock
) -> None:
    clock.now = MONDAY
    create_review(rt, "mappa", expected_publication="Autumn 2023")
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft of mappa"))
    send(rt, LEAD, StartFactualAccuracy(key="mappa", parties=("Avon and Somerset Police",)))
    for day in days(date(2022, 12, 19), date(2023, 2, 10)):
        clock.now = at_nine(day)
        reminders.sweep(rt)
    check = sent(rt, "factual_accuracy_check")
    assert Counter(check).most_common(1)[0][1] == 1, "a reminder went out twice"
    # Ten working days from Monday 19 December 2022, skipping 26 and 27 December and 2 January.
    assert {due for _, due, _ in check} == {"2023-01-05"}
    # The inspected body owes the check and is not in the directory: the lead chases it,
    # and the lead's chief inspector hears when it is long overdue.
    assert {who for _, _, who in check} == {"lead.hmiprobation", "chief.hmiprobation"}
    assert ("escalate", "chief.hmiprobation") in {(t, who) for t, _, who in check}


def test_the_messages_name_the_work_stream_what_is_owed_and_how_to_respond(
    rt: Runtime, clock: Clock
) -> None:
    version = signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2023, 1, 12, 9, tzinfo=UTC)
    reminders.sweep(rt)
    keeper = Keeper()
    assert deliver_all(rt, keeper) == len(keeper.sent) > 0
    to_prisons = [m for m in keeper.sent if m.to == ("signatory@hmiprisons.example",)]
    reminder = next(m for m in to_prisons if m.subject.startswith("Reminder"))
    assert "Review mappa (mappa)" in reminder.subject
    assert "overdue since Thursday 5 January 2023" in reminder.subject
    assert "a decision on the draft report" in reminder.body
    assert (
        "cjji signoff record mappa --body HMIPRISONS --actor signatory.hmiprisons" in reminder.body
    )
    assert f"--version {version}" in reminder.body
    escalation = next(m for m in keeper.sent if m.to == ("chief@hmiprisons.example",))
    assert escalation.subject.startswith("Escalation") and "7 days overdue" in escalation.subject
    assert "Chief inspector (HMIPRISONS)" in escalation.body
    assert deliver_all(rt, keeper) == 0, "delivered twice"
    delivered = queries.audit_log(rt, "mappa", action="notification_delivered", limit=1000)
    assert len(delivered) == len(keeper.sent)


# Untraced: a race, run six times through the sweep the tests above measure (docs/testing.md).
@pytest.mark.untraced
def test_two_sweeps_at_once_claim_each_reminder_once(rt: Runtime, clock: Clock) -> None:
    for n in range(6):
        signoff_in_christmas_week(rt, clock, f"stream-{n}")
    clock.now = datetime(2023, 1, 12, 9, tzinfo=UTC)  # due, overdue and escalation pending
    start = threading.Barrier(2)
    results: list[reminders.SweepResult] = []

    def sweep() -> None:
        start.wait()
        results.append(reminders.sweep(rt, batch=4))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    keys = [(c.deadline_id, c.threshold, c.due_on, c.recipient) for c in claims(rt)]
    assert keys and len(keys) == len(set(keys))
    assert sum(r.messages for r in results) == len(reminder_rows(rt))
    assert sum(r.reminded for r in results) == len(keys)


def test_a_sweep_that_runs_again_over_the_same_days_sends_nothing_twice(
    rt: Runtime, clock: Clock
) -> None:
    signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2023, 1, 12, 9, tzinfo=UTC)
    first = reminders.sweep(rt)
    assert first.messages > 0
    # As if the sweep's progress were lost (a retried task, a restored row): the claims stand.
    with rt.engine.begin() as connection:
        connection.execute(update(DeadlineRow).values(next_reminder_on=date(2023, 1, 1)))
    again = reminders.sweep(rt)
    assert again.deadlines > 0 and again.messages == 0 and again.reminded == 0
    assert len(reminder_rows(rt)) == first.messages


def test_restarting_every_process_across_the_due_time_sends_the_due_reminder_once(
    rt: Runtime, clock: Clock, tmp_path: Path
) -> None:
    signoff_in_christmas_week(rt, clock)
    url = rt.settings.database_url

    def fresh_process(now: datetime) -> Runtime:
        return runtime_for(url, Clock(now), tmp_path)  # a new runtime: nothing kept in memory

    reminders.sweep(fresh_process(datetime(2023, 1, 4, 16, tzinfo=UTC)))
    assert {t for t, _, _ in sent(rt, "signoff_response")} == {"before-3"}
    for hour in (0, 9, 23):  # restarted three times on the due day
        reminders.sweep(fresh_process(datetime(2023, 1, 5, hour, tzinfo=UTC)))
    due = [who for t, _, who in sent(rt, "signoff_response") if t == "due"]
    assert sorted(due) == sorted(
        f"{role}.{body}"
        for role in ("signatory", "deputy")
        for body in ("hmiprobation", "hmiprisons", "hmicfrs")
    )


def test_a_paused_work_stream_is_not_reminded_and_resumes_on_its_moved_dates(
    rt: Runtime, clock: Clock
) -> None:
    signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2022, 12, 20, 9, tzinfo=UTC)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="awaiting data"))
    for day in days(date(2022, 12, 20), date(2023, 1, 31)):
        reminders.sweep(rt, at_nine(day))
    assert reminder_rows(rt) == []
    clock.now = datetime(2023, 2, 1, 9, tzinfo=UTC)
    send(rt, LEAD, FireTrigger(key="mappa", trigger="resume"))
    moved = {d["due"] for d in deadlines.list_deadlines(rt) if d["rule"] == "signoff_response"}
    # Paused 20 Dec - 1 Feb: 28 working days (26, 27 Dec and 2 Jan are bank holidays), so
    # 5 January moves on to 14 February.
    assert moved == {"2023-02-14"}
    for day in days(date(2023, 2, 1), date(2023, 2, 14)):
        reminders.sweep(rt, at_nine(day))
    thresholds = {t for t, _, _ in sent(rt, "signoff_response")}
    assert thresholds == {"before-3", "due"}


def test_an_extension_starts_reminders_afresh_for_the_new_date(rt: Runtime, clock: Clock) -> None:
    signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2023, 1, 5, 9, tzinfo=UTC)
    reminders.sweep(rt)
    target = next(d for d in deadlines.list_deadlines(rt) if d["body"] == "HMIPRISONS")
    send(
        rt,
        LEAD,
        ExtendDeadline(
            deadline_id=target["id"], to=date(2023, 1, 20), reason="the signatory is ill"
        ),
    )
    for day in days(date(2023, 1, 5), date(2023, 1, 20)):
        reminders.sweep(rt, at_nine(day))
    mine = [
        (t, due) for t, due, who in sent(rt, "signoff_response") if who == "signatory.hmiprisons"
    ]
    assert mine == [
        ("due", "2023-01-05"),
        ("before-10", "2023-01-20"),  # Friday 6 January
        ("before-3", "2023-01-20"),
        ("due", "2023-01-20"),
    ]


def test_a_deadline_met_before_its_reminder_is_delivered_sends_nothing(
    rt: Runtime, clock: Clock
) -> None:
    version = signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2022, 12, 30, 9, tzinfo=UTC)
    reminders.sweep(rt)
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(key="mappa", body="HMICFRS", decision="approve", version=version),
    )
    keeper = Keeper()
    deliver_all(rt, keeper)
    assert not any("hmicfrs" in m.to[0] for m in keeper.sent)
    assert any("hmiprisons" in m.to[0] for m in keeper.sent)
    skipped = queries.audit_log(rt, "mappa", action="notification_skipped", limit=1000)
    assert any("closed before the reminder went out" in e["payload"]["why"] for e in skipped)


def test_a_body_with_nobody_to_tell_is_noted_once_in_the_audit_trail(
    rt: Runtime, clock: Clock
) -> None:
    signoff_in_christmas_week(rt, clock)
    with rt.engine.begin() as connection:
        connection.execute(
            text("UPDATE app_user SET active = :no WHERE body = 'HMICFRS'"), {"no": False}
        )
    clock.now = datetime(2022, 12, 30, 9, tzinfo=UTC)
    reminders.sweep(rt)
    reminders.sweep(rt)
    skipped = [
        e["payload"]
        for e in queries.audit_log(rt, "mappa", action="notification_skipped", limit=1000)
        if e["body"] == "HMICFRS"
    ]
    assert [s["threshold"] for s in skipped] == ["before-3"]
    assert "no active deputy_signatory, signatory of HMICFRS" in skipped[0]["why"]


def test_reminders_and_their_claims_are_audited_and_the_chain_holds(
    rt: Runtime, clock: Clock
) -> None:
    signoff_in_christmas_week(rt, clock)
    clock.now = datetime(2023, 1, 12, 9, tzinfo=UTC)
    result = reminders.sweep(rt)
    audited = queries.audit_log(rt, "mappa", action="reminder_sent", limit=1000)
    assert len(audited) == result.messages
    assert {e["payload"]["outbox_id"] for e in audited} == {r.id for r in reminder_rows(rt)}
    assert {c.outbox_id for c in claims(rt)} == {r.id for r in reminder_rows(rt)}
    assert queries.verify_audit(rt).ok


def test_the_sweep_reads_due_deadlines_through_its_partial_index(pg_rt: Runtime) -> None:
    # The planner chooses by the table's statistics: on an empty table both partial
    # indexes cost the same and either may be picked. So the table holds what a year of
    # work leaves, 4,000 open deadlines whose reminders fall over the year (few of them
    # due), copied from a real work stream's, and is analysed.
    create(pg_rt, "mappa")
    query = reminders.due_query(date(2023, 1, 12), 200)
    sql = str(query.compile(pg_rt.engine, compile_kwargs={"literal_binds": True}))
    with pg_rt.engine.begin() as connection:
        copied = connection.execute(
            text(
                "INSERT INTO deadline (stream_id, stream_ref, rule, what, description, stage,"
                " owed_by, body, closes_on, anchor_on, due_on, original_due_on, paused_days,"
                " next_reminder_on, opened_at)"
                " SELECT stream_id, stream_ref, rule, what, description, stage, owed_by, body,"
                " closes_on, anchor_on, due_on + n, original_due_on, paused_days,"
                " DATE '2023-01-01' + n % 365, opened_at"
                " FROM deadline, generate_series(1, 4000) AS n WHERE deadline.id ="
                " (SELECT min(id) FROM deadline)"
            )
        )
        assert copied.rowcount == 4000
        connection.execute(text("ANALYZE deadline"))
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}")))
    assert "ix_deadline_reminder_due" in plan, plan


def test_a_deadline_that_opens_long_overdue_escalates_on_the_next_sweep_once(
    rt: Runtime, clock: Clock
) -> None:
    # The plan's window ended on 31 May 2022: the deadline opens nine months overdue.
    clock.now = datetime(2023, 3, 1, 9, tzinfo=UTC)
    create_review(rt, "late", expected_publication="Spring 2022")
    for day in days(date(2023, 3, 1), date(2023, 3, 20)):
        for hour in (10, 17):
            clock.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            reminders.sweep(rt)
    escalations = [s for s in sent(rt, "expected_publication") if s[0] == "escalate"]
    assert escalations == [("escalate", "2022-05-31", "chief.hmiprobation")]
