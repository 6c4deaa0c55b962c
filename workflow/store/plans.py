"""Business plans: load one (its row locked) as the domain's aggregate, and save it back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from workflow.domain.business_plan import (
    BusinessPlan,
    ConsultationResponse,
    PlanApprovals,
    PlanState,
    encode_decision,
    encode_response,
)
from workflow.domain.errors import NotFound
from workflow.domain.plan_versions import PlanVersion
from workflow.store.audit import as_utc
from workflow.store.mapping import decode_decision
from workflow.store.tables import BusinessPlanRow, PlanVersionRow


def _response(d: dict[str, Any]) -> ConsultationResponse:
    return ConsultationResponse(
        d["respondent"],
        d["organisation"],
        tuple(d["topics"]),
        datetime.fromisoformat(d["at"]),
        d["recorded_by"],
    )


def plan_from_rows(row: BusinessPlanRow, versions: list[PlanVersionRow]) -> BusinessPlan:
    record = row.record or {}
    return BusinessPlan(
        code=row.code,
        title=row.title,
        starts=row.starts,
        ends=row.ends,
        state=PlanState(row.state),
        consultation_opens=row.consultation_opens,
        consultation_closes=row.consultation_closes,
        responses=[_response(r) for r in record.get("responses", [])],
        approvals=PlanApprovals(
            versions=list(record.get("approval_versions", [])),
            decisions=[decode_decision(d) for d in record.get("approvals", [])],
        ),
        versions=[
            PlanVersion(v.number, as_utc(v.made_at), v.made_by, v.change, v.entries)
            for v in sorted(versions, key=lambda v: v.number)
        ],
        superseded_by=row.superseded_by,
    )


class PlanRepository:
    def __init__(self, session: Session, *, lock_rows: bool) -> None:
        self.session, self._lock_rows = session, lock_rows
        self._rows: dict[str, BusinessPlanRow] = {}
        self._stored_versions: dict[str, int] = {}
        self.seen: dict[str, BusinessPlan] = {}

    def get(self, code: str) -> BusinessPlan:
        """The plan with this code, its row locked until commit (the same object again if
        already loaded in this transaction)."""
        if code in self.seen:
            return self.seen[code]
        query = select(BusinessPlanRow).where(col(BusinessPlanRow.code) == code)
        if self._lock_rows:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no business plan {code!r}: `cjji plans list` shows their codes")
        plan = plan_from_rows(row, versions_of(self.session, code))
        self._rows[code], self.seen[code] = row, plan
        self._stored_versions[code] = len(plan.versions)
        return plan

    def save(self, plan: BusinessPlan) -> None:
        row = self._rows[plan.code]
        row.state = plan.state.value
        row.consultation_opens, row.consultation_closes = (
            plan.consultation_opens,
            plan.consultation_closes,
        )
        row.record = {
            "responses": [encode_response(r) for r in plan.responses],
            "approval_versions": list(plan.approvals.versions),
            "approvals": [encode_decision(d) for d in plan.approvals.decisions],
        }
        row.superseded_by = plan.superseded_by
        self.session.add(row)
        for version in plan.versions[self._stored_versions[plan.code] :]:
            self.session.add(
                PlanVersionRow(
                    plan_code=plan.code,
                    number=version.number,
                    made_at=as_utc(version.made_at),
                    made_by=version.made_by,
                    change=dict(version.change) if version.change else None,
                    entries={ref: dict(e) for ref, e in version.entries.items()},
                )
            )
        self._stored_versions[plan.code] = len(plan.versions)


def versions_of(session: Session, code: str) -> list[PlanVersionRow]:
    return list(
        session.execute(
            select(PlanVersionRow).where(col(PlanVersionRow.plan_code) == code)
        ).scalars()
    )


def load_plan_readonly(session: Session, code: str) -> BusinessPlan:
    row = session.get(BusinessPlanRow, code)
    if row is None:
        raise NotFound(f"no business plan {code!r}: `cjji plans list` shows their codes")
    return plan_from_rows(row, versions_of(session, code))


__all__ = ["PlanRepository", "load_plan_readonly", "plan_from_rows", "versions_of"]
