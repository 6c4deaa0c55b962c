"""Helpers that walk a work stream through its lifecycle with the real services."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from workflow.bootstrap import Runtime
from workflow.domain.stages import Stage
from workflow.domain.workstream import WorkStream
from workflow.services import directory, documents, queries, report, streams
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
    check_facts(rt, ref)
    ws = streams.fire_trigger(rt, LEAD, ref, "submit_for_signoff")
    assert ws.state is Stage.JOINT_SIGNOFF
    return version


#: A member of the lead body who was not on the fieldwork team (config/people.demo.yaml).
REVIEWER = Actor("chief.hmiprobation", "HMIPROBATION")


def check_facts(rt: Runtime, ref: str) -> None:
    """A factual accuracy check with one rejected comment, signed off by the reviewer."""
    report.set_fieldwork_team(rt, LEAD, ref, ["lead.hmiprobation"])
    report.start_factual_accuracy(rt, LEAD, ref, ["Avon and Somerset Police"])
    report.add_fa_comment(rt, LEAD, ref, "Avon and Somerset Police", "Table 2 is out of date")
    report.dispose_fa_comment(rt, LEAD, ref, 1, "rejected", "The table cites 2021 figures")
    report.sign_off_factual_accuracy(rt, REVIEWER, ref)


def publish(rt: Runtime, ref: str, when: datetime) -> WorkStream:
    """From publication (every body approved) to follow-up, as the lead does it."""
    report.schedule_publication(rt, LEAD, ref, when)
    report.add_embargo_recipient(
        rt, LEAD, ref, name="Press office", email="press@moj.example", kind="press"
    )
    report.send_embargoed_copy(rt, LEAD, ref)
    version = queries.show_stream(rt, ref)["report"]
    return report.publish(
        rt, LEAD, ref, url=f"https://www.justiceinspectorates.gov.uk/{ref}", version=version
    )


def approve_all(rt: Runtime, ref: str, version: str) -> WorkStream:
    ws = None
    for body in BODIES:
        ws = documents.record_decision(
            rt, signatory(body), ref, body=body, decision="approve", version=version
        ).stream
    assert ws is not None
    return ws
