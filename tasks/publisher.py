"""Handing committed outbox rows to the broker. Best effort: the relay covers failures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from celery import Celery

from config.settings import Settings
from tasks.app import app, celery_config
from workflow.store.tables import OutboxRow

log = logging.getLogger("cjji.outbox")

RowPublisher = Callable[[Sequence[OutboxRow]], int]


def publisher_for(celery: Celery) -> RowPublisher:
    def publish(rows: Sequence[OutboxRow]) -> int:
        """Send each row as a task whose id is the row's id; returns how many were sent.

        A broker that is down costs a delay, never a message: each row stays in the outbox
        and the relay sends it again once its lease runs out.
        """
        sent = 0
        for row in rows:
            try:
                celery.send_task(
                    row.task,
                    args=[row.id],
                    task_id=row.id,
                    queue=celery.conf.task_default_queue,
                    retry=False,
                )
            except Exception as error:  # any broker failure means "later"
                log.warning(
                    "broker unreachable (%s): %d message(s) left for the relay",
                    error,
                    len(rows) - sent,
                )
                return sent
            sent += 1
        return sent

    return publish


def celery_for(settings: Settings) -> Celery:
    """A client-only Celery app for another deployment's settings (tools and tests)."""
    client = Celery("cjji-client", set_as_current=False)
    client.conf.update(celery_config(settings))
    return client


publish_rows = publisher_for(app)


def celery_publisher(rows: Sequence[OutboxRow]) -> object:
    """The publisher entry points give :func:`workflow.bootstrap.bootstrap`."""
    return publish_rows(rows)
