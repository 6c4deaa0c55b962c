"""/api/bodies, /api/plans and /healthz: reference data and liveness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from workflow.api.schemas import BodyInfo, Plan
from workflow.application.queries import progress
from workflow.http.deps import Rt, Who

router = APIRouter(tags=["reference"])


@router.get("/api/bodies", response_model=list[BodyInfo], summary="The bodies")
def bodies(rt: Rt, who: Who) -> list[dict[str, Any]]:
    """The nine bodies, their codes and the aliases the engine accepts."""
    return [
        {
            "code": b.code,
            "name": b.name,
            "kind": b.kind.value,
            "aliases": list(b.aliases),
            "nations": list(b.nations),
        }
        for b in rt.bodies
    ]


@router.get("/api/plans", response_model=list[Plan], summary="Business plans")
def plans(rt: Rt, who: Who) -> list[dict[str, Any]]:
    return progress.plans(rt)


@router.get("/healthz", include_in_schema=False)
def healthz(rt: Rt) -> dict[str, str]:
    with rt.read() as session:
        session.connection()
    return {"status": "ok"}
