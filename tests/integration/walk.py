"""Helpers that walk a work stream through its lifecycle with the real services."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.acting import send
from workflow.application.commands import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    CreateWorkStream,
    DisposeFactualAccuracyComment,
    FireTrigger,
    LoadPeople,
    Publish,
    RecordDecision,
    RegisterDocument,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.principal import Actor, engine_principal
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream

LEAD = Actor("Ann Lead", "HMIPROBATION")
BODIES = ("HMIPROBATION", "HMIPRISONS", "HMICFRS")


PEOPLE = Path(__file__).resolve().parents[2] / "config/people.demo.yaml"


def signatory(body: str) -> Actor:
    """The demo signatory of ``body`` (config/people.demo.yaml)."""
    return Actor(f"signatory.{body.lower()}", body)


def seed_people(rt: Runtime) -> None:
    rt.handle(LoadPeople(path=PEOPLE), engine_principal("test set-up"))


def create(rt: Runtime, ref: str = "mappa", **extra: object) -> WorkStream:
    seed_people(rt)
    fields: dict[str, object] = {
        "lead": "HMI Probation",
        "supporting": ["HMI Prisons", "HMIC"],
        "expected_publication": "Spring 2022",
        **extra,
    }
    return send(
        rt,
        LEAD,
        CreateWorkStream(
            ref=ref, title=f"Work stream {ref}", kind="thematic_inspection", fields={**fields}
        ),
    )


def register_terms(
    rt: Runtime, ref: str, text: bytes = b"Terms of reference v1", *, lead: Actor = LEAD
) -> str:
    """Register the terms of reference: every participating body is asked to decide."""
    registered = send(rt, lead, RegisterDocument(key=ref, kind="terms_of_reference", content=text))
    return str(registered.version)


def agree_terms(
    rt: Runtime,
    ref: str,
    text: bytes = b"Terms of reference v1",
    *,
    lead: Actor = LEAD,
    bodies: tuple[str, ...] = BODIES,
) -> str:
    version = register_terms(rt, ref, text, lead=lead)
    for body in bodies:
        send(
            rt,
            signatory(body),
            RecordDecision(
                key=ref, body=body, decision="approve", version=version, kind="terms_of_reference"
            ),
        )
    return version


def to_signoff(
    rt: Runtime,
    ref: str = "mappa",
    draft: bytes = b"Draft report v1",
    *,
    lead: Actor | None = None,
    bodies: tuple[str, ...] = BODIES,
    reviewer: Actor | None = None,
) -> str:
    """Walk ``ref`` (created already) into joint sign-off; returns the draft version.
    ``lead``, ``bodies`` and ``reviewer`` default to those of :func:`create`'s work stream."""
    lead = lead or LEAD
    agree_terms(rt, ref, lead=lead, bodies=bodies)
    send(rt, lead, FireTrigger(key=ref, trigger="start_fieldwork"))
    send(rt, lead, FireTrigger(key=ref, trigger="start_drafting"))
    version = send(rt, lead, RegisterDocument(key=ref, kind="report", content=draft)).version
    check_facts(rt, ref, lead=lead, reviewer=reviewer or REVIEWER)
    ws = send(rt, lead, FireTrigger(key=ref, trigger="submit_for_signoff"))
    assert ws.state is Stage.JOINT_SIGNOFF
    return version


#: A member of the lead body who was not on the fieldwork team (config/people.demo.yaml).
REVIEWER = Actor("chief.hmiprobation", "HMIPROBATION")


def check_facts(rt: Runtime, ref: str, *, lead: Actor = LEAD, reviewer: Actor = REVIEWER) -> None:
    """A factual accuracy check with one rejected comment, signed off by the reviewer (a
    member of the lead body who was not on the fieldwork team)."""
    police = "Avon and Somerset Police"
    team = f"lead.{(lead.body or '').lower()}"
    send(rt, lead, SetFieldworkTeam(key=ref, usernames=(team,)))
    send(rt, lead, StartFactualAccuracy(key=ref, parties=(police,)))
    send(rt, lead, AddFactualAccuracyComment(key=ref, party=police, text="Table 2 is out of date"))
    send(
        rt,
        lead,
        DisposeFactualAccuracyComment(
            key=ref, number=1, disposition="rejected", reason="The table cites 2021 figures"
        ),
    )
    send(rt, reviewer, SignOffFactualAccuracy(key=ref))


def publish(rt: Runtime, ref: str, when: datetime) -> WorkStream:
    """From publication (every body approved) to follow-up, as the lead does it."""
    send(rt, LEAD, SchedulePublication(key=ref, when=when))
    send(
        rt,
        LEAD,
        AddEmbargoRecipient(key=ref, name="Press office", email="press@moj.example", kind="press"),
    )
    send(rt, LEAD, SendEmbargoedCopy(key=ref))
    version = queries.show_stream(rt, ref)["report"]
    url = f"https://www.justiceinspectorates.gov.uk/{ref}"
    # Published at once, before its scheduled time: an early release, with its reason.
    early = "the test publishes on the day it schedules"
    command = Publish(key=ref, url=url, version=version, early_release_reason=early)
    ws: WorkStream = send(rt, LEAD, command)
    return ws


def approve_all(rt: Runtime, ref: str, version: str) -> WorkStream:
    ws = None
    for body in BODIES:
        ws = send(
            rt,
            signatory(body),
            RecordDecision(key=ref, body=body, decision="approve", version=version),
        ).stream
    assert ws is not None
    return ws
