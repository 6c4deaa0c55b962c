"""Turning table rows into work streams and back. Storage detail stays here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from workflow.domain.decisions_awaited import awaited_bodies
from workflow.domain.factual_accuracy import decode_check, encode_check
from workflow.domain.fuzzy_dates import FuzzyDate
from workflow.domain.joint_decisions import (
    KEY_MATTERS,
    Decision,
    DecisionRecord,
    DocumentKind,
    JointDocument,
)
from workflow.domain.key_people import decode_key_people, encode_key_people
from workflow.domain.participants import decode_proposal, encode_proposal
from workflow.domain.publication import decode_publication, encode_publication
from workflow.domain.recommendations import decode_recommendation
from workflow.domain.stages import Priority, ScopingDecision, Stage, WorkStreamKind
from workflow.domain.working_days import Jurisdiction
from workflow.domain.workstream import WorkStream
from workflow.store.audit import as_utc
from workflow.store.tables import RecommendationRow, WorkStreamRow


def decode_decision(d: dict[str, Any]) -> DecisionRecord:
    """The inverse of :func:`workflow.domain.workstream.encode_decision`."""
    return DecisionRecord(
        d["body"],
        d["actor"],
        Decision(d["decision"]),
        d["version"],
        datetime.fromisoformat(d["at"]),
        d.get("comment"),
        d["round"],
    )


def document_from_json(kind: DocumentKind, data: dict[str, Any]) -> JointDocument:
    """One document of the ``documents`` column (its versions and decisions)."""
    return JointDocument(
        kind,
        list(data.get("versions", [])),
        [decode_decision(d) for d in data.get("decisions", [])],
    )


_document = document_from_json


def encode_awaiting(bodies: Sequence[str]) -> str | None:
    """The ``awaiting`` column: the bodies between commas (",A,B,"), NULL for none, so that
    :func:`awaiting_marker` of one body is found in it by ``LIKE``."""
    return ",".join(("", *bodies, "")) if bodies else None


def awaiting_marker(body: str) -> str:
    """What the ``awaiting`` column holds when ``body``'s decision is awaited."""
    return f",{body},"


#: The section of the plan that lists a work stream has no column of its own yet (no
#: migration for it); it is kept in the ``publication`` JSON under this key, which the
#: publication's decoder ignores. A later migration can move it to a column.
PLAN_SECTION_KEY = "plan_section"


def plan_section_of(row: WorkStreamRow) -> str | None:
    value = (row.publication or {}).get(PLAN_SECTION_KEY)
    return value if isinstance(value, str) else None


def with_plan_section(publication: dict[str, Any], section: str | None) -> dict[str, Any]:
    return {**publication, PLAN_SECTION_KEY: section} if section else publication


def set_plan_section(row: WorkStreamRow, section: str | None) -> None:
    """Record ``section`` on ``row`` alone: a plan's layout changes no work stream's story,
    so it is written without an event or a new version."""
    kept = {k: v for k, v in (row.publication or {}).items() if k != PLAN_SECTION_KEY}
    row.publication = with_plan_section(kept, section)


def stream_from_row(row: WorkStreamRow, recommendations: list[RecommendationRow]) -> WorkStream:
    docs = row.documents or {}
    expected = None
    if row.expected_text is not None:
        expected = FuzzyDate(row.expected_text, row.expected_earliest, row.expected_latest)
    return WorkStream(
        ref=row.ref,
        title=row.title,
        kind=WorkStreamKind(row.kind),
        jurisdiction=Jurisdiction(row.jurisdiction),
        plan=row.plan,
        priority=Priority(row.priority),
        lead=row.lead,
        supporting=tuple(row.supporting),
        expected_publication=expected,
        summary=row.summary,
        missing=tuple(row.missing),
        parent_ref=row.parent_ref,
        origin_ref=row.origin_ref,
        plan_section=plan_section_of(row),
        state=Stage(row.state),
        paused_from=Stage(row.paused_from) if row.paused_from else None,
        paused_at=row.paused_at,
        paused_seconds=row.paused_seconds,
        withdrawn_reason=row.withdrawn_reason,
        scoping_decision=ScopingDecision(row.scoping_decision) if row.scoping_decision else None,
        terms_of_reference=_document(
            DocumentKind.TERMS_OF_REFERENCE, docs.get("terms_of_reference", {})
        ),
        report=_document(DocumentKind.REPORT, docs.get("report", {})),
        matters={k: _document(k, docs.get(k.value, {})) for k in KEY_MATTERS},
        key_people=decode_key_people(row.key_people),
        recommendations=[
            decode_recommendation(r.details)
            for r in sorted(recommendations, key=lambda r: r.number)
        ],
        fieldwork_team=tuple(row.fieldwork_team or ()),
        factual_accuracy=decode_check(row.factual_accuracy),
        publication=decode_publication(row.publication),
        rating=row.rating,
        participants_proposal=decode_proposal(row.participants_proposal),
        lifecycle_version=row.lifecycle_version,
        version=row.version,
    )


def copy_to_row(ws: WorkStream, row: WorkStreamRow) -> None:
    """Write every field of ``ws`` onto ``row`` (recommendations are rows of their own)."""
    row.ref, row.title, row.kind = ws.ref, ws.title, ws.kind.value
    row.jurisdiction, row.plan, row.priority = ws.jurisdiction.value, ws.plan, ws.priority.value
    row.lead, row.supporting = ws.lead, list(ws.supporting)
    row.summary, row.missing = ws.summary, list(ws.missing)
    exp = ws.expected_publication
    row.expected_text = exp.text if exp else None
    row.expected_earliest = exp.earliest if exp else None
    row.expected_latest = exp.latest if exp else None
    row.parent_ref, row.origin_ref = ws.parent_ref, ws.origin_ref
    row.state = ws.state.value
    row.paused_from = ws.paused_from.value if ws.paused_from else None
    row.paused_at = as_utc(ws.paused_at) if ws.paused_at else None
    row.paused_seconds = ws.paused_seconds
    row.withdrawn_reason = ws.withdrawn_reason
    row.scoping_decision = ws.scoping_decision.value if ws.scoping_decision else None
    row.documents = ws.encoded_documents()
    row.fieldwork_team = list(ws.fieldwork_team)
    row.factual_accuracy = encode_check(ws.factual_accuracy)
    row.publication = with_plan_section(encode_publication(ws.publication), ws.plan_section)
    row.rating = ws.rating
    row.participants_proposal = encode_proposal(ws.participants_proposal)
    row.lifecycle_version = ws.lifecycle_version
    row.key_people = encode_key_people(ws.key_people)
    row.awaiting = encode_awaiting(awaited_bodies(ws.state, ws.participants, ws.document))
