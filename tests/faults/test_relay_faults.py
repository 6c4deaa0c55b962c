"""The outbox relay and the beat schedulers that run it, under faults: a relay killed between
leasing and publishing, or after publishing; two relays (two beats) at once; every process
stopped and started again after the leases ran out. Promise each time: every message is
delivered, and none twice.

Background (docs/architecture.md): each outbox row is leased before it is handed to the
broker; once a lease has run out and the row is not done, the next relay hands it out
again. A delivery skips a row already done and each recipient already recorded.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from tests.faults.helpers import (
    deployment_on,
    each_message_once,
    outbox,
    trail_intact,
    unpublished,
)
from tests.integration.walk import BODIES, create, register_terms, to_signoff
from tests.support.deployment import Deployment
from tests.support.processes import CeleryProcess, process_context
from tests.support.redis_server import PrivateRedis
from tests.support.smtp import MailCatcher
from workflow.application.jobs.outbox import claim_due
from workflow.bootstrap import Runtime, bootstrap
from workflow.store.tables import OutboxRow

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced

pytest_plugins = ["tests.support.fixtures_smtp"]

LEASE = 3  # seconds: short, so that the tests can wait for leases to run out


def decision_requests(dep: Deployment, document: str = "") -> int:
    """How many decision requests arrived (on ``document`` only, if it is given)."""
    return sum(
        "Decision needed" in str(m["Subject"]) and f": {document}" in str(m["Subject"])
        for m in dep.mail.messages
    )


def wait_until_leases_end(rt: Runtime) -> None:
    """Sleep until every outbox row not yet done is due again."""
    ends = [r.lease_until for r in outbox(rt) if r.done_at is None and r.lease_until]
    if ends:
        delay = (max(ends) - datetime.now(UTC)).total_seconds()
        time.sleep(max(delay, 0) + 0.3)


# -- a relay killed half-way ----------------------------------------------------------
def relay_then_hang(settings: dict[str, Any], publish: bool, done: Any) -> None:
    """A relay in its own process: lease what is due, maybe publish it, then hang until
    killed (so nothing after this point, not even a ``finally``, ever runs)."""
    from tasks.publisher import celery_for, publisher_for

    config = Settings(**settings, _env_file=None)
    rt = bootstrap(config)
    rows = claim_due(rt)
    if publish:
        publisher_for(celery_for(config))(rows)
    done.set()
    time.sleep(600)


def kill_a_relay_half_way(dep: Deployment, *, publish: bool) -> None:
    ctx = process_context()
    done = ctx.Event()
    settings = {
        "database_url": dep.rt.settings.database_url,
        "broker_url": dep.rt.settings.broker_url,
        "queue": dep.env["CJJI_QUEUE"],
        "data_dir": str(dep.rt.settings.data_dir),
        "outbox_lease_seconds": LEASE + 2,  # outlasts the few steps up to the kill
    }
    relay = ctx.Process(target=relay_then_hang, args=(settings, publish, done))
    relay.start()
    try:
        assert done.wait(timeout=60), "the relay process did not get as far as it should"
    finally:
        assert relay.pid is not None
        os.kill(relay.pid, signal.SIGKILL)
        relay.join(timeout=10)
    assert relay.exitcode == -signal.SIGKILL


@pytest.fixture
def dep(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, private_broker: PrivateRedis
) -> Iterator[Deployment]:
    with deployment_on(
        pg_database, tmp_path, mail_catcher, private_broker, lease_seconds=LEASE
    ) as d:
        yield d


def ask_for_terms(dep: Deployment) -> list[OutboxRow]:
    """A work stream whose terms of reference every body must agree: outbox rows that are
    due at once (no publisher ran after the commits)."""
    quiet = unpublished(dep)
    create(quiet)
    register_terms(quiet, "mappa")  # not yet agreed: each request is owed when it goes out
    rows = outbox(dep.rt)
    assert rows and all(r.lease_until is None and r.attempts == 0 for r in rows)
    return rows


def test_a_relay_killed_after_leasing_and_before_publishing_loses_nothing_once_its_lease_ends(
    dep: Deployment, private_broker: PrivateRedis
) -> None:
    rows = ask_for_terms(dep)
    kill_a_relay_half_way(dep, publish=False)
    leased = outbox(dep.rt)
    assert all(r.attempts == 1 and r.lease_until is not None for r in leased), "leased, then died"
    assert private_broker.queued(dep.env["CJJI_QUEUE"]) == 0, "nothing reached the broker"
    assert dep.relay() == 0, "the dead relay's lease still holds the rows"
    dep.start_worker()
    wait_until_leases_end(dep.rt)
    dep.drain(relay_every=0.5)
    each_message_once(dep)
    assert decision_requests(dep) == 2 * len(BODIES)  # each body's signatory and deputy
    assert {r.id: r.attempts for r in outbox(dep.rt)} == {r.id: 2 for r in rows}
    trail_intact(dep.rt)


def test_a_relay_killed_after_publishing_has_its_rows_published_again_and_each_sent_once(
    dep: Deployment, private_broker: PrivateRedis
) -> None:
    rows = ask_for_terms(dep)
    queue = dep.env["CJJI_QUEUE"]
    kill_a_relay_half_way(dep, publish=True)
    assert private_broker.queued(queue) == len(rows), "published before it died"
    wait_until_leases_end(dep.rt)
    # Nobody marked the rows done (no worker yet): the next relay publishes them again.
    assert dep.relay() == len(rows)
    assert private_broker.queued(queue) == 2 * len(rows)
    # One process at a time: two copies of one task at the same instant are another fault
    # (see test_two_copies_of_one_delivery_running_at_the_same_time_send_each_message_once).
    worker = dep.start_worker(concurrency=1)
    dep.drain()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and private_broker.queued(queue):
        time.sleep(0.2)
    worker.wait_for("succeeded", timeout=30)
    time.sleep(1)  # the last copy finishes
    received = sum(" received" in line for line in worker.output)
    assert received == 2 * len(rows), "every copy ran"
    each_message_once(dep)
    assert decision_requests(dep) == 2 * len(BODIES)
    trail_intact(dep.rt)


def test_two_copies_of_one_delivery_running_at_the_same_time_send_each_message_once(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, private_broker: PrivateRedis
) -> None:
    with deployment_on(
        pg_database,
        tmp_path,
        mail_catcher,
        private_broker,
        lease_seconds=60,
        fault_pause_before_send=1,
    ) as dep:
        quiet = unpublished(dep)
        create(quiet)
        register_terms(quiet, "mappa")
        row = next(r for r in outbox(dep.rt) if r.task == "cjji.request_decision")
        dep.publish([row, row])  # as a relay does when a lease runs out before the worker
        worker = dep.start_worker(concurrency=2)
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and sum(
                ("succeeded in" in line or "raised unexpected" in line) for line in worker.output
            )
            < 2
        ):
            time.sleep(0.2)
        sent = Counter(str(m["To"]) for m in dep.mail.messages)
        assert sent, "the copies ran"
        assert max(sent.values()) == 1, f"sent twice: {sent}"


# -- two relays at once -----------------------------------------------------------------
def test_relays_claiming_at_the_same_instant_never_claim_the_same_row(rt: Runtime) -> None:
    for ref in ("alpha", "beta"):
        create(rt, ref=ref)
        to_signoff(rt, ref, draft=f"Draft {ref}".encode())
    due = {r.id for r in outbox(rt)}
    assert len(due) >= 15
    start = threading.Barrier(4)
    claimed: list[list[str]] = [[] for _ in range(4)]

    def relay(n: int) -> None:
        start.wait()
        while rows := claim_due(rt, limit=3):
            claimed[n] += [r.id for r in rows]

    threads = [threading.Thread(target=relay, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [row_id for ids in claimed for row_id in ids]
    assert len(every) == len(set(every)), "a row was claimed by two relays"
    assert set(every) == due and not claim_due(rt)
    assert {r.attempts for r in outbox(rt)} == {1}


def test_two_beat_schedulers_at_once_deliver_every_message_once(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, private_broker: PrivateRedis
) -> None:
    with deployment_on(
        pg_database,
        tmp_path,
        mail_catcher,
        private_broker,
        lease_seconds=30,  # no lease runs out during the test: a second claim would be a bug
        relay_every_seconds=0.5,
    ) as dep:
        dep.start_worker(concurrency=2)
        beats: list[CeleryProcess] = []
        for _ in range(2):
            beats.append(CeleryProcess("beat", dep.env))
            dep.workers.append(beats[-1])  # stopped with the deployment, whatever happens
        for beat in beats:
            beat.ready()
        quiet = unpublished(dep)  # only the beats' relays publish
        for ref in ("alpha", "beta"):
            create(quiet, ref=ref)
            to_signoff(quiet, ref, draft=f"Draft {ref}".encode())
        dep.drain(timeout=90)
        for beat in beats:
            beat.wait_for("Sending due task relay-outbox", timeout=10)
        each_message_once(dep)
        # two streams, two documents each, every body's signatory and deputy
        # two streams, the report's requests to each body's signatory and deputy; a
        # request on the terms went out only if a worker came to it before every body
        # had approved them (then no longer owed): how many depends on timing
        assert decision_requests(dep, "report") == 2 * len(BODIES) * 2
        assert decision_requests(dep) <= 2 * 2 * len(BODIES) * 2
        assert {r.attempts for r in outbox(dep.rt)} == {1}, "a row was claimed twice"
        trail_intact(dep.rt)


# -- every process restarted ------------------------------------------------------------
def test_every_process_stopped_mid_delivery_and_started_after_the_leases_end_loses_nothing(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, private_broker: PrivateRedis
) -> None:
    with deployment_on(
        pg_database,
        tmp_path,
        mail_catcher,
        private_broker,
        lease_seconds=6,
        relay_every_seconds=1,
        fault_pause_before_send=1.5,
    ) as dep:
        worker = dep.start_worker(concurrency=1)
        beat = CeleryProcess("beat", dep.env)
        dep.workers.append(beat)  # stopped with the deployment if the test fails early
        beat.ready()
        create(dep.rt)
        to_signoff(dep.rt)  # published at each commit, each row leased for 6 s
        dep.mail.wait_for(1, timeout=30)
        # Cut the power while a task waits out its pause before sending, not in the few
        # milliseconds between the server accepting a message and its delivery row
        # committing: a cut there repeats that message, which is the promise
        # (docs/reliability.md) and tests/faults/test_delivery_kills.py's subject.
        seen = sum(" received" in line for line in worker.output)
        deadline = time.monotonic() + 30
        while sum(" received" in line for line in worker.output) <= seen:
            assert time.monotonic() < deadline, "no further task reached the worker"
            time.sleep(0.05)
        time.sleep(0.3)  # inside the new task's 1.5 s pause
        # Power cut: the worker (mid-task), the beat and the broker (its queue) all go.
        worker.kill()
        beat.kill()
        private_broker.stop()
        pending = dep.pending()
        assert pending and len(pending) < len(outbox(dep.rt)), "some done, some not"

        wait_until_leases_end(dep.rt)  # the due time passes while nothing runs
        private_broker.start()
        fresh = {k: v for k, v in dep.env.items() if k != "CJJI_FAULT_PAUSE_BEFORE_SEND"}
        dep.workers += [
            CeleryProcess("worker", fresh, concurrency=2).ready(),
            CeleryProcess("beat", fresh).ready(),  # a new schedule file: nothing remembered
        ]
        dep.drain(timeout=90)  # no help from the test: the new beat's relay does it
        each_message_once(dep)
        # the report's requests; the terms' went out only where a worker came to them
        # before every body had approved (then they were no longer owed)
        assert decision_requests(dep, "report") == 2 * len(BODIES)
        assert decision_requests(dep) <= 2 * 2 * len(BODIES)
        trail_intact(dep.rt)
