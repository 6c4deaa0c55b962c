"""Reminders from a real deployment: PostgreSQL, Redis, a Celery worker, two beats and SMTP.

A work stream is left at joint sign-off, untouched, while the deployment is restarted at
later and later moments (its processes' clocks moved by time-machine): the reminders and
then the escalation reach the mailbox once each, and only the bodies that have not
approved hear of it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import Clock, service_missing, wipe
from tests.integration.deadline_walk import create_review, review_to_signoff
from tests.integration.walk import signatory
from tests.support.acting import send
from tests.support.deployment import Deployment
from tests.support.deployment import deployment as make_deployment
from tests.support.processes import REDIS_URL, CeleryProcess, redis_reachable
from tests.support.smtp import MailCatcher
from workflow.application.commands import RecordDecision
from workflow.application.queries import streams as queries

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced

pytest_plugins = ["tests.support.fixtures_smtp"]
SWEEP_EVERY = 2  # seconds: production's floor is 10, lowered for this deployment below

OUTSTANDING = ("hmiprobation", "hmiprisons")  # HMICFRS approves at once
DECIDERS = sorted(
    f"{who}@{body}.example" for who in ("signatory", "deputy") for body in OUTSTANDING
)
CHIEFS = sorted(f"chief@{body}.example" for body in OUTSTANDING)


@pytest.fixture
def deployment(
    pg_database: str, tmp_path: Path, clock: Clock, mail_catcher: MailCatcher
) -> Iterator[Deployment]:
    if not redis_reachable():
        service_missing("Redis", REDIS_URL)
    with make_deployment(
        pg_database,
        tmp_path,
        clock,
        mail_catcher,
        broker_url=REDIS_URL,
        sweep_every_seconds=SWEEP_EVERY,
        sweep_min_interval_seconds=SWEEP_EVERY,
    ) as dep:
        wipe(dep.rt)
        yield dep
        wipe(dep.rt)


def about_sign_off(mail: MailCatcher) -> list[EmailMessage]:
    """Reminders and escalations about the sign-off decisions (not other deadlines)."""
    return [
        m
        for m in mail.messages
        if str(m["Subject"]).startswith(("Reminder", "Escalation"))
        and "a decision on the draft report" in str(m["Subject"])
    ]


def wait_for(mail: MailCatcher, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(about_sign_off(mail)) < count:
        time.sleep(0.25)
    assert len(about_sign_off(mail)) >= count, [str(m["Subject"]) for m in about_sign_off(mail)]


def sweeps_done(worker: CeleryProcess) -> int:
    return sum("cjji.sweep_reminders[" in line and "succeeded" in line for line in worker.output)


def settle(dep: Deployment, worker: CeleryProcess, sweeps: int, timeout: float = 60) -> None:
    """Wait until the worker has finished ``sweeps`` sweeps and every outbox row is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (sweeps_done(worker) < sweeps or dep.pending()):
        time.sleep(0.25)
    assert sweeps_done(worker) >= sweeps and not dep.pending(), "".join(worker.output[-30:])


def run_deployment_at(dep: Deployment, moment: datetime, expect: int, rounds: int = 1) -> None:
    """Start a worker and two beats as of ``moment``; let each beat's sweep run ``rounds``
    times, and check that exactly ``expect`` messages have arrived in all; stop everything."""
    worker = CeleryProcess("worker", dep.env, moment=moment)
    beats = [CeleryProcess("beat", dep.env, moment=moment) for _ in range(2)]
    try:
        for process in (worker, *beats):
            process.ready()
        wait_for(dep.mail, expect)
        settle(dep, worker, sweeps=2 * rounds, timeout=(rounds + 2) * SWEEP_EVERY + 30)
        assert len(about_sign_off(dep.mail)) == expect
    finally:
        for process in (worker, *beats):
            process.stop()


@pytest.mark.slow
def test_a_work_stream_untouched_through_its_deadline_is_reminded_then_escalated_once_each(
    deployment: Deployment, clock: Clock
) -> None:
    rt, mail = deployment.rt, deployment.mail
    clock.now = datetime(2022, 12, 19, 9, tzinfo=UTC)  # sign-off due Thursday 5 January 2023
    create_review(rt, expected_publication="Autumn 2023")
    version = review_to_signoff(rt)
    send(
        rt,
        signatory("HMICFRS"),
        RecordDecision(key="mappa", body="HMICFRS", decision="approve", version=version),
    )
    mail.clear()

    run_deployment_at(deployment, datetime(2022, 12, 30, 10, tzinfo=UTC), expect=4)
    run_deployment_at(deployment, datetime(2023, 1, 5, 10, tzinfo=UTC), expect=8)
    # The last restart lets both beats sweep twice more: repeats find every claim taken.
    run_deployment_at(deployment, datetime(2023, 1, 12, 10, tzinfo=UTC), expect=14, rounds=2)

    received = [(str(m["Subject"]), str(m["To"])) for m in about_sign_off(mail)]
    assert Counter(received).most_common(1)[0][1] == 1, "a message arrived twice"
    by_kind: dict[str, list[str]] = {}
    for subject, to in received:
        kind = (
            "escalation"
            if subject.startswith("Escalation")
            else "due"
            if "due today" in subject
            else "overdue"
            if "overdue since" in subject
            else "before"
        )
        by_kind.setdefault(kind, []).append(to)
    assert {k: sorted(v) for k, v in by_kind.items()} == {
        "before": DECIDERS,  # three working days before: Friday 30 December
        "due": DECIDERS,
        "overdue": DECIDERS,  # five working days overdue: Thursday 12 January
        "escalation": CHIEFS,
    }
    assert not any("hmicfrs" in to for _, to in received), "a body that approved was reminded"
    claimed = queries.audit_log(rt, "mappa", action="reminder_sent", limit=1000)
    assert {e["payload"]["threshold"] for e in claimed} >= {"before-3", "due", "escalate"}
    # Each reminder and escalation, as received, links to the work stream's page, which
    # opens for the person it was sent to (signed in as them; the clock is the test's).
    from tests.web.test_journey_pages import Person
    from workflow.application.queries.people import list_users

    username_of = {user.email: user.username for user in list_users(rt)}
    people: dict[str, Person] = {}
    for message in about_sign_off(mail):
        part = message.get_body(("plain",))
        assert part is not None
        found = re.search(r"https?://[^/\s]+(/streams/mappa)\S*", part.get_content())
        assert found is not None, (message["Subject"], part.get_content())
        to = str(message["To"])
        if to not in people:  # signing in sets the password, which ends older sessions
            people[to] = Person(rt, username_of[to])
        page = people[to].page(found.group(1))
        assert "<h1" in page and "mappa" in page
