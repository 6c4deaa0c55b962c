"""The worker's and beat's heartbeats: a thread in each main process writes a row every
``CJJI_HEARTBEAT_EVERY_SECONDS`` (:mod:`workflow.application.jobs.heartbeats`).

A killed worker or beat stops writing, and ``/readyz`` and the health page notice once
the row is older than ``CJJI_HEARTBEAT_LATE_SECONDS``. The thread uses an engine of its
own without a pool, so the worker's forked pool processes inherit no connection of it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from celery.signals import beat_init, worker_ready

log = logging.getLogger("cjji.heartbeat")


def _beating(name: str) -> None:
    from sqlalchemy.pool import NullPool

    from config.settings import get_settings
    from workflow.application.jobs.heartbeats import record
    from workflow.store.db import make_engine

    settings = get_settings()
    engine = make_engine(settings.database_url, poolclass=NullPool)
    while True:
        try:
            record(engine, name, datetime.now(UTC))
        except Exception as error:  # the database is away: say so, and try again later
            log.warning("heartbeat %s not recorded: %s", name, error)
        time.sleep(settings.heartbeat_every_seconds)


def start(name: str) -> None:
    threading.Thread(target=_beating, args=(name,), name=f"heartbeat {name}", daemon=True).start()


@worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    from workflow.application.jobs.heartbeats import WORKER_PREFIX

    start(WORKER_PREFIX + str(getattr(sender, "hostname", "worker")))


@beat_init.connect
def _beat_init(sender: Any = None, **_: Any) -> None:
    from workflow.application.jobs.heartbeats import BEAT

    start(BEAT)
