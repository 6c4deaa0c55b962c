"""The fast lane: commands through the real bus, policy and handlers, on an in-memory unit
of work. Each test is one rule; the same rules run on real databases in tests/integration.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from config.settings import Settings
from tests.support.fakes import FakeUnitOfWork
from workflow.application.commands import (
    Command,
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    NameKeyPeople,
    ProposeParticipants,
    RecordDecision,
    RecordParticipantsDecision,
)
from workflow.application.handlers import COMMAND_HANDLERS, reactions
from workflow.application.messagebus import MessageBus
from workflow.application.principal import Principal
from workflow.domain.bodies import DEFAULT_BODIES
from workflow.domain.errors import NotPermitted, Refused, StaleVersion, TransitionRefused
from workflow.domain.events import DocumentRegistered, Transitioned
from workflow.domain.factual_accuracy import FactualAccuracyCheck
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind
from workflow.domain.key_people import KeyPeople
from workflow.domain.roles import Role
from workflow.domain.stages import Stage, WorkStreamKind
from workflow.domain.workstream import WorkStream

NOW = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
LEAD, PRISONS, POLICE = "HMIPROBATION", "HMIPRISONS", "HMICFRS"


def person(name: str, body: str, *roles: Role) -> Principal:
    return Principal(1, name, name, body, frozenset(roles))


INSPECTOR = person("a.lead", LEAD, Role.INSPECTOR)
SUPPORTING_INSPECTOR = person("s.inspector", PRISONS, Role.INSPECTOR)
OUTSIDER = person("o.inspector", "CQC", Role.INSPECTOR)


def signatory(body: str) -> Principal:
    return person(f"signatory.{body.lower()}", body, Role.SIGNATORY)


def stream(state: Stage = Stage.SCOPING) -> WorkStream:
    ws = WorkStream(
        "mappa",
        "MAPPA",
        WorkStreamKind.THEMATIC_INSPECTION,
        lead=LEAD,
        supporting=(PRISONS, POLICE),
    )
    ws.state = state
    if state is not Stage.SCOPING:  # the terms of reference were agreed in scoping
        ws.terms_of_reference.versions.append("t" * 64)
        for body in ws.participants:
            record = DecisionRecord(body, "x", Decision.APPROVE, "t" * 64, NOW, None, 0)
            ws.terms_of_reference.decisions.append(record)
    if state is Stage.JOINT_SIGNOFF:
        ws.report.versions.append("r" * 64)
    return ws


def bus(uow: FakeUnitOfWork) -> MessageBus:
    events = {
        Transitioned: [reactions.request_decisions_at_signoff, reactions.notify_team],
        DocumentRegistered: [reactions.request_decisions_on_new_version],
    }
    return MessageBus(
        lambda: cast(Any, uow),
        clock=lambda: NOW,
        bodies=DEFAULT_BODIES,
        settings=Settings(_env_file=None),
        handlers=COMMAND_HANDLERS,
        event_handlers=cast(Any, events),
    )


def send(uow: FakeUnitOfWork, command: Command, who: Principal) -> Any:
    return bus(uow).handle(command, who)


def test_the_lead_bodys_inspector_moves_the_work_stream_and_the_team_is_told() -> None:
    uow = FakeUnitOfWork(stream(Stage.FIELDWORK))
    send(uow, FireTrigger(key="mappa", trigger="start_drafting"), INSPECTOR)
    assert uow.streams.stored["mappa"].state is Stage.DRAFTING
    assert uow.actions() == ["transitioned"]
    assert [task for task, _, _ in uow.outbox] == [reactions.NOTIFY_TEAM]
    assert uow.commits == 1


def test_a_supporting_bodys_inspector_may_not_move_it_and_nothing_is_committed() -> None:
    uow = FakeUnitOfWork(stream(Stage.FIELDWORK))
    with pytest.raises(NotPermitted, match="only the lead body moves it, not HMIPRISONS"):
        send(uow, FireTrigger(key="mappa", trigger="start_drafting"), SUPPORTING_INSPECTOR)
    assert uow.streams.stored["mappa"].state is Stage.FIELDWORK
    assert (uow.commits, uow.events, uow.outbox) == (0, [], [])


def test_a_body_that_takes_no_part_is_refused_naming_the_lead() -> None:
    uow = FakeUnitOfWork(stream(Stage.FIELDWORK))
    with pytest.raises(NotPermitted, match="mappa is led by HMIPROBATION"):
        send(uow, FireTrigger(key="mappa", trigger="start_drafting"), OUTSIDER)


def test_a_signatory_decides_but_never_moves() -> None:
    uow = FakeUnitOfWork(stream(Stage.FIELDWORK))
    with pytest.raises(NotPermitted, match="needs the inspector or chief_inspector role"):
        send(uow, FireTrigger(key="mappa", trigger="start_drafting"), signatory(LEAD))


def test_an_inspector_cannot_record_a_bodys_decision() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    decide = RecordDecision(key="mappa", body=LEAD, decision="approve", version="r" * 64)
    with pytest.raises(NotPermitted, match="signatory or deputy_signatory"):
        send(uow, decide, INSPECTOR)


def test_a_signatory_decides_for_their_own_body_only() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    decide = RecordDecision(key="mappa", body=PRISONS, decision="approve", version="r" * 64)
    with pytest.raises(NotPermitted, match="cannot decide for HMIPRISONS"):
        send(uow, decide, signatory(POLICE))


def test_a_body_that_takes_no_part_cannot_decide() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    decide = RecordDecision(key="mappa", body="CQC", decision="approve", version="r" * 64)
    with pytest.raises(NotPermitted, match="CQC does not take part in mappa"):
        send(uow, decide, signatory("CQC"))


def test_the_last_approval_moves_the_report_to_publication_jointly_owned() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    for body in (LEAD, PRISONS):
        send(
            uow,
            RecordDecision(key="mappa", body=body, decision="approve", version="r" * 64),
            signatory(body),
        )
        assert uow.streams.stored["mappa"].state is Stage.JOINT_SIGNOFF
    last = RecordDecision(key="mappa", body=POLICE, decision="approve", version="r" * 64)
    send(uow, last, signatory(POLICE))
    assert uow.streams.stored["mappa"].state is Stage.PUBLICATION
    assert uow.actions()[-2:] == ["decision_recorded", "transitioned"]


def test_a_request_for_changes_sends_the_report_back_to_drafting() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    changes = RecordDecision(
        key="mappa", body=PRISONS, decision="request_changes", version="r" * 64, comment="thin"
    )
    send(uow, changes, signatory(PRISONS))
    assert uow.streams.stored["mappa"].state is Stage.DRAFTING


def test_entering_signoff_asks_every_body_before_the_team_notice() -> None:
    ws = stream(Stage.DRAFTING)
    ws.report.versions.append("r" * 64)
    ws.factual_accuracy = FactualAccuracyCheck(
        "r" * 64, NOW.date(), ("Police",), completed_by="chief", completed_at=NOW
    )
    uow = FakeUnitOfWork(ws)
    send(uow, FireTrigger(key="mappa", trigger="submit_for_signoff"), INSPECTOR)
    assert ws.state is Stage.JOINT_SIGNOFF
    tasks = [task for task, _, _ in uow.outbox]
    assert tasks == [reactions.REQUEST_DECISION] * 3 + [reactions.NOTIFY_TEAM]
    assert [p["body"] for _, p, _ in uow.outbox[:3]] == [LEAD, PRISONS, POLICE]


def test_a_guard_refuses_drafting_before_fieldwork_and_nothing_is_committed() -> None:
    uow = FakeUnitOfWork(stream(Stage.SCOPING))
    with pytest.raises(TransitionRefused):
        send(uow, FireTrigger(key="mappa", trigger="start_drafting"), INSPECTOR)
    assert uow.commits == 0


def test_read_only_wins_over_every_other_role() -> None:
    uow = FakeUnitOfWork(stream(Stage.FIELDWORK))
    viewer = person("v", LEAD, Role.INSPECTOR, Role.READ_ONLY)
    with pytest.raises(NotPermitted, match="has read-only access"):
        send(uow, FireTrigger(key="mappa", trigger="start_drafting"), viewer)


def test_staff_create_work_streams_their_body_leads_only() -> None:
    uow = FakeUnitOfWork()
    mine = CreateWorkStream(
        title="Youth justice", kind="thematic_inspection", fields={"lead": LEAD}
    )
    created = send(uow, mine, INSPECTOR)
    assert created.ref == "youth-justice"
    theirs = CreateWorkStream(
        title="Custody", kind="thematic_inspection", fields={"lead": "HMI Prisons"}
    )
    with pytest.raises(NotPermitted):
        send(uow, theirs, INSPECTOR)


def test_an_edit_is_refused_once_the_work_stream_is_closed() -> None:
    uow = FakeUnitOfWork(stream(Stage.CLOSED))
    with pytest.raises(NotPermitted, match="can no longer be edited"):
        send(uow, EditWorkStream(key="mappa", changes={"title": "New"}), INSPECTOR)


# -- a change of participants, agreed by every body that remains ------------------------------
def approve(uow: FakeUnitOfWork, body: str) -> Any:
    decide = RecordDecision(key="mappa", body=body, decision="approve", version="r" * 64)
    return send(uow, decide, signatory(body))


def agree(uow: FakeUnitOfWork, body: str, number: int = 1, **extra: Any) -> Any:
    command = RecordParticipantsDecision(
        key="mappa", number=number, body=body, decision="agree", **extra
    )
    return send(uow, command, signatory(body))


DROP_POLICE = ProposeParticipants(
    key="mappa", supporting=("HMI Prisons",), reason="HMICFRS withdrew its staff"
)


def test_dropping_a_body_awaited_at_signoff_by_an_edit_is_refused_naming_the_proposal() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    approve(uow, PRISONS)
    with pytest.raises(Refused, match="cjji streams propose-participants"):
        send(uow, EditWorkStream(key="mappa", changes={"supporting": ["HMI Prisons"]}), INSPECTOR)
    assert uow.streams.stored["mappa"].supporting == (PRISONS, POLICE)


def test_a_change_of_participants_applies_only_once_every_remaining_body_agrees() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    approve(uow, PRISONS)
    send(uow, DROP_POLICE, INSPECTOR)
    ws = uow.streams.stored["mappa"]
    proposal = ws.participants_proposal
    assert proposal is not None and proposal.is_open
    assert (proposal.remaining, proposal.dropped) == ((LEAD, PRISONS), (POLICE,))
    assert proposal.agreed() == [LEAD], "the lead's proposal is its agreement"
    # Until the change is agreed, HMICFRS still owns the report: no approval completes it.
    assert approve(uow, LEAD).moved_to is None
    assert (ws.participants, ws.state) == ((LEAD, PRISONS, POLICE), Stage.JOINT_SIGNOFF)
    result = agree(uow, PRISONS)
    # The last agreement applies the change in its own transaction; every body that now
    # takes part has approved, so the report moves on in that same transaction.
    assert result.outcome == "applied" and result.moved_to is Stage.PUBLICATION
    assert (result.stream.participants, result.stream.state) == (
        (LEAD, PRISONS),
        Stage.PUBLICATION,
    )
    assert uow.actions()[-4:] == [
        "participants_proposal_changed",  # agreed by HMIPRISONS
        "edited",
        "participants_proposal_changed",  # applied
        "transitioned",
    ]
    changes = [e for _, e in uow.events if e.action.value == "participants_proposal_changed"]
    assert [getattr(e, "change", None) for e in changes] == ["proposed", "agreed", "applied"]
    edited = next(e for _, e in uow.events if e.action.value == "edited")
    assert "HMICFRS withdrew its staff" in (edited.reason or "")


def test_a_refusal_by_any_remaining_body_closes_the_proposal_and_changes_nothing() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    send(uow, DROP_POLICE, INSPECTOR)
    refuse = RecordParticipantsDecision(
        key="mappa", number=1, body=PRISONS, decision="refuse", comment="HMICFRS must sign"
    )
    send(uow, refuse, signatory(PRISONS))
    ws = uow.streams.stored["mappa"]
    assert ws.participants == (LEAD, PRISONS, POLICE)
    assert ws.participants_proposal is not None and ws.participants_proposal.outcome == "refused"
    with pytest.raises(Refused, match="no open change of participants"):
        agree(uow, PRISONS)
    # A refusal needs its reason; a new proposal takes the next number.
    send(uow, DROP_POLICE, INSPECTOR)
    assert ws.participants_proposal.number == 2


def test_only_a_remaining_bodys_own_signatory_decides_on_a_change_of_participants() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    send(uow, DROP_POLICE, INSPECTOR)
    command = RecordParticipantsDecision(key="mappa", number=1, body=PRISONS, decision="agree")
    with pytest.raises(NotPermitted, match="signatory or deputy_signatory"):
        send(uow, command, SUPPORTING_INSPECTOR)
    with pytest.raises(NotPermitted, match="cannot decide for HMIPRISONS"):
        send(uow, command, signatory(POLICE))
    with pytest.raises(Refused, match="HMICFRS would be dropped by proposal 1"):
        agree(uow, POLICE)
    with pytest.raises(NotPermitted, match="CQC does not take part"):
        agree(uow, "CQC")
    with pytest.raises(StaleVersion, match="names proposal 7"):
        agree(uow, PRISONS, number=7)
    assert uow.streams.stored["mappa"].participants == (LEAD, PRISONS, POLICE)


def test_only_the_lead_body_proposes_a_change_of_participants_with_a_reason() -> None:
    uow = FakeUnitOfWork(stream(Stage.JOINT_SIGNOFF))
    with pytest.raises(NotPermitted, match="only the lead body moves it"):
        send(uow, DROP_POLICE, SUPPORTING_INSPECTOR)
    with pytest.raises(NotPermitted, match="needs the inspector or chief_inspector role"):
        send(uow, DROP_POLICE, signatory(LEAD))
    blank = ProposeParticipants(key="mappa", supporting=("HMI Prisons",), reason="  ")
    with pytest.raises(Exception, match="needs a reason"):
        send(uow, blank, INSPECTOR)
    assert uow.commits == 0


def test_participants_cannot_be_edited_while_a_change_of_participants_is_open() -> None:
    uow = FakeUnitOfWork(stream(Stage.DRAFTING))
    send(uow, DROP_POLICE, INSPECTOR)
    with pytest.raises(Refused, match="open change of participants"):
        send(uow, EditWorkStream(key="mappa", changes={"supporting": ["CQC"]}), INSPECTOR)
    with pytest.raises(Refused, match="open change of participants already"):
        send(uow, DROP_POLICE, INSPECTOR)
    send(uow, EditWorkStream(key="mappa", changes={"title": "Still editable"}), INSPECTOR)


# -- key decisions (issue 13): lifecycle version 2 ---------------------------------------
def key_decisions_stream(state: Stage = Stage.SCOPING) -> WorkStream:
    """A work stream started under version 2, its people named and its scope agreed."""
    ws = stream(state)
    ws.lifecycle_version = 2
    for body in ws.participants:
        ws.key_people[body] = KeyPeople(f"lead.{body.lower()}", f"chief.{body.lower()}")
    if state is Stage.SCOPING:
        ws.terms_of_reference.versions.append("t" * 64)
        for body in ws.participants:
            record = DecisionRecord(body, "x", Decision.APPROVE, "t" * 64, NOW, None, 0)
            ws.terms_of_reference.decisions.append(record)
    return ws


def test_fieldwork_is_refused_until_every_body_agrees_the_methodology_then_it_moves() -> None:
    ws = key_decisions_stream()
    ws.document(DocumentKind.METHODOLOGY).versions.append("m" * 64)
    uow = FakeUnitOfWork(ws)
    for body in (LEAD, PRISONS):
        approve = RecordDecision(
            key="mappa", body=body, decision="approve", version="m" * 64, kind="methodology"
        )
        assert send(uow, approve, signatory(body)).moved_to is None
    commits = uow.commits
    with pytest.raises(TransitionRefused) as refused:
        send(uow, FireTrigger(key="mappa", trigger="start_fieldwork"), INSPECTOR)
    assert "the methodology (version mmmmmmmmmmmm) awaits agreement from HMICFRS" in str(
        refused.value
    )
    assert uow.commits == commits  # a refusal commits nothing
    last = RecordDecision(
        key="mappa", body=POLICE, decision="approve", version="m" * 64, kind="methodology"
    )
    send(uow, last, signatory(POLICE))
    send(uow, FireTrigger(key="mappa", trigger="start_fieldwork"), INSPECTOR)
    assert ws.state is Stage.FIELDWORK


def test_a_decision_on_a_key_matter_is_taken_only_where_it_is_decided() -> None:
    uow = FakeUnitOfWork(key_decisions_stream(Stage.FOLLOW_UP))
    late = RecordDecision(
        key="mappa", body=LEAD, decision="approve", version="f" * 64, kind="findings"
    )
    with pytest.raises(Refused, match="decisions on the findings and judgements are taken in "
                       "fieldwork or drafting"):  # fmt: skip
        send(uow, late, signatory(LEAD))


def test_a_body_names_people_for_itself_only() -> None:
    uow = FakeUnitOfWork(key_decisions_stream())
    chief_of_prisons = person("chief.hmiprisons", PRISONS, Role.CHIEF_INSPECTOR)
    other = NameKeyPeople(
        key="mappa", body=POLICE, lead_inspector="lead.hmicfrs", senior_oversight="chief.hmicfrs"
    )
    with pytest.raises(
        NotPermitted, match="acts for HMIPRISONS and cannot name people for HMICFRS"
    ):
        send(uow, other, chief_of_prisons)
    with pytest.raises(NotPermitted, match="needs the inspector or chief_inspector role"):
        send(uow, replace(other, body=PRISONS), signatory(PRISONS))
    assert uow.commits == 0
