"""Jointly owned at every key decision (issue 13): which matters each kind decides, the
guards of lifecycle version 2 at fieldwork, joint sign-off and publication, and each
body's lead inspector and senior-level oversight. Pure domain: no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflow.domain import guards as g
from workflow.domain import lifecycle
from workflow.domain.errors import InvalidInput, Refused, TransitionRefused
from workflow.domain.events import KeyPeopleNamed, WorkStreamCreated
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind
from workflow.domain.key_matters import decides
from workflow.domain.key_people import KeyPeople
from workflow.domain.replay import replay
from workflow.domain.stages import Stage, Trigger, WorkStreamKind
from workflow.domain.workstream import WorkStream

NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)
CTX = MoveContext("ann", "HMIPROBATION", NOW)
BODIES = ("HMIPROBATION", "HMIPRISONS", "HMICFRS")
K = DocumentKind


def stream(
    kind: WorkStreamKind = WorkStreamKind.THEMATIC_INSPECTION, version: int = 2
) -> WorkStream:
    return WorkStream(
        "mappa", "MAPPA", kind, lead=BODIES[0], supporting=BODIES[1:], lifecycle_version=version
    )


def agreed(ws: WorkStream, kind: DocumentKind, by: tuple[str, ...] = BODIES) -> str:
    version = kind.value[0] * 64
    doc = ws.document(kind)
    doc.versions.append(version)
    for body in by:
        doc.decisions.append(
            DecisionRecord(body, "x", Decision.APPROVE, version, NOW, None, doc.round)
        )
    return version


def named(ws: WorkStream) -> None:
    for body in ws.participants:
        ws.key_people[body] = KeyPeople(f"lead.{body.lower()}", f"chief.{body.lower()}")


def unmet(ws: WorkStream, trigger: Trigger) -> list[str]:
    return lifecycle.unmet_conditions(ws, trigger, CTX)


def test_new_work_streams_start_under_version_2_and_version_1_is_unchanged() -> None:
    assert lifecycle.current_version() == 2
    assert lifecycle.lifecycle(1).transitions == lifecycle.TRANSITIONS
    assert not lifecycle.lifecycle(1).names_key_people
    assert lifecycle.lifecycle(2).names_key_people
    extra = {
        m.trigger: [x.__name__ for x in m.guards if x not in old.guards]
        for m, old in zip(lifecycle.KEY_DECISIONS, lifecycle.TRANSITIONS, strict=True)
    }
    assert extra[Trigger.START_FIELDWORK] == ["key_people_named", "methodology_agreed"]
    assert extra[Trigger.SUBMIT_FOR_SIGNOFF] == ["findings_agreed"]
    assert extra[Trigger.PUBLISH] == ["recommendations_agreed", "publication_arrangements_agreed"]
    assert all(not v for t, v in extra.items() if t not in (
        Trigger.START_FIELDWORK, Trigger.SUBMIT_FOR_SIGNOFF, Trigger.PUBLISH
    ))  # fmt: skip


def test_fieldwork_needs_every_body_named_and_the_methodology_agreed_naming_who_is_awaited() -> (
    None
):
    ws = stream()
    agreed(ws, K.TERMS_OF_REFERENCE)
    assert unmet(ws, Trigger.START_FIELDWORK) == [
        "HMIPROBATION, HMIPRISONS, HMICFRS have not named a lead inspector and senior-level "
        "oversight (`cjji streams name-leads`)",
        "no methodology version is registered: register it and have every body agree "
        "(`cjji drafts add mappa --kind methodology --file FILE`)",
    ]
    named(ws)
    version = agreed(ws, K.METHODOLOGY, by=BODIES[:1])
    assert unmet(ws, Trigger.START_FIELDWORK) == [
        f"the methodology (version {version[:12]}) awaits agreement from HMIPRISONS, HMICFRS"
    ]
    for body in BODIES[1:]:
        ws.document(K.METHODOLOGY).decisions.append(
            DecisionRecord(body, "x", Decision.APPROVE, version, NOW, None, 0)
        )
    assert unmet(ws, Trigger.START_FIELDWORK) == []


def test_a_stream_in_flight_under_version_1_keeps_its_rules() -> None:
    ws = stream(version=1)
    agreed(ws, K.TERMS_OF_REFERENCE)
    assert unmet(ws, Trigger.START_FIELDWORK) == []
    assert lifecycle.fire(ws, Trigger.START_FIELDWORK, CTX) is Stage.FIELDWORK


def test_a_visit_inherits_its_programmes_methodology_by_configuration() -> None:
    assert not decides(WorkStreamKind.VISIT, K.METHODOLOGY)
    assert decides(WorkStreamKind.VISIT, K.FINDINGS)
    assert all(decides(WorkStreamKind.THEMATIC_INSPECTION, k) for k in K)
    ws = stream(WorkStreamKind.VISIT)
    agreed(ws, K.TERMS_OF_REFERENCE)
    named(ws)
    assert unmet(ws, Trigger.START_FIELDWORK) == []


def test_signoff_needs_the_findings_and_publication_the_recommendations_and_arrangements() -> None:
    ws = stream()
    ws.state = Stage.DRAFTING
    ws.report.versions.append("r" * 64)
    version = agreed(ws, K.FINDINGS, by=BODIES[:2])
    reasons = unmet(ws, Trigger.SUBMIT_FOR_SIGNOFF)
    assert (
        f"the findings and judgements (version {version[:12]}) await agreement from HMICFRS"
        in reasons
    )
    assert g.recommendations_agreed(ws, CTX) == (
        "no recommendations version is registered: register it and have every body agree "
        "(`cjji drafts add mappa --kind recommendations --file FILE`)"
    )
    agreed(ws, K.RECOMMENDATIONS)
    arrangements = agreed(ws, K.PUBLICATION_ARRANGEMENTS, by=("HMICFRS",))
    assert g.recommendations_agreed(ws, CTX) is None
    assert g.publication_arrangements_agreed(ws, CTX) == (
        f"the publication arrangements (version {arrangements[:12]}) await agreement from "
        "HMIPROBATION, HMIPRISONS"
    )


def test_a_refused_move_names_the_matter_the_version_and_the_bodies() -> None:
    ws = stream()
    agreed(ws, K.TERMS_OF_REFERENCE)
    named(ws)
    version = agreed(ws, K.METHODOLOGY, by=("HMIPROBATION", "HMICFRS"))
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.fire(ws, Trigger.START_FIELDWORK, CTX)
    assert str(refused.value) == (
        "mappa is in scoping: cannot start_fieldwork: the methodology (version "
        f"{version[:12]}) awaits agreement from HMIPRISONS"
    )


def test_a_new_version_of_a_key_matter_voids_its_approvals() -> None:
    ws = stream()
    agreed(ws, K.METHODOLOGY)
    ws.register_document(K.METHODOLOGY, "n" * 64, "ann", "HMIPROBATION", NOW)
    assert ws.document(K.METHODOLOGY).outstanding(ws.participants) == list(BODIES)


def test_each_body_names_two_different_people_and_a_change_keeps_who_was_named_before() -> None:
    ws = stream()
    with pytest.raises(Refused, match="CQC does not take part in mappa"):
        ws.name_key_people("CQC", KeyPeople("lead.cqc", "chief.cqc"), "c", "CQC", NOW)
    with pytest.raises(InvalidInput, match="two different people"):
        ws.name_key_people("HMICFRS", KeyPeople("x", "x"), "c", "HMICFRS", NOW)
    first = KeyPeople("lead.hmicfrs", "chief.hmicfrs")
    assert ws.name_key_people("HMICFRS", first, "chief.hmicfrs", "HMICFRS", NOW)
    assert not ws.name_key_people("HMICFRS", first, "chief.hmicfrs", "HMICFRS", NOW)
    second = KeyPeople("deputy.hmicfrs", "chief.hmicfrs")
    assert ws.name_key_people("HMICFRS", second, "chief.hmicfrs", "HMICFRS", NOW, "moved post")
    events = [e for e in ws.drain() if isinstance(e, KeyPeopleNamed)]
    assert [e.payload for e in events] == [
        {"body": "HMICFRS", "lead_inspector": "lead.hmicfrs", "senior_oversight": "chief.hmicfrs",
         "previous": None},
        {"body": "HMICFRS", "lead_inspector": "deputy.hmicfrs",
         "senior_oversight": "chief.hmicfrs",
         "previous": {"lead_inspector": "lead.hmicfrs", "senior_oversight": "chief.hmicfrs"}},
    ]  # fmt: skip
    assert events[1].reason == "moved post"
    assert ws.unnamed_key_people() == ["HMIPROBATION", "HMIPRISONS"]


def test_replay_rebuilds_the_named_people_and_the_key_matters() -> None:
    ws = stream()
    ws.record(
        WorkStreamCreated(actor="ann", body="HMIPROBATION", at=NOW, fields=ws.creation_fields())
    )
    ws.name_key_people("HMICFRS", KeyPeople("lead.hmicfrs", "chief.hmicfrs"), "c", "HMICFRS", NOW)
    ws.register_document(K.METHODOLOGY, "m" * 64, "ann", "HMIPROBATION", NOW)
    ws.record_decision(
        K.METHODOLOGY, DecisionRecord("HMICFRS", "s", Decision.APPROVE, "m" * 64, NOW)
    )
    events = [
        (e.action.value, e.at, e.actor, e.body, e.to_state, e.reason, e.payload) for e in ws.drain()
    ]
    rebuilt = replay(events)
    assert rebuilt is not None
    assert rebuilt.snapshot() == ws.snapshot()
    assert rebuilt.snapshot()["key_people"] == {
        "HMICFRS": {"lead_inspector": "lead.hmicfrs", "senior_oversight": "chief.hmicfrs"}
    }
