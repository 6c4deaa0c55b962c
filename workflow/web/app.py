"""Adding the pages to the app: templates, the vendored GOV.UK Frontend assets, the
sign-in redirect and the HTML error page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from workflow.web import (
    followup_pages,
    health_pages,
    journey_pages,
    pages,
    plan_document_pages,
    plan_pages,
    register_pages,
)
from workflow.web.auth import SignInNeeded
from workflow.web.rendering import render, templates

STATIC = Path(__file__).with_name("static")
TITLES = {
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Page not found",
    409: "That was refused",
    422: "There is a problem with what was sent",
}


def install(app: FastAPI) -> None:
    app.state.templates = templates()
    app.state.page_error = page_error
    # The GOV.UK Frontend CSS asks for /assets/…; everything else of ours is under /static.
    app.mount("/assets", StaticFiles(directory=STATIC / "govuk" / "assets"), name="assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        pages,
        journey_pages,
        followup_pages,
        register_pages,
        plan_document_pages,
        plan_pages,
        health_pages,
    ):
        app.include_router(module.router)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, error: SignInNeeded) -> Response:
        from urllib.parse import urlencode

        return RedirectResponse(f"/sign-in?{urlencode({'next': error.next_path})}", 303)


def page_error(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"title": TITLES.get(status, "Something went wrong"), "detail": detail, "status": status},
        status_code=status,
    )
