"""Delivery as close to once as SMTP allows (issue 16): the delivery is recorded as soon as
the server accepts the message, before QUIT, so a line dropped at QUIT sends nothing twice."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from tests.integration.walk import LEAD, agree_terms, create
from tests.support.acting import send
from tests.support.smtp import MailCatcher
from workflow.application.commands import FireTrigger
from workflow.application.handlers.reactions import NOTIFY_TEAM
from workflow.application.jobs import delivery
from workflow.bootstrap import Runtime
from workflow.notifications import DeliveryFailed, SmtpChannel
from workflow.store.tables import AuditEventRow, DeliveryRow, OutboxRow

pytest_plugins = ["tests.support.fixtures_smtp"]


def test_a_line_dropped_at_quit_neither_loses_the_record_nor_sends_twice(
    rt: Runtime, mail_catcher: MailCatcher
) -> None:
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    with rt.read() as session:
        row = session.exec(
            select(OutboxRow)
            .where(col(OutboxRow.task) == NOTIFY_TEAM)
            .order_by(col(OutboxRow.created_at).desc())
        ).first()
        assert row is not None
        outbox_id = row.id
    channel = SmtpChannel(mail_catcher.host, mail_catcher.port, "cjji@example.org")
    mail_catcher.fail_quit()
    with pytest.raises(DeliveryFailed):
        delivery.deliver(rt, channel, outbox_id)
    assert len(mail_catcher.messages) == 1
    with rt.read() as session:
        recorded = session.exec(
            select(DeliveryRow).where(col(DeliveryRow.outbox_id) == outbox_id)
        ).all()
    assert len(recorded) == 1, "the accepted message was recorded before QUIT"
    mail_catcher.fail_quit(False)
    sent_again = delivery.deliver(rt, channel, outbox_id)
    messages = mail_catcher.messages
    recipients = {str(m["To"]).strip() for m in messages}
    assert sent_again == len(messages) - 1, "the first recipient was not sent again"
    assert len(recipients) == len(messages)
    ids = [str(m["Message-ID"]).strip() for m in messages]
    assert len(set(ids)) == len(ids) and all(i.startswith(f"<cjji-{outbox_id}") for i in ids)
    with rt.read() as session:
        audited = [
            json.loads(p)
            for p in session.exec(
                select(AuditEventRow.payload).where(
                    col(AuditEventRow.action) == "notification_delivered"
                )
            ).all()
        ]
        done = session.get(OutboxRow, outbox_id)
    assert sorted(a["to"] for a in audited if a["outbox_id"] == outbox_id) == sorted(recipients), (
        audited
    )
    assert done is not None and done.done_at is not None
