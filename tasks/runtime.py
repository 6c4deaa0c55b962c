"""The worker's runtime and channel, built once per process on first use (after fork)."""

from __future__ import annotations

from functools import cache

from config.settings import get_settings
from workflow.bootstrap import Runtime, bootstrap
from workflow.notifications import Channel, channel_from_settings


@cache
def worker_runtime() -> Runtime:
    from tasks.publisher import publish_rows

    return bootstrap(get_settings(), publisher=publish_rows)


@cache
def channel() -> Channel:
    return channel_from_settings(get_settings())
