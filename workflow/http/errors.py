"""Errors as RFC 9457 problem details (``application/problem+json``).

Each engine error maps to one status; its message, which already says what is wrong and
what to do, becomes ``detail``. A refused attempt (403, or a move the rules refuse) is
written to the audit trail before the answer goes out.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from workflow.application import authentication as access
from workflow.application.authentication import Throttled, Unauthenticated
from workflow.bootstrap import Runtime
from workflow.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    NotPermitted,
    Refused,
    StaleVersion,
    TransitionRefused,
    WorkflowError,
)

log = logging.getLogger("cjji.api")
PROBLEM_JSON = "application/problem+json"

#: (error class, status, slug, title), most specific first.
KINDS: tuple[tuple[type[WorkflowError], int, str, str], ...] = (
    (Unauthenticated, 401, "unauthenticated", "Sign-in needed"),
    (Throttled, 429, "too-many-attempts", "Too many failed attempts"),
    (NotFound, 404, "not-found", "Not found"),
    (NotPermitted, 403, "not-permitted", "Not permitted"),
    (TransitionRefused, 409, "transition-refused", "Move refused"),
    (StaleVersion, 409, "stale-version", "Decision on an old version"),
    (Refused, 409, "refused", "Refused by the rules"),
    (Conflict, 409, "conflict", "Changed by someone else"),
    (InvalidInput, 422, "invalid-input", "Invalid input"),
    (WorkflowError, 400, "bad-request", "Bad request"),
)
HTTP_TITLES = {
    400: "Bad request",
    401: "Sign-in needed",
    403: "Not permitted",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many failed attempts",
    500: "Internal error",
}


#: Paths machines read (the API, probes, the scraper): their errors are problem+json.
MACHINE_PATHS = ("/api", "/metrics", "/readyz", "/healthz")


def classify(error: WorkflowError) -> tuple[int, str, str]:
    return next((s, slug, t) for kind, s, slug, t in KINDS if isinstance(error, kind))


def problem(
    status: int,
    detail: str,
    instance: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:cjji:problem:{slug or status}",
        "title": title or HTTP_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def audit_if_refused(rt: Runtime, request: Request, error: WorkflowError) -> None:
    """Refusals by permission or by the rules are written down; bad input and 404s are
    not. A signed-in person's go on the audit trail (``access_refused`` or
    ``rule_refused``); anyone else's (a form without its CSRF token) to the security log."""
    if not isinstance(error, Refused):
        return
    try:
        access.record_refusal(
            rt,
            getattr(request.state, "principal", None),
            str(error),
            what=f"{request.method} {request.url.path}",
            stream_key=request.path_params.get("key"),
            source=request.client.host if request.client else None,
            by_rule=not isinstance(error, NotPermitted),
            kind="form",
        )
    except WorkflowError:  # the audit must not turn a clear refusal into a 500
        log.exception("could not audit a refusal")


def install(app: FastAPI) -> None:
    """Answer every error of the API's paths as problem+json. The runtime is the app's
    (``app.state.rt``), read at each error as the routes read it."""

    @app.exception_handler(WorkflowError)
    async def _workflow_error(request: Request, error: WorkflowError) -> Any:
        # The audit writes to the database: off the event loop, like the routes.
        await run_in_threadpool(audit_if_refused, request.app.state.rt, request, error)
        status, slug, title = classify(error)
        headers = {"WWW-Authenticate": 'Bearer realm="cjji"'} if status == 401 else None
        if isinstance(error, Throttled):
            headers = {"Retry-After": str(error.retry_after)}
        return _answer(request, status, str(error), slug=slug, title=title, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Any:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return _answer(
            request,
            422,
            f"the request is not valid: {detail}",
            slug="invalid-input",
            title="Invalid input",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Any:
        detail = str(error.detail) if error.detail else HTTP_TITLES.get(error.status_code, "")
        if error.status_code == 404:
            detail = f"nothing at {request.url.path}: see /docs for the API's paths"
        elif error.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}: see /docs"
        return _answer(request, error.status_code, detail, headers=dict(error.headers or {}))

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "something went wrong on our side and nothing was changed: try again, and "
            "tell the service's administrators if it happens again",
            request.url.path,
            slug="internal",
        )


def _answer(request: Request, status: int, detail: str, **kwargs: Any) -> Any:
    """problem+json for the API; for a browser page, the HTML error page."""
    handler = getattr(request.app.state, "page_error", None)
    if handler is not None and not request.url.path.startswith(MACHINE_PATHS):
        return handler(request, status, detail)
    return problem(status, detail, request.url.path, **kwargs)
