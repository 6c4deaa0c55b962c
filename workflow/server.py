"""The app factory: the API under /api, the web pages, OpenAPI at /docs, composed from
the two entry points (which never import each other).

``create_app(runtime)`` builds everything from the runtime it is given and does no I/O
of its own, so tests hand it their databases and `cjji serve` the configured ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi

from workflow.adapters import logs
from workflow.api import audit, deadlines, meta, people, report, streams
from workflow.api.schemas import Problem
from workflow.bootstrap import Runtime
from workflow.http import errors
from workflow.http.request_log import log_requests
from workflow.web.app import install as install_pages

PROBLEM_STATUSES = {
    400: "The request could not be read: its body is not valid JSON or form data.",
    401: "No valid API token was sent.",
    403: "Signed in, but not permitted to do this (the attempt is audited).",
    404: "No such work stream, user or document.",
    409: "Refused by the rules, a stale version, or changed by someone else.",
    422: "The request is not valid: `detail` and `errors` say what to fix.",
}
DESCRIPTION = """
The workflow engine for criminal justice joint inspections: the same use cases as the
`cjji` command, over HTTP.

Authenticate with an API token (`cjji tokens create USERNAME --label WHAT`, or
`POST /api/tokens`) sent as `Authorization: Bearer TOKEN`. Every error is RFC 9457
problem details (`application/problem+json`) whose `detail` says what to do.
"""


def create_app(runtime: Runtime | None = None) -> FastAPI:
    if runtime is None:  # `uvicorn --factory workflow.server:create_app`
        from tasks.publisher import celery_publisher
        from workflow.bootstrap import bootstrap

        runtime = bootstrap(publisher=celery_publisher)
        logs.configure("INFO")  # a served app: structured lines on stderr
    app = FastAPI(
        title="cjji-workflow",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.rt = runtime
    errors.install(app, runtime)
    responses: dict[int | str, dict[str, Any]] = {
        status: {"description": text} for status, text in PROBLEM_STATUSES.items()
    }
    routers = (
        streams.router,
        report.router,
        report.registry,
        deadlines.router,
        audit.router,
        people.router,
        meta.router,
    )
    for router in routers:
        app.include_router(router, responses=responses)

    install_pages(app, runtime)
    app.middleware("http")(security_headers)
    app.middleware("http")(log_requests)  # outermost: its id covers everything inside
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    return app


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """A CSP with a per-request nonce for our one inline script, and the usual headers."""
    nonce = secrets.token_urlsafe(16)
    request.state.csp_nonce = nonce
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # links carry tokens
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.url.path.startswith("/docs"):  # Swagger UI loads its own scripts
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
    if request.url.path.startswith(("/api", "/sign-in", "/decide", "/streams", "/audit")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with every error response described as problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    problem_content = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = problem_content
                    response["description"] = PROBLEM_STATUSES.get(
                        int(status), response.get("description", "")
                    )
    app.openapi_schema = schema
    return schema
