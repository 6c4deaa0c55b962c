"""The recommendations register across the programme: how long each recommendation has
been open, open ones aged by owner body, filters, and the same rows as CSV.

It reads ``register``, which also backs `cjji recommendations list` and
`GET /api/recommendations`, so the three agree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from workflow.application.inputs import choice
from workflow.application.queries import register
from workflow.domain.errors import WorkflowError
from workflow.domain.recommendations import RecommendationStatus
from workflow.domain.working_days import london_date
from workflow.http.deps import Rt
from workflow.http.errors import classify
from workflow.web.auth import Viewer
from workflow.web.rendering import render

router = APIRouter(include_in_schema=False)


def _rows(rt: Rt, stream: str, owner: str, status: str) -> list[dict[str, Any]]:
    if status:
        status = choice(RecommendationStatus, status, "status").value
    return register.register(
        rt,
        london_date(rt.clock()),
        ref=stream.strip() or None,
        owner=owner.strip() or None,
        status=status or None,
    )


@router.get("/recommendations")
def recommendations(
    request: Request, rt: Rt, who: Viewer, stream: str = "", owner: str = "", status: str = ""
) -> HTMLResponse:
    filters = {"stream": stream[:120], "owner": owner[:120], "status": status[:20]}
    query = urlencode({k: v for k, v in filters.items() if v})
    errors, status_code = None, 200
    try:
        rows = _rows(rt, **filters)
    except WorkflowError as error:  # a mistyped filter: say so on the page
        rows, errors = [], [{"text": str(error), "href": "#stream"}]
        status_code = classify(error)[0]
    return render(
        request,
        "recommendations.html",
        {
            "title": "Recommendations register",
            "containerClasses": "cjji-wide",
            "rows": rows,
            "ageing": register.ageing_by_owner(rows),
            "today": london_date(rt.clock()).isoformat(),
            "filters": filters,
            "filtered": bool(query),
            "query": f"?{query}" if query else "",
            "errors": errors,
            "status_options": [
                {"value": s.value, "text": s.value.capitalize()} for s in RecommendationStatus
            ],
        },
        status_code=status_code,
    )


@router.get("/recommendations.csv")
def recommendations_csv(
    rt: Rt, who: Viewer, stream: str = "", owner: str = "", status: str = ""
) -> Response:
    """The rows the register page shows, with the columns of `cjji recommendations list
    --csv`."""
    rows = _rows(rt, stream[:120], owner[:120], status[:20])
    return Response(
        register.as_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="recommendations.csv"'},
    )
