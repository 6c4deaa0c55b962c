"""The business plans, read-only: /plans lists them with their state; /plans/{code} shows
one whole (state, consultation responses, the chief inspectors' approvals, versions and
the changes that made each). They read the queries `cjji plans` and /api/plans read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from workflow.application.queries import plans as queries
from workflow.http.deps import Rt
from workflow.web.auth import Viewer
from workflow.web.rendering import render

router = APIRouter(include_in_schema=False)

STATES = {
    "draft": "Draft",
    "consultation": "Out for consultation",
    "finalisation": "Being finalised",
    "published": "Published",
    "under_review": "Under yearly review",
    "superseded": "Superseded",
}


@router.get("/plans")
def plans(request: Request, rt: Rt, who: Viewer) -> HTMLResponse:
    return render(
        request,
        "plans.html",
        {"title": "Business plans", "plans": queries.list_plans(rt), "states": STATES},
    )


@router.get("/plans/{code}")
def plan(
    request: Request,
    rt: Rt,
    who: Viewer,
    code: Annotated[str, Path(pattern=r"^[a-z0-9-]{1,64}$")],
) -> HTMLResponse:
    data = queries.show_plan(rt, code)
    return render(
        request,
        "plan.html",
        {"title": data["title"], "plan": data, "states": STATES},
    )
