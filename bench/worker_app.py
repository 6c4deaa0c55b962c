"""The Celery app of benchmark workers: the project's :data:`tasks.app.app`, with every task
of :mod:`tasks.jobs`, plus one bench-only task.

:class:`bench.common.Worker` starts ``celery -A bench.worker_app worker``. The app's tasks
run exactly as in production (this module only adds to the registry); ``bench.ping`` is the
raw baseline of the sign-off latency and the readiness check of every benchmark worker.
"""

from __future__ import annotations

from functools import cache

import redis

from config.settings import get_settings
from tasks.app import app

__all__ = ["app", "ping"]

#: A ping reply nobody collects (a benchmark that died) expires instead of lingering.
REPLY_TTL_SECONDS = 60


@cache
def _redis() -> redis.Redis:
    # One connection per pool process, made after the fork, on the broker's own Redis.
    return redis.Redis.from_url(get_settings().broker_url)


@app.task(name="bench.ping")
def ping(reply_to: str) -> None:
    """Push onto the Redis list ``reply_to``: results are ignored in the app's
    configuration, so the caller waits on that list (``BLPOP``) instead of a result."""
    with _redis().pipeline(transaction=False) as pipe:  # one round trip to Redis
        pipe.lpush(reply_to, "pong")
        pipe.expire(reply_to, REPLY_TTL_SECONDS)
        pipe.execute()
