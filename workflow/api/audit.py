"""/api/audit: the tamper-evident trail and its verification (administrators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from workflow.api.schemas import NO_NUL, AuditEvent, Verification
from workflow.application import authentication as access
from workflow.application.queries import progress
from workflow.application.queries import streams as queries
from workflow.domain.audit_chain import Verification as ChainVerification
from workflow.domain.events import Action
from workflow.http.deps import Rt, Who

router = APIRouter(prefix="/api/audit", tags=["audit"])
Filter = Annotated[str | None, Query(pattern=NO_NUL, max_length=120)]


@router.get("", response_model=list[AuditEvent], summary="The audit log (administrators)")
def audit_log(
    rt: Rt,
    who: Who,
    stream: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9-]{1,120}$", description="Ref or id.")
    ] = None,
    action: Annotated[Action | None, Query()] = None,
    actor: Filter = None,
    body: Filter = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> list[dict[str, Any]]:
    """The latest events matching every filter, newest first."""
    access.require_admin(who, "reading the whole audit log")
    return progress.audit_events(
        rt,
        stream=stream,
        action=action.value if action else None,
        actor=actor,
        body=body,
        limit=limit,
    )


@router.get("/verify", response_model=Verification, summary="Verify the hash chain")
def verify(rt: Rt, who: Who) -> ChainVerification:
    """Walk the chain; ``ok`` is false naming the first event edited, deleted or moved."""
    access.require_admin(who, "verifying the audit trail")
    return queries.verify_audit(rt)
