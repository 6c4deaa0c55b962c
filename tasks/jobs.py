"""Celery tasks: thin, idempotent, keyed by outbox row id. The application's jobs do the work."""

from __future__ import annotations

import logging

from tasks.app import app
from tasks.publisher import publish_rows
from tasks.runtime import channel, worker_runtime
from workflow.application.jobs import (
    checkpoints,
    delivery,
    heartbeats,
    housekeeping,
    outbox,
    reminders,
)
from workflow.notifications import DeliveryFailed

log = logging.getLogger("cjji.tasks")


def _deliver(outbox_id: str) -> int:
    try:
        return delivery.deliver(worker_runtime(), channel(), outbox_id)
    except DeliveryFailed as error:
        # Not retried here: the row stays in the outbox and the relay hands it out again
        # when its lease runs out, with a longer lease each time.
        log.warning("delivery for %s failed, the relay will retry: %s", outbox_id, error)
        return 0


@app.task(name="cjji.notify_team")
def notify_team(outbox_id: str) -> int:
    return _deliver(outbox_id)


@app.task(name="cjji.request_decision")
def request_decision(outbox_id: str) -> int:
    return _deliver(outbox_id)


@app.task(name="cjji.send_embargo")
def send_embargo(outbox_id: str) -> int:
    """Mail each recipient of the embargoed copy their own signed link, once each."""
    return _deliver(outbox_id)


@app.task(name="cjji.account_locked")
def account_locked(outbox_id: str) -> int:
    """Tell an account's owner that failed sign-ins have locked it."""
    return _deliver(outbox_id)


@app.task(name="cjji.relay_outbox")
def relay_outbox() -> int:
    rt = worker_runtime()
    with heartbeats.timed(rt.engine, heartbeats.RELAY, rt.clock):
        return outbox.relay(rt, publish_rows)


@app.task(name="cjji.send_reminder")
def send_reminder(outbox_id: str) -> int:
    return _deliver(outbox_id)


@app.task(name="cjji.sweep_reminders")
def sweep_reminders() -> int:
    """Remind of what is due now; beat runs it every few minutes. Idempotent: each reminder
    is claimed once in the database, so a repeat or a second beat sends nothing again."""
    rt = worker_runtime()
    with heartbeats.timed(rt.engine, heartbeats.SWEEP, rt.clock):
        return reminders.sweep(rt).messages


@app.task(name="cjji.sign_checkpoint")
def sign_checkpoint() -> int:
    """Sign a checkpoint of the audit tree; beat runs it every CJJI_CHECKPOINT_EVERY_SECONDS.
    Idempotent: with no new event the last checkpoint stands. Returns the tree size."""
    return checkpoints.make_checkpoint(worker_runtime()).checkpoint.checkpoint.size


@app.task(name="cjji.purge_sessions")
def purge_sessions() -> int:
    """Delete ended sessions, expired links' uses and old security-log rows (beat, hourly)."""
    done = housekeeping.purge(worker_runtime())
    return done.sessions + done.links + done.log_rows
