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
    NameKeyPeople,
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


def create(rt: Runtime, ref: str = "mappa", *, leads: bool = True, **extra: object) -> WorkStream:
    """Create ``ref``, and (unless ``leads`` is False) have every participating body name
    its lead inspector and senior-level oversight, as lifecycle version 2 asks before the
    terms of reference."""
    seed_people(rt)
    fields: dict[str, object] = {
        "lead": "HMI Probation",
        "supporting": ["HMI Prisons", "HMIC"],
        "expected_publication": "Spring 2022",
        **extra,
    }
    ws: WorkStream = send(
        rt,
        LEAD,
        CreateWorkStream(
            ref=ref, title=f"Work stream {ref}", kind="thematic_inspection", fields={**fields}
        ),
    )
    if leads and ws.lead:
        name_leads(rt, ref)
    return ws


def participants(rt: Runtime, ref: str) -> tuple[str, ...]:
    data = queries.show_stream(rt, ref)
    return tuple(dict.fromkeys(b for b in (data["lead"], *data["supporting"]) if b))


def chief(body: str) -> Actor:
    """The demo chief inspector of ``body`` (config/people.demo.yaml)."""
    return Actor(f"chief.{body.lower()}", body)


def name_leads(rt: Runtime, ref: str) -> None:
    """Every participating body names its demo lead inspector and its chief inspector as
    senior-level oversight (lifecycle version 2 asks it before the terms of reference)."""
    for body in participants(rt, ref):
        send(
            rt,
            chief(body),
            NameKeyPeople(
                key=ref,
                body=body,
                lead_inspector=f"lead.{body.lower()}",
                senior_oversight=f"chief.{body.lower()}",
            ),
        )


def agree(
    rt: Runtime, ref: str, kind: str, text: bytes | None = None, *, lead: Actor = LEAD
) -> str:
    """Register a version of the key matter ``kind`` and have every participant approve it."""
    content = text or f"The {kind.replace('_', ' ')} of {ref}, version 1".encode()
    version = str(send(rt, lead, RegisterDocument(key=ref, kind=kind, content=content)).version)
    for body in participants(rt, ref):
        send(
            rt,
            signatory(body),
            RecordDecision(key=ref, body=body, decision="approve", version=version, kind=kind),
        )
    return version


def register_terms(
    rt: Runtime, ref: str, text: bytes = b"Terms of reference v1", *, lead: Actor = LEAD
) -> str:
    """Register the terms of reference (each body having named its lead inspector and
    senior-level oversight first): every participating body is asked to decide."""
    name_leads(rt, ref)
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
    """Agree the scope (the terms of reference) and the methodology: what fieldwork needs."""
    version = register_terms(rt, ref, text, lead=lead)
    for body in bodies:
        send(
            rt,
            signatory(body),
            RecordDecision(
                key=ref, body=body, decision="approve", version=version, kind="terms_of_reference"
            ),
        )
    agree(rt, ref, "methodology", lead=lead)
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
    agree(rt, ref, "findings", lead=lead)
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
    agree_for_publication(rt, ref)
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


def agree_for_publication(rt: Runtime, ref: str, *, lead: Actor = LEAD) -> None:
    """The recommendations and the publication arrangements, agreed: what publish needs."""
    agree(rt, ref, "recommendations", lead=lead)
    agree(rt, ref, "publication_arrangements", lead=lead)


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
