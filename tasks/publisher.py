"""Handing committed outbox rows to the broker. Best effort: the relay covers failures."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from tasks.app import app
from workflow.store.tables import OutboxRow

log = logging.getLogger("cjji.outbox")


def publish_rows(rows: Sequence[OutboxRow]) -> int:
    """Send each row as a task whose id is the row's id; returns how many were sent.

    A broker that is down costs a delay, never a message: each row stays in the outbox
    and the relay sends it again once its lease runs out.
    """
    sent = 0
    for row in rows:
        try:
            app.send_task(
                row.task,
                args=[row.id],
                task_id=row.id,
                queue=app.conf.task_default_queue,
                retry=False,
            )
        except Exception as error:
            log.warning(
                "broker unreachable (%s): %d message(s) left for the relay", error, len(rows) - sent
            )
            return sent
        sent += 1
    return sent
