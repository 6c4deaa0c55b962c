"""From drafting through factual accuracy, sign-off, embargo and publication to closed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from tests.conftest import Clock
from tests.integration.walk import (
    LEAD,
    agree,
    agree_for_publication,
    agree_terms,
    approve_all,
    check_facts,
    create,
    publish,
    to_signoff,
)
from tests.support.acting import send
from workflow.application.commands import (
    AddEmbargoRecipient,
    AddRecommendation,
    CarryRecommendation,
    CloseRecommendation,
    FireTrigger,
    Publish,
    RegisterDocument,
    RespondToRecommendation,
    ReviewRecommendation,
    SchedulePublication,
    SendEmbargoedCopy,
)
from workflow.application.handlers.report import SEND_EMBARGO
from workflow.application.jobs import embargo
from workflow.application.queries import register, report
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import NotPermitted, TransitionRefused
from workflow.domain.stages import Stage
from workflow.store.tables import OutboxRow


def test_publication_is_refused_for_a_version_not_every_body_approved(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    approved = to_signoff(rt)
    approve_all(rt, "mappa", approved)
    agree_for_publication(rt, "mappa")
    send(rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=10)))
    send(
        rt,
        LEAD,
        AddEmbargoRecipient(
            key="mappa",
            name="Minister's office",
            email="minister@justice.example",
            kind="minister",
        ),
    )
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    url = "https://example.gov.uk/r"
    clock.now += timedelta(days=10)  # the scheduled time
    with pytest.raises(TransitionRefused, match="must be the one every body approved"):
        send(rt, LEAD, Publish(key="mappa", url=url, version="b" * 64))
    ws = send(rt, LEAD, Publish(key="mappa", url=url, version=approved))
    assert ws.state is Stage.FOLLOW_UP
    (moved,) = [
        e for e in queries.audit_log(rt, "mappa", action="transitioned") if e["to"] == "follow_up"
    ]
    assert moved["reason"] is None  # on time: no early release
    shown = queries.show_stream(rt, "mappa")["publication"]
    assert (shown["url"], shown["version"]) == ("https://example.gov.uk/r", approved)


def test_publishing_before_the_scheduled_time_needs_the_leads_reason_and_an_https_url(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    approved = to_signoff(rt)
    approve_all(rt, "mappa", approved)
    agree_for_publication(rt, "mappa")
    send(rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=10)))
    send(
        rt,
        LEAD,
        AddEmbargoRecipient(key="mappa", name="Press", email="press@example.org", kind="press"),
    )
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    url = "https://www.justiceinspectorates.gov.uk/mappa"
    with pytest.raises(TransitionRefused, match="confirm an early release and give the reason"):
        send(rt, LEAD, Publish(key="mappa", url=url, version=approved))
    with pytest.raises(TransitionRefused, match="starting https://"):
        send(
            rt,
            LEAD,
            Publish(
                key="mappa",
                url="http://www.justiceinspectorates.gov.uk/mappa",
                version=approved,
                early_release_reason="the minister announced it",
            ),
        )
    assert queries.show_stream(rt, "mappa")["state"] == "publication"
    early = Publish(
        key="mappa", url=url, version=approved, early_release_reason="the minister announced it"
    )
    assert send(rt, LEAD, early).state is Stage.FOLLOW_UP
    (moved,) = [
        e for e in queries.audit_log(rt, "mappa", action="transitioned") if e["to"] == "follow_up"
    ]
    assert moved["reason"] == "early release: the minister announced it"
    assert moved["actor"] == LEAD.name


def test_the_embargo_date_is_working_days_before_publication_and_access_is_logged(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    approve_all(rt, "mappa", to_signoff(rt))
    # Publication on Wednesday 4 January 2023: counting back skips the 2 January holiday.
    embargo_on = send(
        rt,
        LEAD,
        SchedulePublication(key="mappa", when=clock.now.replace(year=2023, month=1, day=4)),
    )
    assert embargo_on == date(2022, 12, 29)  # counting back: 3 Jan, 30 Dec, 29 Dec
    send(
        rt,
        LEAD,
        AddEmbargoRecipient(key="mappa", name="Press", email="press@example.org", kind="press"),
    )
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    version = queries.show_stream(rt, "mappa")["report"]
    token = report.embargo_token(rt, "mappa", "press@example.org", version)
    filename, content = report.open_embargoed_copy(rt, token)
    assert filename.endswith(".txt")
    assert content == b"Draft report v1"
    (access,) = queries.audit_log(rt, "mappa", action="embargo_accessed")
    assert access["actor"] == "press@example.org"
    with pytest.raises(NotPermitted, match="not valid"):
        report.open_embargoed_copy(rt, token[:-2] + "xx")


def test_the_whole_journey_closes_only_when_every_recommendation_is_closed_or_carried(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    create(rt, ref="mappa-follow-up")
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    send(
        rt,
        LEAD,
        AddRecommendation(
            key="mappa",
            text="Publish a response",
            addressed_to="Police and crime commissioners",
            clock="pcc_response",
        ),
    )
    send(
        rt,
        LEAD,
        AddRecommendation(
            key="mappa",
            text="Share risk information",
            addressed_to="Chief constables",
            type="area_for_improvement",
        ),
    )
    agree(rt, "mappa", "findings")
    version = send(
        rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v1")
    ).version
    check_facts(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    approve_all(rt, "mappa", version)
    publish(rt, "mappa", clock.now + timedelta(days=14))
    rows = register.register(rt, clock.now.date(), ref="mappa")
    assert rows[0]["statutory_due"] == (clock.now.date() + timedelta(days=56)).isoformat()
    with pytest.raises(TransitionRefused, match=r"2 recommendation\(s\) still open"):
        send(rt, LEAD, FireTrigger(key="mappa", trigger="close"))
    send(
        rt,
        LEAD,
        RespondToRecommendation(
            key="mappa",
            number=1,
            response="agreed",
            owner="PCC",
            action_plan="Publish on the website",
            due=date(2022, 3, 7),
        ),
    )
    send(rt, LEAD, ReviewRecommendation(key="mappa", number=1, judgement="good_progress"))
    send(rt, LEAD, CloseRecommendation(key="mappa", number=1, evidence="Response published"))
    send(rt, LEAD, CarryRecommendation(key="mappa", number=2, into="mappa-follow-up"))
    clock.advance(days=200)
    assert send(rt, LEAD, FireTrigger(key="mappa", trigger="close")).state is Stage.CLOSED
    final = {r["number"]: r for r in register.register(rt, clock.now.date(), ref="mappa")}
    assert final[1]["status"] == "closed"
    assert final[2]["carried_to"] == "mappa-follow-up"
    # It is followed up where it went: open on the receiving work stream and its register.
    (taken,) = register.register(rt, clock.now.date(), ref="mappa-follow-up")
    assert (taken["status"], taken["carried_from"]) == ("open", "mappa #2")
    assert taken["text"] == "Share risk information"
    assert taken["addressed_to"] == "Chief constables"
    received = queries.show_stream(rt, "mappa-follow-up")["recommendations"]
    assert [r["carried_from"] for r in received] == ["mappa #2"]
    assert queries.replay_differences(rt) == {}
    assert queries.verify_audit(rt).ok


def test_the_register_ages_open_recommendations_by_owner_and_exports_csv(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    send(rt, LEAD, AddRecommendation(key="mappa", text="A", addressed_to="HMPPS"))
    clock.advance(days=3)
    send(rt, LEAD, AddRecommendation(key="mappa", text="B", addressed_to="HMPPS"))
    rows = register.register(rt, date(2022, 2, 10))
    assert [r["days_open"] for r in rows] == [31, 28]
    assert register.ageing_by_owner(rows) == [
        {"owner": "HMPPS", "open": 2, "oldest_days": 31, "average_days": 29.5}
    ]
    csv = register.as_csv(rows)
    assert csv.splitlines()[0].startswith("ref,number,type,addressed_to,status")
    assert len(csv.splitlines()) == 3


def test_the_embargoed_copy_goes_by_itself_on_its_day_and_only_once(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    approve_all(rt, "mappa", to_signoff(rt))
    embargo_on = send(
        rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=14))
    )
    send(
        rt,
        LEAD,
        AddEmbargoRecipient(
            key="mappa",
            name="Inspected force",
            email="chief@force.example",
            kind="inspected_body",
        ),
    )
    assert embargo.send_due_embargoes(rt) == []  # not yet its day
    clock.now = clock.now.replace(
        year=embargo_on.year, month=embargo_on.month, day=embargo_on.day, hour=9
    )
    assert embargo.send_due_embargoes(rt) == ["mappa"]
    assert embargo.send_due_embargoes(rt) == []
    with rt.read() as session:
        tasks = session.exec(
            select(OutboxRow.task).where(col(OutboxRow.stream_ref) == "mappa")
        ).all()
    assert tasks.count(SEND_EMBARGO) == 1
