"""Requests and reminders that are no longer owed when delivery comes to them are not sent,
and the audit trail says why (issue 16): the body has decided, the version was superseded,
the body no longer takes part, or the work stream moved on or ended. A pause stops the
clocks (reminders are not sent) but not the decision: a request still goes out."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select

from tests.conftest import Clock
from tests.integration.deadline_walk import Keeper, create_review, deliver_all, review_to_signoff
from tests.integration.walk import LEAD, agree_terms, create, signatory
from tests.support.acting import send
from workflow.application.commands import (
    EditWorkStream,
    FireTrigger,
    RecordDecision,
    RegisterDocument,
)
from workflow.application.handlers.reactions import REQUEST_DECISION
from workflow.application.jobs import delivery, reminders
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.store.tables import OutboxRow


def deliver_requests(rt: Runtime) -> Keeper:
    """Deliver every decision request not yet done, as the worker would."""
    keeper = Keeper()
    with rt.read() as session:
        rows = session.exec(
            select(OutboxRow.id).where(
                col(OutboxRow.task) == REQUEST_DECISION, col(OutboxRow.done_at).is_(None)
            )
        ).all()
    for outbox_id in rows:
        delivery.deliver(rt, keeper, outbox_id)
    return keeper


def skipped(rt: Runtime) -> list[tuple[str, str, str]]:
    """(kind, body, why) of every decision request skipped."""
    return [
        (e["payload"]["kind"], e["payload"]["body"], e["payload"]["why"])
        for e in queries.audit_log(rt, "mappa", action="notification_skipped", limit=1000)
        if e["payload"].get("task") == REQUEST_DECISION
    ]


def test_requests_for_a_superseded_version_or_an_earlier_stage_are_not_sent(rt: Runtime) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    keeper = deliver_requests(rt)
    assert keeper.sent == []
    assert {why for _, _, why in skipped(rt)} == {
        "mappa is in fieldwork: decisions on the terms of reference are taken in scoping "
        "before the request went out",
        "mappa is in fieldwork: decisions on the methodology are taken in scoping "
        "before the request went out",
    }
    assert len(skipped(rt)) == 6


def test_a_request_on_a_version_replaced_before_delivery_is_not_sent(rt: Runtime) -> None:
    create(rt)
    first = send(rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"1"))
    send(rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"2"))
    keeper = deliver_requests(rt)
    # The second version's requests go out, to every body's signatory and deputy.
    assert len(keeper.sent) == 6
    assert [why for _, _, why in skipped(rt)] == [
        f"terms of reference version {first.version[:12]} was superseded before the request "
        "went out"
    ] * 3


def test_a_request_to_a_body_that_decided_or_no_longer_takes_part_is_not_sent(
    rt: Runtime,
) -> None:
    create(rt)
    version = send(
        rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"ToR")
    ).version
    for body in ("HMIPRISONS", "HMICFRS"):
        decide = RecordDecision(
            key="mappa", body=body, decision="approve", version=version, kind="terms_of_reference"
        )
        send(rt, signatory(body), decide)
    # HMICFRS has agreed the terms, so it may be dropped by an edit; its request is stale.
    send(rt, LEAD, EditWorkStream(key="mappa", changes={"supporting": ["HMI Prisons"]}))
    keeper = deliver_requests(rt)
    assert sorted(m.to[0] for m in keeper.sent) == [
        "deputy@hmiprobation.example",
        "signatory@hmiprobation.example",
    ]
    assert sorted((body, why) for _, body, why in skipped(rt)) == [
        ("HMICFRS", "HMICFRS no longer takes part in mappa before the request went out"),
        (
            "HMIPRISONS",
            f"HMIPRISONS has decided on terms of reference version {version[:12]} already "
            "(approve) before the request went out",
        ),
    ]


def test_requests_are_not_sent_once_the_work_stream_is_withdrawn(rt: Runtime) -> None:
    create(rt)
    send(rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"ToR"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="withdraw", reason="Cancelled"))
    assert deliver_requests(rt).sent == []
    assert {why.split(":")[0] for _, _, why in skipped(rt)} == {"mappa is in withdrawn"}


def test_a_reminder_queued_before_the_work_stream_was_paused_is_not_sent(
    rt: Runtime, clock: Clock
) -> None:
    clock.now = datetime(2022, 12, 19, 9, tzinfo=UTC)
    create_review(rt, "mappa", expected_publication="Autumn 2023")
    review_to_signoff(rt, "mappa")
    clock.now = datetime(2022, 12, 30, 9, tzinfo=UTC)
    assert reminders.sweep(rt).messages > 0
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="Covid-19"))
    keeper = Keeper()
    assert deliver_all(rt, keeper) == 0 and keeper.sent == []
    whys = {
        e["payload"]["why"]
        for e in queries.audit_log(rt, "mappa", action="notification_skipped", limit=1000)
        if e["payload"].get("task") == reminders.SEND_REMINDER
    }
    assert whys == {"mappa was paused before the reminder went out: its clock has stopped"}


def test_a_request_reaching_a_work_stream_paused_in_its_decision_stage_is_still_sent(
    rt: Runtime,
) -> None:
    """The work stream resumes where it paused and nothing would ask the body again, so the
    request is still owed (the fault tests pause before the worker comes, too)."""
    create(rt)
    send(rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"ToR v1"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="Covid-19"))
    keeper = deliver_requests(rt)
    assert keeper.sent, "the requests went out"
    assert skipped(rt) == []
