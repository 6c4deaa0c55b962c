"""Structured logs: one JSON object a line when not on a terminal, readable columns when
on one; every line carries the correlation id, the work stream ref and the actor bound
for what is being done.

The three travel in context variables (structlog's contextvars): an HTTP request binds
a correlation id (its ``X-Request-ID``, or a new one) and the bus binds the actor and
the work stream of each command; the unit of work stores the correlation id and the
actor on every outbox row it writes, and the worker binds them again, from the row,
around the task that delivers it. The standard library's loggers (ours, Celery's,
uvicorn's) go through the same processors, so their lines carry them too.

Secrets and message bodies are never logged: values under the names in ``HIDDEN`` are
replaced before a line is written.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO

import structlog
from structlog.contextvars import bind_contextvars, bound_contextvars, get_contextvars
from structlog.typing import Processor

#: The header that carries a request's correlation id, in and out.
CORRELATION_HEADER = "X-Request-ID"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: Names whose values never reach a log line.
HIDDEN = frozenset(
    {
        "authorization",
        "body",
        "content",
        "cookie",
        "csrf_token",
        "notify_api_key",
        "password",
        "secret",
        "secret_key",
        "token",
    }
)
REDACTED = "[hidden]"


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id_from(header: str | None) -> str:
    """The caller's id if it is a plain short token; otherwise a new one (a header is
    outside input: it must not put anything odd into the logs)."""
    if header and _GOOD_ID.match(header):
        return header
    return new_correlation_id()


def current() -> dict[str, Any]:
    """What is bound now: ``correlation_id``, ``stream_ref``, ``actor``… (may be empty)."""
    return dict(get_contextvars())


def bind(**values: Any) -> None:
    bind_contextvars(**{k: v for k, v in values.items() if v is not None})


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind ``values`` for the lines written inside the block, and unbind them after."""
    with bound_contextvars(**{k: v for k, v in values.items() if v is not None}):
        yield


def get_logger(name: str) -> Any:
    """A structlog logger over the standard library's ``name``: its lines go wherever
    :func:`configure` sent them (nowhere below WARNING before it is called), and a
    level not enabled costs one check."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def hide_secrets(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    for key in list(event):
        if key.lower() in HIDDEN:
            event[key] = REDACTED
    return event


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        hide_secrets,
    ]


def configure(
    level: str | int = "INFO", *, stream: TextIO | None = None, json: bool | None = None
) -> None:
    """Send every log line, ours and the libraries', through one handler on ``stream``
    (stderr): JSON unless the stream is a terminal."""
    stream = stream or sys.stderr
    if json is None:
        json = not (hasattr(stream, "isatty") and stream.isatty())
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.set_name("cjji")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "cjji"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
