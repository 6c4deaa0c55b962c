"""The recommendations register: per work stream and across the programme, with ageing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import col, select

from workflow.adapters import spreadsheet
from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.domain.recommendations import decode_recommendation
from workflow.store.tables import RecommendationRow, WorkStreamRow

COLUMNS = [
    "ref",
    "number",
    "type",
    "addressed_to",
    "status",
    "response",
    "owner",
    "due",
    "statutory_due",
    "days_open",
    "latest_review",
    "carried_to",
    "carried_from",
    "text",
]


def register(
    rt: Runtime,
    today: date,
    *,
    ref: str | None = None,
    owner: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Every recommendation (of one work stream, or all), oldest first, with its age."""
    with rt.read() as session:
        query = (
            select(RecommendationRow, WorkStreamRow)
            .join(WorkStreamRow, col(WorkStreamRow.id) == col(RecommendationRow.stream_id))
            .order_by(
                col(RecommendationRow.created_on),
                col(WorkStreamRow.ref),
                col(RecommendationRow.number),
            )
        )
        if ref is not None:
            ref = load_readonly(session, ref)[1].ref
            query = query.where(col(WorkStreamRow.ref) == ref)
        if status:
            query = query.where(col(RecommendationRow.status) == status)
        rows = session.exec(query).all()
    out = []
    for rec_row, ws_row in rows:
        rec = decode_recommendation(rec_row.details)
        if owner and owner.casefold() not in f"{rec.owner} {rec.addressed_to}".casefold():
            continue
        published = (ws_row.publication or {}).get("published_at")
        urgent = (ws_row.publication or {}).get("urgent_notification_on")
        published_on = date.fromisoformat(published[:10]) if published else None
        urgent_on = date.fromisoformat(urgent) if urgent else None
        start = published_on or rec.created_on
        end = rec.closed_on or today
        due = rec.statutory_due(published_on, urgent_on)
        out.append(
            {
                "ref": ws_row.ref,
                "number": rec.number,
                "type": rec.type.value,
                "addressed_to": rec.addressed_to,
                "status": rec.status.value,
                "response": rec.response.value if rec.response else None,
                "owner": rec.owner,
                "due": rec.due.isoformat() if rec.due else None,
                "statutory_due": due.isoformat() if due else None,
                "days_open": (end - start).days if start else None,
                "latest_review": rec.reviews[-1].judgement.value if rec.reviews else None,
                "carried_to": rec.carried_to,
                "carried_from": rec.carried_from,
                "text": rec.text,
            }
        )
    return out


def ageing_by_owner(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open recommendations per owner body: how many, and how long the oldest has waited."""
    groups: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r["status"] == "open":
            groups[r["owner"] or r["addressed_to"]].append(r["days_open"] or 0)
    return [
        {
            "owner": owner,
            "open": len(ages),
            "oldest_days": max(ages),
            "average_days": round(sum(ages) / len(ages), 1),
        }
        for owner, ages in sorted(groups.items(), key=lambda kv: -max(kv[1]))
    ]


def as_csv(rows: list[dict[str, Any]]) -> str:
    return spreadsheet.as_csv(COLUMNS, rows)
