"""Helpers for the API and page tests: an app on a test runtime, people with passwords
and tokens, and a browser-like client that signs in through the real form."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.acting import send
from workflow.application.authentication import IssuedToken
from workflow.application.commands import CreateToken, ImportProgramme, SetPassword
from workflow.application.principal import Actor, engine_principal
from workflow.bootstrap import Runtime
from workflow.server import create_app

PROGRAMME = Path(__file__).resolve().parents[2] / "config/programmes/cjji-2021-23.yaml"
PASSWORD = "correct horse battery staple"
SETUP = Actor("test set-up", None)
#: The engine, for the set-up of a test (loading people, importing the programme).
SETUP_ENGINE = engine_principal(SETUP.name)
#: Who gives people their passwords and tokens in a test: the directory's administrator.
ADMIN = "admin"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


#: The test process's one app (see ``app_for``).
_app: FastAPI | None = None


def app_for(rt: Runtime) -> FastAPI:
    """The app, on ``rt``. FastAPI builds an included router's route state (each route's
    dependencies and models) on an app's first request through it: 0.07–0.2 s of CPU for
    each new app here, and about a sixth of the CPU of the page and API tests when each
    test made its own (py-spy, 4 December). So the test process makes one app and points
    it at the runtime of the test that asks: the routes and error handlers read the
    runtime from the app's state at each request, as the fuzzing's app does. Clients made
    on two runtimes at once would share the later one's; no test does that."""
    global _app
    if _app is None:
        _app = create_app(rt)
    elif _app.state.rt is not rt:
        _app.state.rt = rt
        _app.state.metrics = None  # made on first scrape, for the runtime of that moment
    return _app


def api(rt: Runtime, username: str | None = None) -> TestClient:
    """A client of the API, with ``username``'s token if one is given."""
    client = TestClient(app_for(rt), raise_server_exceptions=True)
    if username is not None:
        token = token_for(rt, username, f"test token of {username}").token
        client.headers["Authorization"] = f"Bearer {token}"
    return client


def token_for(rt: Runtime, username: str, label: str, days: int | None = None) -> IssuedToken:
    """An API token for ``username``, issued by the administrator."""
    issued: IssuedToken = send(rt, ADMIN, CreateToken(username=username, label=label, days=days))
    return issued


def import_programme(rt: Runtime) -> None:
    rt.handle(ImportProgramme(path=PROGRAMME), SETUP_ENGINE)


def with_password(rt: Runtime, *usernames: str) -> None:
    for username in usernames:
        send(rt, ADMIN, SetPassword(username=username, password=PASSWORD))


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def browser(rt: Runtime, username: str | None = None) -> TestClient:
    """A client that keeps cookies like a browser, signed in through the sign-in form."""
    client = TestClient(app_for(rt), follow_redirects=False)
    if username is not None:
        with_password(rt, username)
        page = client.get("/sign-in")
        done = client.post(
            "/sign-in",
            data={
                "username": username,
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
                "next": "/programme",
            },
        )
        assert done.status_code == 303, done.text
    return client
