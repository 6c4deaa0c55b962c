"""The app factory: the API under /api, the web pages, OpenAPI at /docs, composed from
the two entry points (which never import each other).

``create_app(runtime)`` builds everything from the runtime it is given and does no I/O
of its own, so tests hand it their databases and `cjji serve` the configured ones.
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from workflow.adapters import logs
from workflow.api import audit, deadlines, meta, people, plans, report, streams
from workflow.api.schemas import Problem
from workflow.bootstrap import Runtime
from workflow.http import errors
from workflow.http.asgi import HttpMiddleware
from workflow.http.request_log import RequestLog
from workflow.web.app import install as install_pages

PROBLEM_STATUSES = {
    400: "The request could not be read: its body is not valid JSON or form data.",
    401: "No valid API token was sent.",
    403: "Signed in, but not permitted to do this (the attempt is audited).",
    404: "No such work stream, user or document.",
    409: "Refused by the rules, a stale version, or changed by someone else.",
    422: "The request is not valid: `detail` and `errors` say what to fix.",
    429: "Too many failed sign-ins or token uses: wait `Retry-After` seconds.",
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
        docs_url=None,  # served below, from local assets, under the usual CSP
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.rt = runtime
    errors.install(app)
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
        plans.router,
    )
    for router in routers:
        app.include_router(router, responses=responses)

    install_pages(app)
    install_docs(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog)  # outermost: its id covers everything inside
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    return app


#: Swagger UI's script and style sheet, shipped by the fastapi-offline package.
DOCS_ASSETS = Path(str(resources.files("fastapi_offline") / "static"))
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cjji-workflow API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs-assets/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs, from assets this server serves: nothing is fetched from
    elsewhere at run time (a CDN would be one more party to trust, and offline the page
    would be blank), and the page keeps the same strict CSP as the others."""
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)


#: What no page of ours uses: the browser refuses it to any script.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders(HttpMiddleware):
    """The same headers on every answer, pages, API and /docs alike: a strict CSP (a
    per-request nonce for our one inline script), no referrer (links carry tokens), no
    framing, a Permissions-Policy refusing what no page uses, and HSTS when the service's
    public address is https."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _security_headers(scope, path, nonce):
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _security_headers(scope: Scope, path: str, nonce: str) -> list[tuple[str, str]]:
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        (
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    ]
    app = scope.get("app")
    rt = getattr(getattr(app, "state", None), "rt", None)
    if rt is not None and rt.settings.public_url.startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    if path.startswith(("/api", "/sign-in", "/decide", "/streams", "/audit")):
        headers.append(("Cache-Control", "no-store"))
    return headers


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
