"""The embargoed copy as its recipients meet it: one message each at a real SMTP server,
sent by the job the worker runs, each carrying a personal link that opens the report on
the web pages, to read and to download as the very file (every opening audited); the
lead's page says "sent" only once delivery is recorded."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from tests.api.helpers import app_for
from tests.conftest import Clock
from tests.integration.walk import LEAD, approve_all, create, to_signoff
from tests.support.acting import send
from tests.support.smtp import MailCatcher
from tests.web.test_journey_pages import Person
from workflow.application.commands import (
    AddEmbargoRecipient,
    SchedulePublication,
    SendEmbargoedCopy,
)
from workflow.application.handlers.report import SEND_EMBARGO
from workflow.application.jobs import delivery
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.notifications import SmtpChannel
from workflow.store.tables import OutboxRow

pytest_plugins = ["tests.support.fixtures_smtp"]

RECIPIENTS = {"press@moj.example": "MoJ press office", "minister@justice.example": "Minister"}
LINK = re.compile(r"https?://\S+?(/embargo/[A-Za-z0-9_.\-]+)")


def embargo_requested(rt: Runtime, clock: Clock) -> str:
    """A report every body approved, scheduled, with two recipients, and the embargoed
    copy asked for; returns the outbox row's id."""
    create(rt)
    approve_all(rt, "mappa", to_signoff(rt))
    send(rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=10)))
    for email, name in RECIPIENTS.items():
        send(rt, LEAD, AddEmbargoRecipient(key="mappa", name=name, email=email, kind="press"))
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    with rt.read() as session:
        (row,) = session.exec(select(OutboxRow).where(col(OutboxRow.task) == SEND_EMBARGO)).all()
        return row.id


def test_each_recipient_gets_one_link_that_opens_the_report_and_each_opening_is_audited(
    rt: Runtime, clock: Clock, mail_catcher: MailCatcher
) -> None:
    outbox_id = embargo_requested(rt, clock)
    lead = Person(rt, "lead.hmiprobation")
    page = lead.page()
    assert "no delivery recorded so far" in page  # asked for, not yet sent
    assert "Sent to 2 recipient" not in page

    channel = SmtpChannel("127.0.0.1", mail_catcher.port, "cjji@example.org")
    assert delivery.deliver(rt, channel, outbox_id) == 2
    assert delivery.deliver(rt, channel, outbox_id) == 0  # a redelivered task sends nothing
    messages = mail_catcher.messages
    assert sorted(str(m["To"]) for m in messages) == sorted(RECIPIENTS)

    page = lead.page()
    assert "Sent to 2 recipient(s)" in page
    for email in RECIPIENTS:
        assert email in page

    report = queries.show_stream(rt, "mappa")["report"]
    visitor = TestClient(app_for(rt))  # a recipient: nobody signed in
    links = []
    for message in messages:
        body = message.get_body(("plain",))
        assert body is not None
        found = LINK.search(body.get_content())
        assert found is not None, body.get_content()
        links.append(found.group(1))
        answer = visitor.get(found.group(1))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.headers["cache-control"] == "no-store"
        assert "Under embargo until 20 Jan 2022, 09:00 (UK time)" in answer.text
        assert "Draft report v1" in answer.text  # the report's text, to read
        file = visitor.get(found.group(1) + "/download")  # and the file itself
        assert file.status_code == 200, file.text
        assert file.content == b"Draft report v1"
        assert file.headers["content-type"].startswith("text/plain")
        assert file.headers["content-disposition"].startswith("attachment;")
        assert file.headers["x-content-sha256"] == report
    assert links[0] != links[1]  # each recipient's link is their own
    opened = queries.audit_log(rt, "mappa", action="embargo_accessed")
    # Each opening is recorded: the page and the file, by each recipient.
    assert sorted(e["actor"] for e in opened) == sorted(2 * list(RECIPIENTS))
    assert {e["payload"]["version"] for e in opened} == {report}

    forged = visitor.get(links[0][:-3] + "xyz")
    assert forged.status_code == 403
    assert "not valid" in forged.text
