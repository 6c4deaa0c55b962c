"""The lifecycle table: every (state, trigger) pair is allowed or refused with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflow.domain import lifecycle
from workflow.domain.errors import TransitionRefused
from workflow.domain.factual_accuracy import FactualAccuracyCheck
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind
from workflow.domain.publication import Publication
from workflow.domain.recommendations import Recommendation, RecommendationStatus
from workflow.domain.stages import OPEN_STAGES, ScopingDecision, Stage, Trigger, WorkStreamKind
from workflow.domain.workstream import WorkStream

T0 = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
CTX = MoveContext(
    "Ann Lead",
    "HMIPROBATION",
    T0,
    reason="because",
    decision=None,
    url="https://www.justiceinspectorates.gov.uk/report",
    version="v1",
)


def agreed(ws: WorkStream, kind: DocumentKind, version: str = "v1") -> None:
    doc = ws.document(kind)
    doc.versions.append(version)
    for body in ws.participants:
        doc.decisions.append(
            DecisionRecord(body, "signer", Decision.APPROVE, version, T0, round=doc.round)
        )


def ready_stream(state: Stage, *, paused_from: Stage = Stage.SCOPING) -> WorkStream:
    """A thematic inspection in ``state`` whose every guard is met."""
    ws = WorkStream(
        "mappa",
        "MAPPA",
        WorkStreamKind.THEMATIC_INSPECTION,
        lead="HMIPROBATION",
        supporting=("HMIPRISONS", "HMICFRS"),
        state=state,
    )
    agreed(ws, DocumentKind.TERMS_OF_REFERENCE)
    agreed(ws, DocumentKind.REPORT)
    ws.factual_accuracy = FactualAccuracyCheck(
        "v0", T0.date(), ("Police force",), completed_by="Reviewer", completed_at=T0
    )
    ws.publication = Publication(
        scheduled_for=T0 + timedelta(days=7), embargo_sent_at=T0, embargo_version="v1"
    )
    if state is Stage.PAUSED:
        ws.paused_from, ws.paused_at = paused_from, T0 - timedelta(days=3)
    return ws


ALL_PAIRS = [(s, t) for s in Stage for t in Trigger]


def table_dest(state: Stage, trigger: Trigger, ws: WorkStream, ctx: MoveContext) -> Stage | None:
    for move in lifecycle.MOVES.get((state, trigger), []):
        if all(g(ws, ctx) is None for g in move.guards):
            return move.dest
    return None


@pytest.mark.parametrize(("state", "trigger"), ALL_PAIRS, ids=[f"{s}-{t}" for s, t in ALL_PAIRS])
def test_every_state_and_trigger_pair_is_allowed_or_refused_with_a_reason(
    state: Stage, trigger: Trigger
) -> None:
    ws = ready_stream(state)
    if trigger is Trigger.SEND_BACK:
        ws.report.decisions.append(
            DecisionRecord("HMICFRS", "x", Decision.REQUEST_CHANGES, "v1", T0, "fix p.3", round=0)
        )
    if trigger is Trigger.CONCLUDE_SCOPING:
        ws.kind = WorkStreamKind.SCOPING_STUDY
    ctx = MoveContext(
        CTX.actor, CTX.body, T0, "because", ScopingDecision.PROCEED, CTX.url, CTX.version
    )
    expected = table_dest(state, trigger, ws, ctx) if (state, trigger) in lifecycle.MOVES else None
    if (state, trigger) in lifecycle.MOVES:
        assert expected is not None, "a ready work stream meets every guard of an allowed move"
        assert lifecycle.fire(ws, trigger, ctx) is expected
        assert ws.state is expected
        (event,) = ws.drain()
        assert (event.from_state, event.to_state) == (state.value, expected.value)
    else:
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.fire(ws, trigger, ctx)
        message = str(refused.value)
        assert "mappa" in message and state.value in message and trigger.value in message
        assert "does not exist" in message
        assert ws.state is state and not ws.pending


def test_the_happy_path_runs_scoping_to_closed_in_order() -> None:
    ws = ready_stream(Stage.SCOPING)
    path = [
        Trigger.START_FIELDWORK,
        Trigger.START_DRAFTING,
        Trigger.SUBMIT_FOR_SIGNOFF,
        Trigger.COMPLETE_SIGNOFF,
        Trigger.PUBLISH,
        Trigger.CLOSE,
    ]
    seen = [lifecycle.fire(ws, t, CTX) for t in path]
    assert seen == [
        Stage.FIELDWORK,
        Stage.DRAFTING,
        Stage.JOINT_SIGNOFF,
        Stage.PUBLICATION,
        Stage.FOLLOW_UP,
        Stage.CLOSED,
    ]


def test_fieldwork_waits_for_lead_supporting_bodies_and_agreed_terms_of_reference() -> None:
    ws = WorkStream("covid", "Covid-19 recovery", WorkStreamKind.REVIEW)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.fire(ws, Trigger.START_FIELDWORK, CTX)
    reason = refused.value.reason
    assert "no lead body" in reason
    assert "no supporting body" in reason
    assert "no terms of reference" in reason


def test_fieldwork_names_the_bodies_that_have_not_agreed_the_terms_of_reference() -> None:
    ws = ready_stream(Stage.SCOPING)
    ws.terms_of_reference.decisions = [
        d for d in ws.terms_of_reference.decisions if d.body != "HMICFRS"
    ]
    with pytest.raises(TransitionRefused, match="await agreement from HMICFRS"):
        lifecycle.fire(ws, Trigger.START_FIELDWORK, CTX)


def test_publication_waits_for_every_supporting_body() -> None:
    ws = ready_stream(Stage.JOINT_SIGNOFF)
    ws.report.versions.append("v2")  # a new draft: nobody has approved it yet
    ws.report.decisions.append(
        DecisionRecord("HMIPROBATION", "s", Decision.APPROVE, "v2", T0, round=ws.report.round)
    )
    with pytest.raises(TransitionRefused, match="awaits approval from HMIPRISONS, HMICFRS"):
        lifecycle.fire(ws, Trigger.COMPLETE_SIGNOFF, CTX)


def test_signoff_needs_a_registered_draft() -> None:
    ws = ready_stream(Stage.DRAFTING)
    ws.report.versions.clear()
    with pytest.raises(TransitionRefused, match="no draft report version is registered"):
        lifecycle.fire(ws, Trigger.SUBMIT_FOR_SIGNOFF, CTX)


def test_closing_is_refused_while_a_recommendation_is_open() -> None:
    ws = ready_stream(Stage.FOLLOW_UP)
    ws.recommendations = [
        Recommendation(1, "Do better", "HMIPRISONS"),
        Recommendation(2, "Done", "HMICFRS", status=RecommendationStatus.CLOSED),
    ]
    with pytest.raises(TransitionRefused, match=r"1 recommendation\(s\) still open \(1\)"):
        lifecycle.fire(ws, Trigger.CLOSE, CTX)
    ws.recommendations[0] = Recommendation(
        1, "Do better", "HMIPRISONS", status=RecommendationStatus.CARRIED
    )
    assert lifecycle.fire(ws, Trigger.CLOSE, CTX) is Stage.CLOSED


def test_withdrawing_needs_a_reason_and_keeps_it() -> None:
    ws = ready_stream(Stage.FIELDWORK)
    with pytest.raises(TransitionRefused, match="a reason is required"):
        lifecycle.fire(ws, Trigger.WITHDRAW, MoveContext("a", "HMIPROBATION", T0, reason="  "))
    lifecycle.fire(ws, Trigger.WITHDRAW, CTX)
    assert ws.state is Stage.WITHDRAWN and ws.withdrawn_reason == "because"


@pytest.mark.parametrize("stage", OPEN_STAGES)
def test_resuming_returns_to_the_state_it_paused_in_and_records_the_time_paused(
    stage: Stage,
) -> None:
    ws = ready_stream(stage)
    lifecycle.fire(ws, Trigger.PAUSE, CTX)
    assert ws.paused_from is stage and ws.paused_at == T0
    later = MoveContext("a", "HMIPROBATION", T0 + timedelta(days=2, hours=1))
    assert lifecycle.fire(ws, Trigger.RESUME, later) is stage
    assert ws.paused_seconds == int(timedelta(days=2, hours=1).total_seconds())
    assert ws.paused_from is None and ws.paused_at is None


def test_a_scoping_study_concludes_with_a_decision_and_never_starts_fieldwork() -> None:
    ws = ready_stream(Stage.SCOPING)
    ws.kind = WorkStreamKind.SCOPING_STUDY
    with pytest.raises(TransitionRefused, match="a scoping study ends after scoping"):
        lifecycle.fire(ws, Trigger.START_FIELDWORK, CTX)
    with pytest.raises(TransitionRefused, match="a decision is required"):
        lifecycle.fire(ws, Trigger.CONCLUDE_SCOPING, CTX)
    ctx = MoveContext("a", "HMIPROBATION", T0, decision=ScopingDecision.DO_NOT_PROCEED)
    assert lifecycle.fire(ws, Trigger.CONCLUDE_SCOPING, ctx) is Stage.CLOSED
    assert ws.scoping_decision is ScopingDecision.DO_NOT_PROCEED


def test_only_scoping_studies_conclude_from_scoping() -> None:
    ws = ready_stream(Stage.SCOPING)
    ctx = MoveContext("a", "HMIPROBATION", T0, decision=ScopingDecision.PROCEED)
    with pytest.raises(TransitionRefused, match="only a scoping study concludes"):
        lifecycle.fire(ws, Trigger.CONCLUDE_SCOPING, ctx)


def test_an_unknown_trigger_is_refused_listing_the_known_ones() -> None:
    ws = ready_stream(Stage.SCOPING)
    with pytest.raises(TransitionRefused, match=r"no such trigger.*start_fieldwork"):
        lifecycle.fire(ws, "jump_to_the_end", CTX)


def test_one_machine_serves_every_work_stream() -> None:
    streams = [ready_stream(Stage.SCOPING) for _ in range(100)]
    for ws in streams:
        lifecycle.fire(ws, Trigger.PAUSE, CTX)
    assert lifecycle.machine() is lifecycle.machine()
    assert not lifecycle.machine().models, "the shared machine keeps no work stream"


def test_every_move_is_one_row_of_the_table_and_auto_transitions_are_off() -> None:
    m = lifecycle.machine()
    assert m.auto_transitions is False
    rows = {(mv.trigger.value, mv.source.name, mv.dest.name) for mv in lifecycle.TRANSITIONS}
    machine_rows = {
        (name, source, t.dest)
        for name, event in m.events.items()
        for source, ts in event.transitions.items()
        for t in ts
    }
    assert rows == machine_rows


def test_a_text_registered_again_is_a_new_round_and_earlier_approvals_do_not_count() -> None:
    ws = ready_stream(Stage.JOINT_SIGNOFF)
    assert ws.report.approved_by_all(ws.participants)
    ws.report.versions += ["v2", "v1"]  # back to the first text: everyone must decide again
    assert ws.report.approvals() == set()
    with pytest.raises(TransitionRefused, match="awaits approval from HMIPROBATION"):
        lifecycle.fire(ws, Trigger.COMPLETE_SIGNOFF, CTX)
