"""Helpers that walk a work stream through its lifecycle with the real services."""

from __future__ import annotations

from pathlib import Path

from workflow.bootstrap import Runtime
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream
from workflow.services import directory, documents, streams
from workflow.services.actors import Actor

LEAD = Actor("Ann Lead", "HMIPROBATION")
BODIES = ("HMIPROBATION", "HMIPRISONS", "HMICFRS")


PEOPLE = Path(__file__).resolve().parents[2] / "config/people.demo.yaml"


def signatory(body: str) -> Actor:
    """The demo signatory of ``body`` (config/people.demo.yaml)."""
    return Actor(f"signatory.{body.lower()}", body)


def seed_people(rt: Runtime) -> None:
    directory.load_people_file(rt, Actor("test set-up", None), PEOPLE)


def create(rt: Runtime, ref: str = "mappa", **extra: object) -> WorkStream:
    seed_people(rt)
    fields: dict[str, object] = {
        "lead": "HMI Probation",
        "supporting": ["HMI Prisons", "HMIC"],
        "expected_publication": "Spring 2022",
        **extra,
    }
    return streams.create_stream(
        rt, LEAD, ref=ref, title=f"Work stream {ref}", kind="thematic_inspection", **fields
    )


def agree_terms(rt: Runtime, ref: str, text: bytes = b"Terms of reference v1") -> str:
    version = documents.register_document(rt, LEAD, ref, "terms_of_reference", text).version
    for body in BODIES:
        documents.record_decision(
            rt,
            signatory(body),
            ref,
            body=body,
            decision="approve",
            version=version,
            kind="terms_of_reference",
        )
    return version


def to_signoff(rt: Runtime, ref: str = "mappa", draft: bytes = b"Draft report v1") -> str:
    """Create (if needed) and walk ``ref`` into joint sign-off; returns the draft version."""
    agree_terms(rt, ref)
    streams.fire_trigger(rt, LEAD, ref, "start_fieldwork")
    streams.fire_trigger(rt, LEAD, ref, "start_drafting")
    version = documents.register_document(rt, LEAD, ref, "report", draft).version
    ws = streams.fire_trigger(rt, LEAD, ref, "submit_for_signoff")
    assert ws.state is Stage.JOINT_SIGNOFF
    return version


def approve_all(rt: Runtime, ref: str, version: str) -> WorkStream:
    ws = None
    for body in BODIES:
        ws = documents.record_decision(
            rt, signatory(body), ref, body=body, decision="approve", version=version
        ).stream
    assert ws is not None
    return ws
