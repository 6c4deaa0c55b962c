"""Broker down, broker restarted empty, worker killed mid-task: work is delayed, never lost
nor doubled. Each test uses a private Redis that it may stop and restart."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wipe
from tests.integration.walk import BODIES, LEAD, create, register_terms, to_signoff
from tests.support.acting import send
from tests.support.deployment import Deployment
from tests.support.deployment import deployment as make_deployment
from tests.support.processes import CeleryProcess
from tests.support.redis_server import PrivateRedis
from tests.support.smtp import MailCatcher
from workflow.application.commands import FireTrigger
from workflow.bootstrap import utc_now

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced

pytest_plugins = ["tests.support.fixtures_smtp"]


@pytest.fixture
def broker() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def dep(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, broker: PrivateRedis
) -> Iterator[Deployment]:
    with make_deployment(
        pg_database, tmp_path, utc_now, mail_catcher, broker_url=broker.url, lease_seconds=3
    ) as d:
        wipe(d.rt)
        yield d
        wipe(d.rt)


def no_message_twice(dep: Deployment) -> Counter[tuple[str, str]]:
    sent = Counter((str(m["X-CJJI-Reference"]), str(m["To"])) for m in dep.mail.messages)
    doubled = {k: n for k, n in sent.items() if n > 1}
    assert not doubled, f"messages delivered more than once: {doubled}"
    assert len(dep.deliveries()) == len(set(dep.deliveries())) == len(sent)
    return sent


def test_transitions_commit_while_the_broker_is_down_and_every_message_goes_out_later(
    dep: Deployment, broker: PrivateRedis
) -> None:
    broker.stop()
    create(dep.rt)
    to_signoff(dep.rt)  # a dozen commits, each asking for work the broker cannot take
    assert send(dep.rt, LEAD, FireTrigger(key="mappa", trigger="pause")).state.value == "paused"
    waiting = len(dep.pending())
    assert waiting >= 10
    broker.start()
    dep.start_worker()
    time.sleep(3.5)  # the leases taken at commit run out
    dep.drain(relay_every=1)
    sent = no_message_twice(dep)
    asked = [m for m in dep.mail.messages if "Decision needed" in str(m["Subject"])]
    # the report's requests, to each body's signatory and deputy; the terms' requests were
    # no longer owed when the worker came to them (every body had approved the terms)
    assert len(asked) == 2 * len(BODIES)
    assert len(sent) == len(dep.deliveries())


def test_messages_lost_by_a_restarted_broker_are_sent_again_by_the_relay(
    dep: Deployment, broker: PrivateRedis
) -> None:
    create(dep.rt)
    register_terms(dep.rt, "mappa")
    assert broker.queued(dep.env["CJJI_QUEUE"]) > 0, "published, waiting for a worker"
    broker.stop()  # nothing on disk: every queued message is gone
    broker.start()
    assert broker.queued(dep.env["CJJI_QUEUE"]) == 0
    dep.start_worker()
    time.sleep(3.5)
    dep.drain(relay_every=1)
    no_message_twice(dep)
    assert len(dep.mail.messages) == 2 * len(BODIES)  # each body: signatory and deputy


def _first_request_received(dep: Deployment) -> CeleryProcess:
    """Wiped tables, one worker of one pool process, and a work stream whose terms of
    reference were just registered: returns once the worker has received the first
    decision request (which the deployment's ``fault_pause_before_send`` holds)."""
    wipe(dep.rt)
    worker = dep.start_worker(concurrency=1)
    create(dep.rt)
    register_terms(dep.rt, "mappa")
    worker.wait_for("received", timeout=30)
    return worker


def test_a_worker_process_killed_mid_task_runs_the_task_again_and_sends_each_message_once(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, broker: PrivateRedis
) -> None:
    with make_deployment(
        pg_database,
        tmp_path,
        utc_now,
        mail_catcher,
        broker_url=broker.url,
        lease_seconds=60,
        fault_pause_before_send=4,
    ) as dep:
        worker = _first_request_received(dep)  # and held for 4 s before sending
        time.sleep(1)
        (child,) = worker.pool_pids()
        os.kill(child, signal.SIGKILL)
        worker.wait_for("WorkerLostError", timeout=30)
        dep.drain(timeout=120)  # no relay: the broker redelivers the rejected message
        no_message_twice(dep)
        assert len(dep.mail.messages) == 2 * len(BODIES)
        wipe(dep.rt)


def test_a_whole_worker_killed_mid_task_loses_nothing_once_another_worker_starts(
    pg_database: str, tmp_path: Path, mail_catcher: MailCatcher, broker: PrivateRedis
) -> None:
    # Each message is held 2 s before it is sent, so the kill falls before the send, as
    # in the pool process's test above: a kill inside a message's window (the server has
    # it, its delivery row is not yet committed) may repeat it, as docs/reliability.md
    # says, and a kill at "received" alone landed there in one run of many.
    with make_deployment(
        pg_database,
        tmp_path,
        utc_now,
        mail_catcher,
        broker_url=broker.url,
        lease_seconds=3,
        fault_pause_before_send=2,
    ) as dep:
        worker = _first_request_received(dep)
        time.sleep(0.5)
        worker.kill()
        dep.start_worker(concurrency=2)
        time.sleep(3.5)  # the leases taken at commit run out
        dep.drain(relay_every=1, timeout=120)
        no_message_twice(dep)
        assert len(dep.mail.messages) == 2 * len(BODIES)
        wipe(dep.rt)
