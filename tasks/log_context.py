"""The worker's and beat's logs: structured (workflow/adapters/logs.py), and each task's
lines under the correlation id, work stream and actor of the outbox row it delivers.

The row carries them from the request or command that wrote it; a task that is not about
one row (the relay, the sweep) gets a correlation id of its own.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery.signals import setup_logging, task_postrun, task_prerun
from structlog.contextvars import clear_contextvars

from config.settings import get_settings
from workflow.adapters import logs
from workflow.bootstrap import Runtime, bootstrap
from workflow.store.tables import OutboxRow


@setup_logging.connect
def _setup_logging(loglevel: Any = "INFO", **_: Any) -> None:
    """Connected, so Celery leaves logging to us: one handler, structured lines."""
    logs.configure(loglevel or "INFO")


@cache
def _reader() -> Runtime:
    """A runtime to read outbox rows with (not tasks.runtime's: that one imports the
    publisher, which imports the Celery app, which imports this module)."""
    return bootstrap(get_settings())


def _row_context(outbox_id: str) -> dict[str, Any]:
    with _reader().read() as session:
        row = session.get(OutboxRow, outbox_id)
        if row is None:
            return {}
        return {
            "correlation_id": row.correlation_id,
            "stream_ref": row.stream_ref,
            "actor": row.actor,
        }


@task_prerun.connect
def _bind(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    clear_contextvars()
    bound: dict[str, Any] = {"task": getattr(task, "name", None)}
    if args and isinstance(args[0], str):
        bound["outbox_id"] = args[0]
        try:
            bound |= _row_context(args[0])
        except Exception:  # the database is away: the task says so itself
            bound["context"] = "outbox row not read"
    bound["correlation_id"] = bound.get("correlation_id") or logs.new_correlation_id()
    logs.bind(**bound)


@task_postrun.connect
def _unbind(**_: Any) -> None:
    clear_contextvars()
