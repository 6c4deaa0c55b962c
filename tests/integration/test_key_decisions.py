"""Jointly owned at every key decision (issue 13), on SQLite and PostgreSQL: a work stream
under lifecycle version 2 cannot reach fieldwork, joint sign-off or publication while a
key matter awaits any participating body, and each refusal says which matter, which
version and which bodies. Each body names its lead inspector and senior-level oversight
before the terms of reference, and a change of them is audited. A stream in flight under
version 1 keeps its rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import Clock
from tests.integration.walk import (
    BODIES,
    LEAD,
    agree,
    agree_terms,
    approve_all,
    check_facts,
    chief,
    create,
    name_leads,
    publish,
    signatory,
    to_signoff,
)
from tests.support.acting import send
from workflow.application.commands import (
    AddEmbargoRecipient,
    FireTrigger,
    NameKeyPeople,
    Publish,
    RecordDecision,
    RegisterDocument,
    SchedulePublication,
    SendEmbargoedCopy,
)
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain import lifecycle
from workflow.domain.errors import InvalidInput, Refused, TransitionRefused
from workflow.domain.stages import Stage


def register(rt: Runtime, ref: str, kind: str, text: bytes) -> str:
    return str(send(rt, LEAD, RegisterDocument(key=ref, kind=kind, content=text)).version)


def approve(rt: Runtime, ref: str, kind: str, version: str, bodies: tuple[str, ...]) -> None:
    for body in bodies:
        decision = RecordDecision(
            key=ref, body=body, decision="approve", version=version, kind=kind
        )
        send(rt, signatory(body), decision)


def fire(rt: Runtime, trigger: str) -> None:
    send(rt, LEAD, FireTrigger(key="mappa", trigger=trigger))


def test_no_move_past_a_key_matter_that_awaits_a_body_and_each_refusal_says_which(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    assert queries.show_stream(rt, "mappa")["lifecycle_version"] == 2
    tor = register(rt, "mappa", "terms_of_reference", b"Scope: MAPPA in four areas")
    approve(rt, "mappa", "terms_of_reference", tor, BODIES)
    method = register(rt, "mappa", "methodology", b"Case file reading, interviews")
    approve(rt, "mappa", "methodology", method, BODIES[:1])
    with pytest.raises(TransitionRefused) as refused:
        fire(rt, "start_fieldwork")
    assert str(refused.value) == (
        "mappa is in scoping: cannot start_fieldwork: the methodology (version "
        f"{method[:12]}) awaits agreement from HMIPRISONS, HMICFRS"
    )
    approve(rt, "mappa", "methodology", method, BODIES[1:])
    fire(rt, "start_fieldwork")
    fire(rt, "start_drafting")

    findings = register(rt, "mappa", "findings", b"Risk information is shared late")
    approve(rt, "mappa", "findings", findings, ("HMIPROBATION", "HMICFRS"))
    shown = queries.show_stream(rt, "mappa")
    assert shown["outstanding"]["document"] == "findings"
    assert shown["outstanding"]["awaiting"] == ["HMIPRISONS"]
    assert "the findings and judgements (version " in " ".join(
        shown["moves"]["submit_for_signoff"]["unmet"]
    )
    # to_signoff agrees the findings again (a new version) and goes on to joint sign-off.
    draft = to_signoff_from_drafting(rt)
    approve_all(rt, "mappa", draft)
    assert queries.show_stream(rt, "mappa")["state"] == "publication"

    recs = register(rt, "mappa", "recommendations", b"1. Share risk information in 24 hours")
    approve(rt, "mappa", "recommendations", recs, BODIES[:2])
    with pytest.raises(TransitionRefused) as refused:
        publish_without_agreeing(rt, clock)
    assert f"the recommendations (version {recs[:12]}) await agreement from HMICFRS" in str(
        refused.value
    )
    assert "no publication arrangements version is registered" in str(refused.value)
    assert publish(rt, "mappa", clock.now + timedelta(days=1)).state is Stage.FOLLOW_UP
    assert queries.verify_audit(rt).ok
    assert queries.replay_differences(rt) == {}


def to_signoff_from_drafting(rt: Runtime) -> str:
    agree(rt, "mappa", "findings", b"Risk information is shared late, v2")
    version = str(
        send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft")).version
    )
    check_facts(rt, "mappa")
    fire(rt, "submit_for_signoff")
    return version


def publish_without_agreeing(rt: Runtime, clock: Clock) -> None:
    send(rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=1)))
    recipient = AddEmbargoRecipient(key="mappa", name="Press", email="p@moj.example", kind="press")
    send(rt, LEAD, recipient)
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    version = queries.show_stream(rt, "mappa")["report"]
    url = "https://www.justiceinspectorates.gov.uk/mappa"
    send(rt, LEAD, Publish(key="mappa", url=url, version=version, early_release_reason="now"))


def test_each_body_names_its_people_before_the_terms_and_a_change_is_audited(
    rt: Runtime,
) -> None:
    create(rt, leads=False)
    with pytest.raises(Refused, match="HMIPROBATION, HMIPRISONS, HMICFRS have not"):
        register(rt, "mappa", "terms_of_reference", b"Scope")
    wrong = NameKeyPeople(
        key="mappa", body="HMICFRS", lead_inspector="lead.hmiprisons", senior_oversight="x"
    )
    with pytest.raises(InvalidInput, match=r"lead\.hmiprisons acts for HMIPRISONS, not HMICFRS"):
        send(rt, chief("HMICFRS"), wrong)
    nobody = NameKeyPeople(
        key="mappa", body="HMICFRS", lead_inspector="nobody", senior_oversight="chief.hmicfrs"
    )
    with pytest.raises(InvalidInput, match="no active person 'nobody' in the directory"):
        send(rt, chief("HMICFRS"), nobody)
    name_leads(rt, "mappa")
    change = NameKeyPeople(
        key="mappa",
        body="HMICFRS",
        lead_inspector="deputy.hmicfrs",
        senior_oversight="chief.hmicfrs",
        reason="the lead inspector moved post",
    )
    send(rt, chief("HMICFRS"), change)
    named = queries.audit_log(rt, "mappa", action="key_people_named")
    assert len(named) == 4
    assert (named[-1]["actor"], named[-1]["reason"]) == (
        "chief.hmicfrs",
        "the lead inspector moved post",
    )
    assert named[-1]["payload"]["previous"] == {
        "lead_inspector": "lead.hmicfrs",
        "senior_oversight": "chief.hmicfrs",
    }
    shown = queries.show_stream(rt, "mappa")["key_people"]
    assert shown["HMICFRS"]["lead_inspector"] == "deputy.hmicfrs"
    register(rt, "mappa", "terms_of_reference", b"Scope")
    assert queries.verify_audit(rt).ok
    assert queries.replay_differences(rt) == {}


def test_a_stream_in_flight_under_version_1_keeps_the_rules_it_started_with(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as started_before:
        started_before.setattr(lifecycle, "current_version", lambda: 1)
        create(rt, "old", leads=False)
    create(rt, "new")
    assert queries.show_stream(rt, "old")["lifecycle_version"] == 1
    # Version 1: no people to name and no methodology; the terms of reference suffice.
    agreed = register(rt, "old", "terms_of_reference", b"Scope")
    approve(rt, "old", "terms_of_reference", agreed, BODIES)
    send(rt, LEAD, FireTrigger(key="old", trigger="start_fieldwork"))
    assert queries.show_stream(rt, "old")["state"] == "fieldwork"
    agree_terms(rt, "new", lead=LEAD)
    assert queries.show_stream(rt, "new")["moves"]["start_fieldwork"]["possible"]
    assert queries.replay_differences(rt) == {}


def test_the_walk_helpers_reach_joint_signoff_under_version_2(rt: Runtime) -> None:
    create(rt)
    to_signoff(rt)
    matters = {m["matter"]: m for m in queries.show_stream(rt, "mappa")["key_matters"]}
    for kind in ("terms_of_reference", "methodology", "findings"):
        assert matters[kind]["awaiting"] == [], kind
    assert matters["report"]["awaiting"] == list(BODIES)
