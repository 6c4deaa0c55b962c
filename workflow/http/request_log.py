"""Each request's correlation id, and one log line per request.

The id is the caller's ``X-Request-ID`` when it is a plain short token, else a new one;
it is bound for every line written while the request is handled (and so stored on the
outbox rows it writes), and sent back in the response's ``X-Request-ID``. The line names
the route's template, never its path: a signed sign-off link is a secret in a path.
"""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send
from structlog.contextvars import clear_contextvars

from workflow.adapters import logs
from workflow.http.asgi import HttpMiddleware

log = logs.get_logger("cjji.http")
_HEADER = logs.CORRELATION_HEADER.lower().encode("latin-1")


class RequestLog(HttpMiddleware):
    """Binds the correlation id around the app, sends it back, and logs the request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        clear_contextvars()
        sent = dict(scope["headers"]).get(_HEADER)
        correlation_id = logs.correlation_id_from(sent.decode("latin-1") if sent else None)
        logs.bind(correlation_id=correlation_id)
        started = time.perf_counter()
        status = 500  # unless a response says otherwise

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[logs.CORRELATION_HEADER] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            who = getattr(scope.get("state", {}).get("principal"), "username", None)
            log.info(
                "request",
                method=scope["method"],
                route=getattr(scope.get("route"), "path", "(no route)"),
                status=status,
                milliseconds=round((time.perf_counter() - started) * 1000, 1),
                actor=who,
                stream_ref=scope.get("path_params", {}).get("key"),
            )
            clear_contextvars()
