"""What signatories and teams receive, read at a real SMTP server: a decision request
links to the decision page and states the due date of the open 10-working-day deadline
(no command line); the send-back notice carries the comment that caused it; and once a
body has requested changes, neither its inbox nor the work stream page says its decision
is awaited."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, select

from tests.conftest import Clock
from tests.integration.walk import BODIES, LEAD, create, signatory, to_signoff
from tests.support.acting import send
from tests.support.smtp import MailCatcher
from tests.web.test_journey_pages import Person
from workflow.application.commands import RecordDecision, RegisterDocument
from workflow.application.handlers.reactions import NOTIFY_TEAM, REQUEST_DECISION
from workflow.application.jobs import delivery
from workflow.application.queries import deadlines, progress
from workflow.bootstrap import Runtime
from workflow.notifications import SmtpChannel
from workflow.store.tables import OutboxRow

pytest_plugins = ["tests.support.fixtures_smtp"]


def deliver_all(rt: Runtime, mail: MailCatcher, task: str) -> None:
    channel = SmtpChannel("127.0.0.1", mail.port, "cjji@example.org")
    with rt.read() as session:
        ids = session.exec(
            select(OutboxRow.id).where(
                col(OutboxRow.task) == task, col(OutboxRow.done_at).is_(None)
            )
        ).all()
    for outbox_id in ids:
        delivery.deliver(rt, channel, outbox_id)


def text_of(message: object) -> str:
    part = message.get_body(("plain",))  # type: ignore[attr-defined]
    assert part is not None
    content: str = part.get_content()
    return content


def test_a_decision_request_links_to_the_decision_page_and_states_the_due_date(
    rt: Runtime, clock: Clock, mail_catcher: MailCatcher
) -> None:
    create(rt)
    to_signoff(rt)
    deliver_all(rt, mail_catcher, REQUEST_DECISION)
    due = {
        d["body"]: date.fromisoformat(d["due"])
        for d in deadlines.list_deadlines(rt, stream="mappa")
        if d["rule"] == "signoff_response"
    }
    asked = [m for m in mail_catcher.messages if "Decision needed" in str(m["Subject"])]
    assert asked
    for message in asked:
        body = text_of(message)
        assert "cjji " not in body and "command line" not in body
        found = re.search(r"https?://\S+?(/streams/mappa)#decisions", body)
        assert found is not None, body
        code = next(b for b in BODIES if b.lower() in str(message["To"]))
        day = due[code]
        assert f"record your decision by {day:%A} {day.day} {day:%B %Y}" in body
        if str(message["To"]).startswith("signatory@"):
            # The link, followed by that signatory, is the page with the decision form.
            page = Person(rt, f"signatory.{code.lower()}").page(found.group(1))
            assert f"{code}'s decision is awaited" in page


def test_the_send_back_notice_carries_the_comment_and_the_body_is_no_longer_awaited(
    rt: Runtime, clock: Clock, mail_catcher: MailCatcher
) -> None:
    create(rt)
    version = to_signoff(rt)
    deliver_all(rt, mail_catcher, NOTIFY_TEAM)
    mail_catcher.clear()
    comment = "The custody chapter needs the 2021 figures"
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(
            key="mappa",
            body="HMICFRS",
            decision="request_changes",
            version=version,
            comment=comment,
        ),
    )
    deliver_all(rt, mail_catcher, NOTIFY_TEAM)
    notices = [m for m in mail_catcher.messages if "drafting" in str(m["Subject"]).lower()]
    assert notices, [str(m["Subject"]) for m in mail_catcher.messages]
    for message in notices:
        assert f"HMICFRS: {comment}" in text_of(message)


def test_after_requesting_changes_to_the_terms_the_body_is_not_told_it_is_awaited(
    rt: Runtime, clock: Clock
) -> None:
    create(rt)
    version = send(
        rt, LEAD, RegisterDocument(key="mappa", kind="terms_of_reference", content=b"ToR v1")
    ).version
    signatory_ = Person(rt, "signatory.hmicfrs")
    assert "HMICFRS's decision is awaited" in signatory_.page("/streams/mappa")
    assert [r["ref"] for r in progress.awaiting(rt, "HMICFRS")] == ["mappa"]
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(
            key="mappa",
            body="HMICFRS",
            decision="request_changes",
            version=version,
            kind="terms_of_reference",
            comment="Add the youth estate",
        ),
    )
    assert progress.awaiting(rt, "HMICFRS") == []
    page = signatory_.page("/streams/mappa")
    assert "HMICFRS's decision is awaited" not in page
    inbox = signatory_.page("/decisions")
    assert "mappa" not in inbox.split("<main", 1)[1]
    # The others are still awaited.
    assert [r["ref"] for r in progress.awaiting(rt, "HMIPRISONS")] == ["mappa"]
