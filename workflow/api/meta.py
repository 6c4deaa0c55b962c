"""/api/bodies, /healthz, /readyz and /metrics: reference data, liveness,
readiness and the engine's numbers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from workflow.api.schemas import BodyInfo
from workflow.application import authentication as access
from workflow.application.queries import health, metrics
from workflow.domain.errors import NotFound
from workflow.http.deps import Rt, Who, bearer

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


@router.get("/healthz", include_in_schema=False)
def healthz(rt: Rt) -> dict[str, str]:
    """Liveness: the web process answers and reaches its database."""
    with rt.read() as session:
        session.connection()
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(rt: Rt) -> JSONResponse:
    """Readiness: the database, the broker, a recent beat tick and a live worker; 503
    naming each check that failed (docs/operations.md)."""
    checks = health.readiness(rt)
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "not ready" if failing else "ready",
        "failing": failing,
        "checks": {check.name: check.as_json() for check in checks},
    }
    return JSONResponse(body, status_code=503 if failing else 200)


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(
    request: Request,
    rt: Rt,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Response:
    """The engine's numbers, for the scrape token or an administrator's API token; to
    anyone else there is nothing here (404 problem+json)."""
    if not access.may_scrape(rt, credentials.credentials if credentials else None):
        raise NotFound("nothing at /metrics: see /docs for the API's paths")
    registry = getattr(request.app.state, "metrics", None)
    if registry is None:
        registry = request.app.state.metrics = metrics.registry_for(rt)
    return Response(metrics.exposition(registry), media_type=metrics.CONTENT_TYPE)
