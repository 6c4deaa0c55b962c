"""Transitions drive real background work: PostgreSQL, Redis, a Celery worker, SMTP."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from tests.api.helpers import app_for
from tests.conftest import Clock
from tests.integration.walk import BODIES, LEAD, approve_all, create, signatory, to_signoff
from tests.support.acting import send
from tests.support.deployment import Deployment
from tests.support.smtp import MailCatcher
from workflow.application.commands import (
    AddEmbargoRecipient,
    FireTrigger,
    RecordDecision,
    RegisterDocument,
    SchedulePublication,
    SendEmbargoedCopy,
)
from workflow.application.handlers.report import SEND_EMBARGO
from workflow.application.queries import streams as queries
from workflow.domain.stages import Stage
from workflow.store.tables import OutboxRow

pytest_plugins = ["tests.support.fixtures_worker"]
# Coverage's tracer is off: the messages are written and sent in the worker's processes,
# and the steps here are measured by the handler and relay tests (docs/testing.md).
pytestmark = pytest.mark.untraced


def recipients(mail: MailCatcher) -> list[str]:
    return sorted(str(m["To"]) for m in mail.messages)


def test_entering_joint_signoff_asks_every_participating_body_by_email(
    deployment: Deployment,
) -> None:
    rt, mail = deployment.rt, deployment.mail
    create(rt)
    to_signoff(rt)
    deployment.drain()
    asked = [
        m
        for m in mail.messages
        if "Decision needed" in str(m["Subject"]) and "report" in str(m["Subject"])
    ]
    to = sorted(str(m["To"]) for m in asked)
    expected = sorted(
        f"{who}@{b.lower()}.example" for b in BODIES for who in ("signatory", "deputy")
    )
    assert to == expected
    delivered = queries.audit_log(rt, "mappa", action="notification_delivered", limit=1000)
    assert len(delivered) == len(mail.messages)
    assert {e["payload"]["channel"] for e in delivered} == {"smtp"}


def test_approvals_move_to_publication_once_and_every_party_is_told(
    deployment: Deployment,
) -> None:
    rt, mail = deployment.rt, deployment.mail
    create(rt)
    version = to_signoff(rt)
    ws = approve_all(rt, "mappa", version)
    assert ws.state is Stage.PUBLICATION
    deployment.drain()
    told = [m for m in mail.messages if "publication" in str(m["Subject"]).lower()]
    assert told, [str(m["Subject"]) for m in mail.messages]
    moves = [
        e for e in queries.audit_log(rt, "mappa", action="transitioned") if e["to"] == "publication"
    ]
    assert len(moves) == 1


def test_a_request_for_changes_sends_it_back_and_a_new_draft_asks_again(
    deployment: Deployment,
) -> None:
    rt, mail = deployment.rt, deployment.mail
    create(rt)
    v1 = to_signoff(rt)
    result = send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(
            key="mappa",
            body="HMICFRS",
            decision="request_changes",
            version=v1,
            comment="The custody chapter needs the 2021 figures",
        ),
    )
    assert result.moved_to is Stage.DRAFTING
    deployment.drain()
    mail.clear()
    from tests.integration.walk import LEAD

    v2 = send(rt, LEAD, RegisterDocument(key="mappa", kind="report", content=b"Draft v2")).version
    send(rt, LEAD, FireTrigger(key="mappa", trigger="submit_for_signoff"))
    deployment.drain()
    asked = [m for m in mail.messages if "Decision needed" in str(m["Subject"])]
    assert len(asked) == 2 * len(BODIES)
    assert all(v2 in m.get_content() for m in asked)


def test_a_rolled_back_transition_sends_nothing(deployment: Deployment) -> None:
    rt = deployment.rt
    create(rt)
    deployment.drain()
    before = len(deployment.mail.messages)
    with rt.uow() as uow:
        ws = uow.streams.get("mappa")
        from workflow.domain import lifecycle
        from workflow.domain.guards import MoveContext

        lifecycle.fire(ws, "pause", MoveContext("a", "HMIPROBATION", rt.clock()))
        uow.enqueue("cjji.notify_team", {"ref": "mappa", "state": "paused"}, "mappa")
        # leaving the block without commit rolls everything back
    assert deployment.relay() == 0
    import time

    time.sleep(2)
    assert len(deployment.mail.messages) == before
    assert queries.show_stream(rt, "mappa")["state"] == "scoping"


def test_the_embargoed_copy_reaches_each_recipient_once_and_its_link_opens_the_report(
    deployment: Deployment, clock: Clock
) -> None:
    """Through the real worker and SMTP server: one message per recipient, even when the
    relay hands the same row out again, and each message's link opens the report."""
    rt, mail = deployment.rt, deployment.mail
    people = {"press@moj.example": "MoJ press office", "minister@justice.example": "Minister"}
    create(rt)
    approve_all(rt, "mappa", to_signoff(rt))
    deployment.drain()
    mail.clear()
    send(rt, LEAD, SchedulePublication(key="mappa", when=clock.now + timedelta(days=10)))
    for email, name in people.items():
        send(rt, LEAD, AddEmbargoRecipient(key="mappa", name=name, email=email, kind="press"))
    send(rt, LEAD, SendEmbargoedCopy(key="mappa"))
    deployment.drain()
    with rt.read() as session:
        (row,) = session.exec(select(OutboxRow).where(col(OutboxRow.task) == SEND_EMBARGO)).all()
    deployment.publish([row])  # the task delivered a second time: it sends nothing more
    deployment.publish([row])
    time.sleep(2)
    embargoed = [m for m in mail.messages if str(m["Subject"]).startswith("EMBARGOED")]
    assert sorted(str(m["To"]) for m in embargoed) == sorted(people)

    visitor = TestClient(app_for(rt))
    for message in embargoed:
        part = message.get_body(("plain",))
        assert part is not None
        found = re.search(r"https?://\S+?(/embargo/[A-Za-z0-9_.\-]+)", part.get_content())
        assert found is not None, part.get_content()
        answer = visitor.get(found.group(1))
        assert answer.status_code == 200, answer.text
        assert "Draft report v1" in answer.text
    opened = queries.audit_log(rt, "mappa", action="embargo_accessed")
    assert sorted(e["actor"] for e in opened) == sorted(people)


def test_a_request_no_longer_owed_when_the_worker_comes_to_it_is_not_sent(
    deployment: Deployment, clock: Clock
) -> None:
    """HMICFRS approves the report before the worker delivers its request: no e-mail asks
    it for that decision, and the skip is in the audit trail with its reason. (So are the
    requests on the terms of reference, agreed and left behind in scoping.)"""
    from workflow.bootstrap import bootstrap

    rt, mail = deployment.rt, deployment.mail
    quiet = bootstrap(rt.settings, clock=clock)  # rows wait in the outbox for the relay
    create(quiet)
    version = to_signoff(quiet)
    send(
        quiet,
        signatory("HMICFRS"),
        RecordDecision(key="mappa", body="HMICFRS", decision="approve", version=version),
    )
    deployment.drain(relay_every=0.5)
    asked = {str(m["To"]) for m in mail.messages if str(m["Subject"]).startswith("Decision needed")}
    assert asked == {
        f"{who}@{body}.example"
        for body in ("hmiprobation", "hmiprisons")
        for who in ("signatory", "deputy")
    }, sorted(asked)
    skipped = {
        (e["payload"]["kind"], e["payload"]["body"]): e["payload"]["why"]
        for e in queries.audit_log(rt, "mappa", action="notification_skipped", limit=1000)
        if e["payload"].get("task") == "cjji.request_decision"
    }
    assert skipped[("report", "HMICFRS")] == (
        f"HMICFRS has decided on report version {version[:12]} already (approve) "
        "before the request went out"
    )
    for body in BODIES:
        assert "mappa is in joint_signoff" in skipped[("terms_of_reference", body)]


def test_every_notice_as_received_links_to_the_page_its_recipient_can_open_once_each(
    deployment: Deployment,
) -> None:
    """Team notices of each move, the decision requests and the publication notice, from
    scoping to follow-up: each arrived once at the SMTP server, and its link, followed by
    the person it was sent to (signed in as them), opens that work stream's page."""
    from tests.integration.walk import publish
    from tests.web.test_journey_pages import Person
    from workflow.application.queries.people import list_users

    rt, mail = deployment.rt, deployment.mail
    create(rt)
    version = to_signoff(rt)
    deployment.drain()  # the requests go out while they are owed
    approve_all(rt, "mappa", version)
    publish(rt, "mappa", rt.clock() + timedelta(days=7))  # released early, with a reason
    deployment.drain()
    username_of = {user.email: user.username for user in list_users(rt)}
    people: dict[str, Person] = {}
    for message in mail.messages:
        to = str(message["To"])
        if to not in username_of:
            continue  # the embargoed copy's outside recipients: test_the_embargoed_copy…
        part = message.get_body(("plain",))
        assert part is not None
        found = re.search(r"https?://[^/\s]+(/streams/mappa)\S*", part.get_content())
        assert found is not None, (message["Subject"], part.get_content())
        if to not in people:  # signing in sets the password, which ends older sessions
            people[to] = Person(rt, username_of[to])
        person = people[to]
        page = person.page(found.group(1))
        assert "<h1" in page and "mappa" in page
    copies = Counter((str(m["X-CJJI-Reference"]), str(m["To"])) for m in mail.messages)
    assert set(copies.values()) == {1}, "a message arrived twice"
    subjects = " | ".join(f"{m['Subject']} -> {m['To']}" for m in mail.messages)
    # the move to follow-up is the publication notice (the report is out: respond)
    for expected in ("is in fieldwork", "Decision needed", "is in publication", "is in follow-up"):
        assert expected in subjects, (expected, subjects)
