"""Templates: our pages over the GOV.UK Frontend Jinja macros and page template."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

from workflow.web import charts


@cache
def environment() -> Environment:
    """The pages' Jinja environment, one per process: it holds the compiled templates (the
    GOV.UK Frontend macros take a good part of a second to compile), so every app made
    in the process (the tests make hundreds) shares them. Its filters keep no state."""
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("workflow.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["state_label"] = charts.label
    env.filters["short"] = lambda value: (value or "")[:12]
    env.filters["when"] = _when
    env.filters["tag_class"] = lambda state: TAG_CLASSES.get(str(state), "govuk-tag--grey")
    env.filters["describe"] = describe
    env.globals["state_colour"] = charts.colour
    return env


TAG_CLASSES = {
    "scoping": "govuk-tag--light-blue",
    "fieldwork": "govuk-tag--blue",
    "drafting": "govuk-tag--purple",
    "joint_signoff": "govuk-tag--orange",
    "publication": "govuk-tag--green",
    "follow_up": "govuk-tag--turquoise",
    "closed": "govuk-tag--grey",
    "paused": "govuk-tag--yellow",
    "withdrawn": "govuk-tag--red",
}


def describe(event: dict[str, Any]) -> str:
    """One sentence for an audit event, for people (the payload stays in the API)."""
    p, action = event.get("payload") or {}, event.get("action")
    kind = str(p.get("kind", "")).replace("_", " ")
    version = str(p.get("version") or "")[:12]
    reason = f": {event['reason']}" if event.get("reason") else ""
    if action == "created":
        return f"Created in {charts.label(event.get('to') or 'scoping')}"
    if action == "transitioned":
        return (
            f"Moved from {charts.label(event.get('from') or '')} to "
            f"{charts.label(event.get('to') or '')}{reason}"
        )
    if action == "document_registered":
        return f"Registered {kind} version {version}"
    if action == "decision_recorded":
        verdict = str(p.get("decision", "")).replace("_", " ").capitalize()
        return f"{verdict} {kind} version {version}{reason}"
    if action == "signoff_requested":
        return f"Asked {event.get('body')} to decide on {kind} version {version}"
    if action == "notification_delivered":
        return f"Sent '{p.get('subject', '')}' to {p.get('username') or p.get('to', '')}"
    if action == "access_refused":
        return f"Refused ({p.get('what', '')}){reason}"
    if action == "rule_refused":
        return f"Refused by the rules ({p.get('what', '')}){reason}"
    if action == "deadline_changed":
        rule = str(p.get("rule", "")).replace("_", " ")
        owing = f" ({p['owing_body']})" if p.get("owing_body") else ""
        return f"Deadline {p.get('change', 'changed')}: {rule}{owing}, due {p.get('due', '')}"
    if action == "factual_accuracy_changed":
        change = str(p.get("change", "changed")).replace("_", " ")
        number = f" (comment {p['number']})" if p.get("number") else ""
        verdict = f": {str(p['disposition']).replace('_', ' ')}" if p.get("disposition") else ""
        return f"Factual accuracy check: {change}{number}{verdict}"
    if action in ("recommendation_added", "recommendation_changed"):
        rec = p.get("recommendation") or {}
        change = str(p.get("change") or "added").replace("_", " ")
        return f"Recommendation {rec.get('number', '')} {change}: {rec.get('text', '')}"
    if action == "publication_changed":
        change = str(p.get("change", "changed")).replace("_", " ")
        return f"Publication: {change}" + (f" ({p['email']})" if p.get("email") else "")
    if action == "edited":
        return "Changed " + ", ".join(sorted((p.get("changes") or {}).keys()))
    if action == "user_changed":
        change = p.get("change") or "added with roles " + ", ".join(p.get("roles") or [])
        return f"User {p.get('username', '')}: {change}"
    return f"{str(action).replace('_', ' ')}{reason}"


def _when(value: str | datetime | None) -> str:
    """'10 Jan 2022, 09:00' (UTC) for an ISO time or a datetime."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment:%d %b %Y, %H:%M}"


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    engine: Jinja2Templates = request.app.state.templates
    base = {
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "cspNonce": getattr(request.state, "csp_nonce", ""),
        "path": request.url.path,
    }
    return engine.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
