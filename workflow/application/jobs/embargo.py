"""Sending the embargoed copy: to each recorded recipient, on its day, each with a link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from workflow.application.commands import SendEmbargoedCopy
from workflow.application.principal import engine_principal
from workflow.application.queries.report import EMBARGO_LINK_DAYS, embargo_token
from workflow.application.runtime import Runtime
from workflow.domain.stages import Stage
from workflow.domain.working_days import london_date
from workflow.domain.workstream import WorkStream
from workflow.notifications import render
from workflow.store.mapping import stream_from_row
from workflow.store.tables import OutboxRow, UserRow, WorkStreamRow

#: (recipient, template, subject, body) for each message an outbox row asks for.
Messages = list[tuple[UserRow, str, str, str]]


def embargo_messages(
    rt: Runtime, session: Session, row: OutboxRow, ws: WorkStream
) -> tuple[Messages, str | None]:
    version = row.payload["version"]
    if ws.report.current != version:
        return [], f"version {version[:12]} is no longer the report's current version"
    when = ws.publication.scheduled_for
    publication = when.astimezone(UTC).strftime("%d %B %Y %H:%M UTC") if when else "publication"
    out: Messages = []
    for recipient in ws.publication.recipients:
        link = (
            f"{rt.settings.public_url.rstrip('/')}/embargo/"
            f"{embargo_token(rt, ws.ref, recipient.email, version)}"
        )
        subject, body = render(
            "embargoed_copy",
            stream_title=ws.title,
            ref=ws.ref,
            recipient=recipient.name,
            publication=publication,
            link=link,
            link_days=EMBARGO_LINK_DAYS,
            lead=ws.lead or "the lead inspectorate",
            public_url=rt.settings.public_url,
        )
        # Recipients outside the directory: a transient person, never stored.
        person = UserRow(
            username=recipient.email,
            name=recipient.name,
            email=recipient.email,
            body=recipient.kind.value,
            roles=[],
            created_at=datetime.now(UTC),
        )
        out.append((person, "embargoed_copy", subject, body))
    return out, None


def send_due_embargoes(rt: Runtime, *, now: Callable[[], datetime] | None = None) -> list[str]:
    """Send every embargoed copy whose day has come; returns the work streams sent."""
    today = london_date((now or rt.clock)())
    with rt.read() as session:
        rows = session.exec(
            select(WorkStreamRow).where(col(WorkStreamRow.state) == Stage.PUBLICATION.value)
        ).all()
        due = [
            ws
            for ws in (stream_from_row(r, []) for r in rows)
            if ws.publication.embargo_on
            and ws.publication.embargo_on <= today
            and ws.publication.embargo_sent_at is None
            and ws.publication.recipients
        ]
    sent = []
    for ws in due:
        # The engine sends it for the lead (the handler records it against the lead body).
        rt.handle(SendEmbargoedCopy(key=ws.ref), engine_principal())
        sent.append(ws.ref)
    return sent
