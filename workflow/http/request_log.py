"""Each request's correlation id, and one log line per request.

The id is the caller's ``X-Request-ID`` when it is a plain short token, else a new one;
it is bound for every line written while the request is handled (and so stored on the
outbox rows it writes), and sent back in the response's ``X-Request-ID``. The line names
the route's template, never its path: a signed sign-off link is a secret in a path.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from structlog.contextvars import clear_contextvars

from workflow.adapters import logs

log = logs.get_logger("cjji.http")


async def log_requests(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    clear_contextvars()
    correlation_id = logs.correlation_id_from(request.headers.get(logs.CORRELATION_HEADER))
    logs.bind(correlation_id=correlation_id)
    started = time.perf_counter()
    status = 500  # unless a response says otherwise
    try:
        response = await call_next(request)
        status = response.status_code
        response.headers[logs.CORRELATION_HEADER] = correlation_id
        return response
    finally:
        who = getattr(request.state, "principal", None)
        log.info(
            "request",
            method=request.method,
            route=getattr(request.scope.get("route"), "path", "(no route)"),
            status=status,
            milliseconds=round((time.perf_counter() - started) * 1000, 1),
            actor=getattr(who, "username", None),
            stream_ref=request.path_params.get("key"),
        )
        clear_contextvars()
