"""Who sees what of a work stream: the report before publication, the embargo's
recipients, notification addresses and other people's refusals.

The table (docs/api.md, "Who sees what") in words: every signed-in person sees a work
stream's record (title, state, dates, participants, terms of reference). Until the report
is published, its text is for the *insiders* alone: administrators and the staff of the
bodies that take part; anyone else is answered 404, as if there were no such version (a
403 would confirm it exists). The recipients of the embargoed copy and the addresses
notifications went to are for insiders always (they are people's addresses); a named
recipient reaches the embargoed copy only through their own signed link. A refusal on the
trail is shown to administrators and to the person refused, nobody else.
"""

from __future__ import annotations

from typing import Any

from workflow.application.principal import Principal
from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.domain.errors import NotFound
from workflow.domain.events import Action
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.workstream import WorkStream

#: Payload keys that hold a person's address.
ADDRESSES = ("to", "email")
REFUSALS = (Action.ACCESS_REFUSED.value, Action.RULE_REFUSED.value)


def insider(who: Principal, ws: WorkStream) -> bool:
    """An administrator, or staff of a body that takes part (leads or supports)."""
    return who.is_admin or (who.body is not None and who.body in ws.participants)


def embargoed(ws: WorkStream) -> bool:
    """Whether the report's text is still restricted: it exists and is not yet published."""
    return ws.report.current is not None and ws.publication.published_at is None


def may_read(who: Principal, ws: WorkStream, kind: str) -> bool:
    return kind != DocumentKind.REPORT.value or not embargoed(ws) or insider(who, ws)


def _stream(rt: Runtime, key: str) -> WorkStream:
    with rt.read() as session:
        return load_readonly(session, key)[1]


def check_document(rt: Runtime, who: Principal, key: str, kind: str, version: str) -> None:
    """NotFound for a report version ``who`` may not read yet (as for one that is not)."""
    ws = _stream(rt, key)
    if not may_read(who, ws, kind):
        raise NotFound(f"no {kind.replace('_', ' ')} version {version[:12]} in {ws.ref}")


def stream_for(rt: Runtime, who: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A work stream's record (show_stream or stream_record) as ``who`` may see it."""
    return record_for(who, _stream(rt, data["ref"]), data)


def record_for(who: Principal, ws: WorkStream, data: dict[str, Any]) -> dict[str, Any]:
    """:func:`stream_for` of the record ``data`` of ``ws``, already read (not read again)."""
    out = dict(data)
    if "events" in out:
        out["events"] = events_for(who, ws, out["events"])
    if insider(who, ws):
        return out
    if out.get("publication"):
        out["publication"] = {**out["publication"], "recipients": []}
    if embargoed(ws):
        out["report"] = None
        if "documents" in out:
            out["documents"] = [
                {**d, "current": None, "versions": []}
                if d["kind"] == DocumentKind.REPORT.value
                else d
                for d in out["documents"]
            ]
    return out


def events_for(
    who: Principal, ws: WorkStream, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A work stream's events as ``who`` may see them: others' refusals only for
    administrators; addresses only for insiders."""
    if who.is_admin:
        return events
    inside = insider(who, ws)
    shown = []
    for event in events:
        if event["action"] in REFUSALS and event["actor"] != who.username:
            continue
        if not inside and any(k in event["payload"] for k in ADDRESSES):
            payload = {k: v for k, v in event["payload"].items() if k not in ADDRESSES}
            event = {**event, "payload": payload}
        shown.append(event)
    return shown


def stream_events(
    rt: Runtime, who: Principal, key: str, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return events_for(who, _stream(rt, key), events)


__all__ = [
    "check_document",
    "embargoed",
    "events_for",
    "insider",
    "may_read",
    "record_for",
    "stream_events",
    "stream_for",
]
