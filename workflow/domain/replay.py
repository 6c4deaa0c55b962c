"""Rebuilding a work stream from its audit events alone.

If the stored state and the replayed state ever differ, either the trail or the tables
were changed outside the engine. Replay knows each action's payload, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from workflow.domain.events import Action
from workflow.domain.factual_accuracy import decode_check
from workflow.domain.fuzzy_dates import FuzzyDate
from workflow.domain.joint_decisions import Decision, DecisionRecord, DocumentKind
from workflow.domain.key_people import KeyPeople
from workflow.domain.lifecycle import lifecycle
from workflow.domain.participants import decode_proposal
from workflow.domain.publication import decode_publication
from workflow.domain.recommendations import decode_recommendation
from workflow.domain.stages import Priority, ScopingDecision, Stage, WorkStreamKind
from workflow.domain.working_days import Jurisdiction
from workflow.domain.workstream import WorkStream


class ReplayError(ValueError):
    """The events cannot be the history of a work stream under its rules."""


def decode_field(name: str, value: Any) -> Any:
    """The inverse of :func:`workflow.domain.workstream.encode_field`."""
    if name in ("supporting", "missing", "fieldwork_team"):
        return tuple(value)
    if name == "expected_publication":
        if value is None:
            return None
        return FuzzyDate(
            value["text"],
            _date(value.get("earliest")),
            _date(value.get("latest")),
        )
    if name == "jurisdiction":
        return Jurisdiction(value)
    if name == "priority":
        return Priority(value)
    return value


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def apply(
    ws: WorkStream | None,
    action: str,
    at: datetime,
    actor: str,
    body: str | None,
    to_state: str | None,
    reason: str | None,
    payload: Mapping[str, Any],
) -> WorkStream:
    """The work stream after one event (``ws`` is None before ``created``)."""
    if action == Action.CREATED:
        fields = dict(payload["fields"])
        return WorkStream(
            ref=fields["ref"],
            title=fields["title"],
            kind=WorkStreamKind(fields["kind"]),
            plan=fields.get("plan"),
            parent_ref=fields.get("parent_ref"),
            origin_ref=fields.get("origin_ref"),
            **{
                k: decode_field(k, v)
                for k, v in fields.items()
                if k not in ("ref", "title", "kind", "plan", "parent_ref", "origin_ref")
            },
        )
    if ws is None:
        raise ValueError(f"{action} before the work stream was created")
    if action == Action.EDITED:
        for name, (_old, new) in payload["changes"].items():
            setattr(ws, name, decode_field(name, new))
    elif action == Action.TRANSITIONED:
        source, dest = ws.state, Stage(to_state or "")
        # The stream's own version of the rules: a move its table lacks is not its history.
        rules = lifecycle(ws.lifecycle_version)
        if not rules.allows(source, dest, payload.get("trigger")):
            raise ReplayError(
                f"{ws.ref}: a move {source.value} → {dest.value} by "
                f"{payload.get('trigger', 'an unnamed trigger')}, which lifecycle version "
                f"{rules.version} does not allow"
            )
        if dest is Stage.PAUSED:
            ws.paused_from, ws.paused_at = source, at
        elif source is Stage.PAUSED:
            ws.paused_seconds += int(payload.get("paused_for_seconds", 0))
            ws.paused_from, ws.paused_at = None, None
        if dest is Stage.WITHDRAWN:
            ws.withdrawn_reason = reason
        if "decision" in payload:
            ws.scoping_decision = ScopingDecision(payload["decision"])
        if payload.get("trigger") == "publish":
            ws.publication.url, ws.publication.version = payload["url"], payload["version"]
            ws.publication.published_at = at
        ws.state = dest
    elif action == Action.DOCUMENT_REGISTERED:
        ws.document(DocumentKind(payload["kind"])).versions.append(payload["version"])
    elif action == Action.DECISION_RECORDED:
        ws.document(DocumentKind(payload["kind"])).decisions.append(
            DecisionRecord(
                body or "",
                actor,
                Decision(payload["decision"]),
                payload["version"],
                at,
                reason,
                payload["round"],
            )
        )
    elif action == Action.RECOMMENDATION_ADDED:
        ws.recommendations.append(decode_recommendation(payload["recommendation"]))
    elif action == Action.RECOMMENDATION_CHANGED:
        rec = decode_recommendation(payload["recommendation"])
        ws.recommendations = [rec if r.number == rec.number else r for r in ws.recommendations]
    elif action == Action.FACTUAL_ACCURACY_CHANGED:
        ws.factual_accuracy = decode_check(payload["factual_accuracy"])
    elif action == Action.PUBLICATION_CHANGED:
        ws.publication = decode_publication(payload["publication"])
    elif action == Action.RATING_RECORDED:
        ws.rating = payload["rating"]
    elif action == Action.PARTICIPANTS_PROPOSAL_CHANGED:
        ws.participants_proposal = decode_proposal(payload["proposal"])
    elif action == Action.KEY_PEOPLE_NAMED:
        ws.key_people[payload["body"]] = KeyPeople(
            payload["lead_inspector"], payload["senior_oversight"]
        )
    return ws


def replay(
    events: Iterable[
        tuple[str, datetime, str, str | None, str | None, str | None, Mapping[str, Any]]
    ],
) -> WorkStream | None:
    """Fold ``(action, at, actor, body, to_state, reason, payload)`` tuples in order."""
    ws: WorkStream | None = None
    for action, at, actor, body, to_state, reason, payload in events:
        ws = apply(ws, action, at, actor, body, to_state, reason, payload)
    return ws
