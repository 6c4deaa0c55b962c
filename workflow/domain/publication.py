"""Publication: the date, the embargoed copy and its recipients, and the public record.

An embargoed copy goes to a recorded list of recipients a few working days before
publication; publishing records the public URL and the version published, which must be
the one every body approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class RecipientKind(StrEnum):
    INSPECTED_BODY = "inspected_body"
    MINISTER = "minister"
    PRESS = "press"
    SUPPORTING_BODY = "supporting_body"


@dataclass(frozen=True, slots=True)
class EmbargoRecipient:
    name: str
    email: str
    kind: RecipientKind


@dataclass
class Publication:
    scheduled_for: datetime | None = None
    embargo_on: date | None = None  # when the embargoed copy goes out
    recipients: list[EmbargoRecipient] = field(default_factory=list)
    embargo_sent_at: datetime | None = None
    embargo_version: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    version: str | None = None
    urgent_notification_on: date | None = None


def encode_publication(p: Publication) -> dict[str, Any]:
    return {
        "scheduled_for": p.scheduled_for.isoformat() if p.scheduled_for else None,
        "embargo_on": p.embargo_on.isoformat() if p.embargo_on else None,
        "recipients": [
            {"name": r.name, "email": r.email, "kind": r.kind.value} for r in p.recipients
        ],
        "embargo_sent_at": p.embargo_sent_at.isoformat() if p.embargo_sent_at else None,
        "embargo_version": p.embargo_version,
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "url": p.url,
        "version": p.version,
        "urgent_notification_on": p.urgent_notification_on.isoformat()
        if p.urgent_notification_on
        else None,
    }


def decode_publication(d: dict[str, Any] | None) -> Publication:
    if not d:
        return Publication()

    def moment(key: str) -> datetime | None:
        return datetime.fromisoformat(d[key]) if d.get(key) else None

    def day(key: str) -> date | None:
        return date.fromisoformat(d[key]) if d.get(key) else None

    return Publication(
        scheduled_for=moment("scheduled_for"),
        embargo_on=day("embargo_on"),
        recipients=[
            EmbargoRecipient(r["name"], r["email"], RecipientKind(r["kind"]))
            for r in d.get("recipients", [])
        ],
        embargo_sent_at=moment("embargo_sent_at"),
        embargo_version=d.get("embargo_version"),
        published_at=moment("published_at"),
        url=d.get("url"),
        version=d.get("version"),
        urgent_notification_on=day("urgent_notification_on"),
    )
