"""/health: the administrators' view of the engine's health (docs/operations.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from workflow.application import authentication as access
from workflow.application.queries import health
from workflow.http.deps import Rt
from workflow.web.auth import Viewer
from workflow.web.rendering import render

router = APIRouter(include_in_schema=False)

LABELS = {
    "outbox": "Messages waiting (outbox lag)",
    "relay": "Last relay of the outbox",
    "sweep": "Last reminder sweep",
    "worker": "Worker's last heartbeat",
    "beat": "Beat's last tick",
}


@router.get("/health")
def health_page(request: Request, rt: Rt, who: Viewer) -> HTMLResponse:
    access.require_admin(who, "the engine's health")
    checks = health.operations(rt)
    return render(
        request,
        "health.html",
        {
            "title": "Engine health",
            "checks": [{"label": LABELS[c.name], **c.as_json()} for c in checks],
            "all_ok": all(c.ok for c in checks),
            "late_after": rt.settings.heartbeat_late_seconds,
        },
    )
