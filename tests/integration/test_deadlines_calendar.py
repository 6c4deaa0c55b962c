"""The iCalendar feeds round-trip through the icalendar library, one event per open deadline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from tests.conftest import Clock
from tests.integration.deadline_walk import create_review, review_to_signoff
from tests.integration.walk import LEAD
from tests.support.acting import send
from workflow.application.commands import ExtendDeadline, MarkDeadlineMet
from workflow.application.principal import Actor
from workflow.application.queries import calendar_feed, deadlines
from workflow.bootstrap import Runtime
from workflow.domain.errors import NotFound, UnknownBody


def parsed(ics: bytes) -> Calendar:
    calendar = Calendar.from_ical(ics)
    assert isinstance(calendar, Calendar)
    return calendar


def test_a_bodys_feed_holds_every_open_deadline_of_its_work_streams(
    rt: Runtime, clock: Clock
) -> None:
    create_review(rt, "mappa")
    review_to_signoff(rt, "mappa")
    hmic = Actor("lead.hmicfrs", "HMICFRS")
    create_review(rt, "custody", actor=hmic, lead="HMIC", supporting=["HMCPSI"])
    feed = calendar_feed.body_feed(rt, "HMI Prisons")  # an alias: HMIPRISONS takes part in mappa
    calendar = parsed(feed.ics)
    expected = deadlines.list_deadlines(rt, stream="mappa")
    assert feed.events == len(expected) == len(calendar.events) > 0
    assert str(calendar["X-WR-CALNAME"]) == "HMIPRISONS: joint inspection deadlines"
    by_uid = {str(e["UID"]): e for e in calendar.events}
    for d in expected:
        event = by_uid[f"deadline-{d['id']}@cjji-workflow"]
        assert event.start == date.fromisoformat(d["due"])
        assert event.end == event.start + timedelta(days=1)
        assert str(event["SUMMARY"]).startswith(f"mappa: {d['what']}")
        assert "Review mappa (mappa)" in str(event["DESCRIPTION"])
        assert str(event["URL"]).endswith("/streams/mappa")
    assert not any("custody" in str(e["SUMMARY"]) for e in calendar.events)
    assert calendar_feed.body_feed(rt, "HMCPSI").events == len(
        deadlines.list_deadlines(rt, stream="custody")
    )


def test_an_extended_deadline_keeps_its_event_and_a_met_one_leaves_the_feed(
    rt: Runtime, clock: Clock
) -> None:
    create_review(rt)
    review_to_signoff(rt)
    first, second = deadlines.list_deadlines(rt, stream="mappa")[:2]
    send(
        rt,
        LEAD,
        ExtendDeadline(
            deadline_id=first["id"], to=date(2022, 3, 1), reason="agreed with HMI Prisons"
        ),
    )
    send(rt, LEAD, MarkDeadlineMet(deadline_id=second["id"]))
    events = {str(e["UID"]): e for e in parsed(calendar_feed.stream_feed(rt, "mappa").ics).events}
    moved = events[f"deadline-{first['id']}@cjji-workflow"]
    assert moved.start == date(2022, 3, 1)
    assert "extended: agreed with HMI Prisons" in str(moved["DESCRIPTION"])
    assert f"deadline-{second['id']}@cjji-workflow" not in events


def test_a_feed_with_nothing_open_is_still_a_valid_calendar(rt: Runtime) -> None:
    calendar = parsed(calendar_feed.body_feed(rt, "Estyn").ics)
    assert calendar.events == []
    assert str(calendar["VERSION"]) == "2.0"


def test_unknown_bodies_and_work_streams_are_refused(rt: Runtime) -> None:
    with pytest.raises(UnknownBody):
        calendar_feed.body_feed(rt, "Atlantis")
    with pytest.raises(NotFound):
        calendar_feed.stream_feed(rt, "no-such-stream")
