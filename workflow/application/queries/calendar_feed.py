"""iCalendar feeds of open deadlines, one per body and one per work stream, to subscribe to.

Each open deadline is an all-day event on its due date. Its UID is the deadline's id, so
when a deadline is extended or moved by a pause, a subscribed calendar moves the same event
rather than adding another; a closed deadline simply leaves the feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from icalendar import Calendar, Event
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.domain.deadlines import long_date
from workflow.store.deadline_tables import DeadlineRow
from workflow.store.tables import StreamBodyRow, WorkStreamRow

PRODID = "-//cjji-workflow//deadlines//EN"
UID_DOMAIN = "cjji-workflow"
OWED_BY = {
    "lead": "the lead inspectorate",
    "supporting": "a supporting body",
    "participant": "each participating body",
    "inspected_body": "the inspected body (chased by the lead)",
}


@dataclass(frozen=True)
class Feed:
    """A feed ready to serve: its name, the iCalendar text, and how many deadlines it holds."""

    name: str
    ics: bytes
    events: int


def body_feed(rt: Runtime, body: str) -> Feed:
    """Every open deadline of every work stream ``body`` takes part in (as lead or supporting)."""
    code = rt.bodies.code_of(body)
    with rt.read() as session:
        streams = select(StreamBodyRow.stream_id).where(col(StreamBodyRow.body) == code)
        rows = _open_deadlines(session, col(DeadlineRow.stream_id).in_(streams))
        titles = _titles(session, rows)
    name = f"{code}: joint inspection deadlines"
    return Feed(name, _calendar(rt, name, rows, titles), len(rows))


def stream_feed(rt: Runtime, key: str) -> Feed:
    """Every open deadline of one work stream (by id or ref)."""
    with rt.read() as session:
        row, ws = load_readonly(session, key)
        rows = _open_deadlines(session, col(DeadlineRow.stream_id) == row.id)
    name = f"{ws.title} ({ws.ref}): deadlines"
    return Feed(name, _calendar(rt, name, rows, {ws.ref: ws.title}), len(rows))


def _open_deadlines(session: Session, where: ColumnElement[bool]) -> list[DeadlineRow]:
    query = (
        select(DeadlineRow)
        .where(col(DeadlineRow.closed_at).is_(None), where)
        .order_by(col(DeadlineRow.due_on), col(DeadlineRow.id))
    )
    return list(session.exec(query).all())


def _titles(session: Session, rows: Iterable[DeadlineRow]) -> dict[str, str]:
    refs = sorted({r.stream_ref for r in rows})
    if not refs:
        return {}
    found = session.exec(
        select(WorkStreamRow.ref, WorkStreamRow.title).where(col(WorkStreamRow.ref).in_(refs))
    ).all()
    return dict(found)


def _calendar(rt: Runtime, name: str, rows: Sequence[DeadlineRow], titles: dict[str, str]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    stamp = rt.clock()
    for row in rows:
        calendar.add_component(_event(rt, row, titles.get(row.stream_ref, row.stream_ref), stamp))
    ics: bytes = calendar.to_ical()
    return ics


def _event(rt: Runtime, row: DeadlineRow, title: str, stamp: datetime) -> Event:
    url = f"{rt.settings.public_url.rstrip('/')}/streams/{quote(row.stream_ref, safe='')}"
    owed = OWED_BY.get(row.owed_by, row.owed_by)
    who = f"{row.body} ({owed})" if row.body and row.owed_by != "inspected_body" else owed
    lines = [
        f"{title} ({row.stream_ref})",
        f"Owed by: {who}",
        f"Due: {long_date(row.due_on)}"
        + (f" (extended: {row.extended_reason})" if row.extended_reason else ""),
        "Paused: the work stream is paused, so this date will move." if row.paused_on else "",
        row.description,
        url,
    ]
    event = Event()
    event.add("uid", f"deadline-{row.id}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", row.due_on)
    event.add("dtend", row.due_on + timedelta(days=1))
    event.add("summary", f"{row.stream_ref}: {row.what} ({row.body or owed})")
    event.add("description", "\n".join(line for line in lines if line))
    event.add("url", url)
    event.add("categories", [row.rule])
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event
