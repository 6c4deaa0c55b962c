"""Services on a real database (SQLite and PostgreSQL): state, audit, replay, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.conftest import Clock
from tests.integration.walk import (
    BODIES,
    LEAD,
    agree_terms,
    approve_all,
    create,
    publish,
    signatory,
    to_signoff,
)
from tests.support.acting import send
from workflow.application.commands import (
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    RecordDecision,
    RegisterDocument,
)
from workflow.application.principal import Actor
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    NotPermitted,
    StaleVersion,
    TransitionRefused,
    UnknownBody,
)
from workflow.domain.stages import Stage
from workflow.store.tables import OutboxRow


def test_a_work_stream_walks_from_scoping_to_closed_and_every_step_is_audited(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    version = to_signoff(rt)
    ws = approve_all(rt, "mappa", version)
    assert ws.state is Stage.PUBLICATION
    publish(rt, "mappa", clock.now + timedelta(days=7))
    clock.advance(days=30)
    ws = send(rt, LEAD, FireTrigger(key="mappa", trigger="close"))
    assert ws.state is Stage.CLOSED
    stored = queries.show_stream(rt, "mappa")
    assert stored["state"] == "closed"
    moves = [(e["from"], e["to"]) for e in queries.audit_log(rt, "mappa", action="transitioned")]
    assert moves == [
        ("scoping", "fieldwork"),
        ("fieldwork", "drafting"),
        ("drafting", "joint_signoff"),
        ("joint_signoff", "publication"),
        ("publication", "follow_up"),
        ("follow_up", "closed"),
    ]
    assert queries.verify_audit(rt).ok
    assert queries.replay_differences(rt) == {}


def test_the_last_approval_moves_the_report_to_publication_exactly_once(rt: Runtime) -> None:
    create(rt)
    version = to_signoff(rt)
    results = [
        send(
            rt,
            signatory(b),
            RecordDecision(key="mappa", body=b, decision="approve", version=version),
        )
        for b in BODIES
    ]
    assert [r.moved_to for r in results] == [None, None, Stage.PUBLICATION]
    completions = [
        e
        for e in queries.audit_log(rt, "mappa", action="transitioned")
        if e["payload"]["trigger"] == "complete_signoff"
    ]
    assert len(completions) == 1


def test_a_request_for_changes_sends_the_draft_back_and_a_new_draft_voids_approvals(
    rt: Runtime,
) -> None:
    create(rt)
    v1 = to_signoff(rt)
    send(
        rt,
        signatory("HMIPRISONS"),
        RecordDecision(key="mappa", body="HMIPRISONS", decision="approve", version=v1),
    )
    sent = send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(
            key="mappa",
            body="HMICFRS",
            decision="request_changes",
            version=v1,
            comment="Chapter 3 misstates the custody figures",
        ),
    )
    assert sent.moved_to is Stage.DRAFTING
    v2 = send(
        rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft report v2")
    ).version
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    status = queries.show_stream(rt, "mappa")["outstanding"]
    assert status["version"] == v2 and status["awaiting"] == list(BODIES)
    with pytest.raises(StaleVersion, match="earlier report version"):
        send(
            rt,
            signatory("HMIPRISONS"),
            RecordDecision(key="mappa", body="HMIPRISONS", decision="approve", version=v1),
        )


def test_only_a_bodys_own_signatory_decides_for_it(rt: Runtime) -> None:
    create(rt)
    version = to_signoff(rt)
    with pytest.raises(
        NotPermitted, match=r"signatory\.hmicfrs acts for HMICFRS and cannot decide for HMIPRISONS"
    ):
        send(
            rt,
            signatory("HMICFRS"),
            RecordDecision(key="mappa", body="HMIPRISONS", decision="approve", version=version),
        )
    with pytest.raises(NotPermitted, match="CQC does not take part"):
        send(
            rt,
            signatory("CQC"),
            RecordDecision(key="mappa", body="CQC", decision="approve", version=version),
        )


def test_only_the_lead_body_moves_a_work_stream(rt: Runtime) -> None:
    create(rt)
    with pytest.raises(NotPermitted, match="only the lead body moves it, not HMICFRS"):
        send(rt, Actor("Someone", "HMICFRS"), FireTrigger(key="mappa", trigger="pause"))


def test_a_refused_move_names_the_stream_state_trigger_and_unmet_condition(rt: Runtime) -> None:
    create(rt)
    with pytest.raises(TransitionRefused) as refused:
        send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    assert str(refused.value).startswith("mappa is in scoping: cannot start_fieldwork:")
    assert "no terms of reference" in str(refused.value)
    assert queries.audit_log(rt, "mappa", action="transitioned") == []


def test_a_refused_change_writes_nothing(rt: Runtime) -> None:
    create(rt, leads=False)
    before = queries.audit_log(rt)
    with pytest.raises(TransitionRefused):
        send(rt, LEAD, FireTrigger(key="mappa", trigger="start_drafting"))
    with pytest.raises(UnknownBody):
        send(rt, LEAD, EditWorkStream(key="mappa", changes={"supporting": ["HMI Nowhere"]}))
    assert queries.audit_log(rt) == before
    assert queries.show_stream(rt, "mappa")["version"] == 0


def test_pausing_stops_the_clock_and_resuming_returns_to_the_same_state(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    send(rt, LEAD, FireTrigger(key="mappa", trigger="pause", reason="Covid-19 restrictions"))
    clock.advance(days=14)
    ws = send(rt, LEAD, FireTrigger(key="mappa", trigger="resume"))
    assert ws.state is Stage.FIELDWORK
    assert queries.show_stream(rt, "mappa")["paused_seconds"] == 14 * 86400
    assert queries.replay_differences(rt) == {}


def test_a_stale_expected_version_is_a_conflict(rt: Runtime) -> None:
    create(rt, leads=False)
    send(rt, LEAD, EditWorkStream(key="mappa", changes={"priority": "high"}))
    with pytest.raises(Conflict, match="is at version 1, not 0"):
        send(rt, LEAD, EditWorkStream(key="mappa", expected_version=0, changes={"priority": "low"}))


def test_a_scoping_study_that_proceeds_creates_the_follow_on_inspection(rt: Runtime) -> None:
    hmicfrs = Actor("Lead", "HMICFRS")  # its lead body's staff create it, as the policy says
    send(
        rt,
        hmicfrs,
        CreateWorkStream(
            ref="youth-violence-scoping",
            title="Youth violence",
            kind="scoping_study",
            fields={"lead": "HMICFRS", "supporting": ["HMI Probation"]},
        ),
    )
    send(
        rt,
        hmicfrs,
        FireTrigger(
            key="youth-violence-scoping",
            trigger="conclude_scoping",
            decision="proceed",
            reason="Scope agreed",
        ),
    )
    follow_on = queries.show_stream(rt, "youth-violence-scoping-inspection")
    assert follow_on["origin_ref"] == "youth-violence-scoping"
    assert follow_on["lead"] == "HMICFRS" and follow_on["state"] == "scoping"
    assert queries.show_stream(rt, "youth-violence-scoping")["scoping_decision"] == "proceed"


def test_bad_input_is_refused_with_what_to_fix(rt: Runtime) -> None:
    with pytest.raises(InvalidInput, match="kind 'inquiry' is not known: use one of"):
        send(rt, LEAD, CreateWorkStream(ref="x-y-z", title="T", kind="inquiry"))
    with pytest.raises(InvalidInput, match="ref 'Bad Ref' is not valid"):
        send(rt, LEAD, CreateWorkStream(ref="Bad Ref", title="T", kind="review"))
    with pytest.raises(NotFound, match="no work stream 'nope'"):
        send(rt, LEAD, FireTrigger(key="nope", trigger="pause"))
    create(rt)
    with pytest.raises(Conflict, match="exists already"):
        create(rt)


def test_transitions_write_outbox_rows_in_the_same_transaction(rt: Runtime) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    with rt.read() as session:
        tasks = list(session.exec(select(OutboxRow.task)).all())
    assert tasks.count("cjji.notify_team") == 1
    # Every body was asked to agree the terms of reference and the methodology.
    assert tasks.count("cjji.request_decision") == 2 * len(BODIES)
