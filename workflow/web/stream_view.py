"""The work stream page: its record, and the forms of the report's journey for the people
who may use them.

Whether someone may act at all is asked of ``access`` (the role) and of the services'
own question (the policy table: only the lead body's staff). Which forms are offered
in which state is presentation only: the services refuse a step in the wrong state and
say why, and the page shows that sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from workflow.application import visibility
from workflow.application.commands import FireTrigger
from workflow.application.policy import is_allowed
from workflow.application.principal import Principal
from workflow.application.queries import changes, progress
from workflow.application.queries import people as directory
from workflow.application.queries import report as report_queries
from workflow.application.queries import streams as queries
from workflow.application.subjects import stream_relation
from workflow.bootstrap import Runtime
from workflow.domain import lifecycle
from workflow.domain.guards import MoveContext
from workflow.domain.joint_decisions import REGISTERED_DURING, DocumentKind
from workflow.domain.publication import RecipientKind
from workflow.domain.recommendations import (
    Progress,
    RecommendationType,
    StatutoryClock,
)
from workflow.domain.recommendations import Response as Verdict
from workflow.domain.roles import Role
from workflow.domain.stages import OPEN_STAGES, ScopingDecision, Stage, Trigger
from workflow.domain.workstream import WorkStream
from workflow.web import charts
from workflow.web.forms import uk_time
from workflow.web.rendering import render

#: The states in which each part of the page offers its forms.
OFFERED_IN: dict[str, frozenset[Stage]] = {
    "fieldwork_team": frozenset({Stage.SCOPING, Stage.FIELDWORK, Stage.DRAFTING}),
    "factual_accuracy": frozenset({Stage.DRAFTING}),
    "add_recommendation": frozenset({Stage.DRAFTING}),
    "follow_up": frozenset({Stage.FOLLOW_UP}),
    "publication": frozenset({Stage.PUBLICATION}),
    "urgent_notification": frozenset({*OPEN_STAGES, Stage.PAUSED}),
}
#: Moves whose form asks for more than a press of the button, and what it asks for.
MOVE_FIELDS = {
    Trigger.PAUSE.value: "reason",
    Trigger.WITHDRAW.value: "reason",
    Trigger.CONCLUDE_SCOPING.value: "decision",
    Trigger.PUBLISH.value: "publication",  # its form is in the publication section
}
DOCUMENT_NAMES = {kind: kind.label for kind in DocumentKind}
MOVE_LABELS = {
    Trigger.START_FIELDWORK.value: "Start fieldwork",
    Trigger.START_DRAFTING.value: "Start drafting",
    Trigger.SUBMIT_FOR_SIGNOFF.value: "Submit for joint sign-off",
    Trigger.PUBLISH.value: "Publish",
    Trigger.CLOSE.value: "Close the work stream",
    Trigger.CONCLUDE_SCOPING.value: "Conclude scoping",
    Trigger.PAUSE.value: "Pause",
    Trigger.RESUME.value: "Resume",
    Trigger.WITHDRAW.value: "Withdraw",
}


@dataclass(frozen=True)
class Failed:
    """A form that was refused: which one, why, and what was typed (to show it again)."""

    form: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)

    def value(self, form: str, name: str, default: Any = "") -> Any:
        return self.values.get(name, default) if form == self.form else default


NOTHING_FAILED = Failed("", "")


def awaited_item(record: dict[str, Any], body: str) -> dict[str, Any] | None:
    o = record.get("outstanding")
    if not o or body not in o["awaiting"]:
        return None
    return {
        "ref": record["ref"],
        "title": record["title"],
        "state": record["state"],
        "document": o["document"],
        "version": o["version"],
        "awaiting": o["awaiting"],
    }


def may_act(rt: Runtime, who: Principal, ws: WorkStream) -> bool:
    """Whether ``who`` may take the journey's steps on ``ws`` (its lead body's staff)."""
    relation, _ = stream_relation(ws.ref, ws.lead, ws.participants, who.body, rt.bodies)
    return is_allowed(FireTrigger, who, relation)


def _moves(
    rt: Runtime, ws: WorkStream, record: dict[str, Any], who: Principal
) -> list[dict[str, Any]]:
    """The moves from here, each with what still blocks it once its form is filled in."""
    filled = MoveContext(
        who.username,
        who.body,
        rt.clock(),
        reason="given on the form",
        decision=ScopingDecision.PROCEED,
        url="https://given.on.the/form",
        version=ws.report.current,
    )
    out = []
    for trigger, move in record["moves"].items():
        unmet = list(move["unmet"])
        if trigger in MOVE_FIELDS and unmet:
            unmet = lifecycle.unmet_conditions(ws, Trigger(trigger), filled)
        out.append(
            {
                "trigger": trigger,
                "label": MOVE_LABELS.get(trigger, trigger.replace("_", " ").capitalize()),
                "ready": not unmet,
                "unmet": unmet,
                "field": MOVE_FIELDS.get(trigger),
            }
        )
    return out


def _offers(rt: Runtime, who: Principal, ws: WorkStream) -> dict[str, Any]:
    acting = may_act(rt, who, ws)
    offers: dict[str, Any] = {
        name: acting and ws.state in states for name, states in OFFERED_IN.items()
    }
    offers["act"] = acting
    offers["documents"] = [
        {
            "value": kind.value,
            "text": DOCUMENT_NAMES[kind].capitalize(),
            "the": f"the {DOCUMENT_NAMES[kind]}",
        }
        for kind in DocumentKind
        if acting and ws.state in REGISTERED_DURING[kind]
    ]
    return offers


def _team_candidates(session: Session, ws: WorkStream) -> list[dict[str, Any]]:
    """People who could be on the fieldwork team: the inspectors of the bodies taking part."""
    people = directory.people_of(session, ws.participants, (Role.INSPECTOR, Role.CHIEF_INSPECTOR))
    names = {p.username: f"{p.name} ({p.username}, {p.body})" for p in people}
    for member in ws.fieldwork_team:
        names.setdefault(member, member)
    return [{"value": u, "text": text} for u, text in names.items()]


def _options(values: Any) -> list[dict[str, str]]:
    return [{"value": v.value, "text": v.value.replace("_", " ").capitalize()} for v in values]


CHOICES = {
    "recommendation_types": _options(RecommendationType),
    "clocks": [
        {"value": StatutoryClock.NONE.value, "text": "None"},
        {
            "value": StatutoryClock.PCC_RESPONSE.value,
            "text": "Police and crime commissioner's response (56 days from publication)",
        },
        {
            "value": StatutoryClock.URGENT_NOTIFICATION.value,
            "text": "Secretary of State's response to an urgent notification (28 days)",
        },
    ],
    "responses": _options(Verdict),
    "judgements": _options(Progress),
    "recipient_kinds": _options(RecipientKind),
}


def stream_page(
    request: Request,
    rt: Runtime,
    who: Principal,
    key: str,
    *,
    notice: str | None = None,
    done: str = "",
    errors: list[dict[str, str]] | None = None,
    failed: Failed = NOTHING_FAILED,
    status_code: int = 200,
) -> HTMLResponse:
    # The row is read once, and everything the page shows is read in that one session.
    with rt.read() as session:
        row, ws = queries.load_readonly(session, key)
        # What this person may see of it (docs/api.md, "Who sees what").
        record = visibility.record_for(who, ws, progress.record_of(rt, session, row, ws))
        decide = awaited_item(record, who.body or "") if who.is_decider else None
        if decide:
            decide["changes"] = changes.for_decider_in(
                rt, session, ws, decide["document"], who.body or "", decide["version"]
            )
        offers = _offers(rt, who, ws)
        team = _team_candidates(session, ws) if offers["fieldwork_team"] else []
        embargo = (
            report_queries.embargo_deliveries_in(session, record["ref"])
            if visibility.insider(who, ws)
            else None
        )
    visited = {e["to"] for e in record["events"] if e["to"]}
    return render(
        request,
        "stream.html",
        {
            "title": record["title"],
            "s": record,
            "lifecycle": charts.lifecycle_svg(record["state"], visited),
            "decide": decide,
            "notice": notice or notice_for(done, record),
            "errors": errors,
            "failed": failed,
            "offer": offers,
            "moves": _moves(rt, ws, record, who),
            "team_candidates": team,
            "approved": record["report"] if ws.state is Stage.PUBLICATION else None,
            "embargo": embargo,
            "uk_time": uk_time,
            **CHOICES,
        },
        status_code=status_code,
    )


def notice_for(done: str, s: dict[str, Any]) -> str | None:
    """The success message after a step (the page shows the step's result itself)."""
    fa, pub = s.get("factual_accuracy") or {}, s.get("publication") or {}
    scheduled = uk_time(pub["scheduled_for"]) if pub.get("scheduled_for") else "—"
    messages = {
        "moved": f"{s['ref']} is now in {charts.label(s['state'])}.",
        "terms_of_reference_registered": (
            f"Version {str(s['terms_of_reference'])[:12]} of the terms of reference is registered."
        ),
        "report_registered": f"Version {str(s['report'])[:12]} of the report is registered.",
        "document_unchanged": "That text is the current version already: nothing changed.",
        "team": "The fieldwork team is recorded.",
        "fa_started": (
            f"The factual accuracy check has started: comments are due by {fa.get('due_on')}."
        ),
        "fa_comment": "The comment is recorded.",
        "fa_disposed": "The comment's disposition is recorded.",
        "fa_signed_off": "The factual accuracy check is signed off.",
        "rec_added": "The recommendation is recorded.",
        "rec_responded": "The response is recorded.",
        "rec_reviewed": "The progress review is recorded.",
        "rec_closed": "The recommendation is closed.",
        "rec_carried": "The recommendation is carried into the other work stream.",
        "scheduled": (
            f"Publication is set for {scheduled} (UK time); "
            f"the embargoed copy is due to go on {pub.get('embargo_on')}."
        ),
        "recipient": "The recipient is added to the embargo list.",
        "embargo_sent": (
            f"The embargoed copy is going to {len(pub.get('recipients') or [])} recipient(s); "
            "it shows as sent once each delivery is recorded."
        ),
        "published": f"Published at {pub.get('url')}. {s['ref']} is now in follow-up.",
        "urgent": "The urgent notification is recorded.",
    }
    return messages.get(done)
