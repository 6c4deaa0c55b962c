"""Fuzzing the API from its own OpenAPI document with Schemathesis.

Every operation gets generated requests, valid and invalid, sent as an administrator and
again as a read-only person to the app on PostgreSQL (whose rules on text are the
stricter). Checks: no 500, every status and body as the document says, and every 4xx is
problem+json. The number of
examples is bounded (CJJI_FUZZ_EXAMPLES, default 15 per operation) to keep the run short.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from config.settings import Settings
from tests.api.helpers import SETUP_ENGINE, token_for
from tests.conftest import PG_ADMIN_URL, Clock, empty_pg_database, runtime_for
from tests.integration.walk import create as create_stream
from tests.integration.walk import to_signoff
from workflow.application.commands import AddUsers
from workflow.bootstrap import Runtime
from workflow.server import create_app
from workflow.store.db import engine_for
from workflow.store.migrate import upgrade

EXAMPLES = int(os.environ.get("CJJI_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Coverage's tracer is off: each operation has tests of its own that are measured
# (tests/api/test_operations_api.py and the rest); the fuzzing sends thousands of
# requests through the same lines (docs/testing.md, "Coverage's tracer off").
pytestmark = [pytest.mark.slow, pytest.mark.untraced]
#: The tests' clock starts where the `clock` fixture's does: the tokens are fresh.
START = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
#: Each person fuzzed as: their token and its id.
Tokens = dict[str, tuple[str, int]]


READ_ONLY = {
    "username": "fuzz.reader",
    "name": "A read-only person",
    "email": "reader@example.org",
    "body": "HMCPSI",  # a body that takes no part in the work stream, too
    "roles": ["read_only"],
}


@pytest.fixture(scope="session")
def fuzz_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Tokens]]:
    """A PostgreSQL database made once per session (xdist worker): one work stream at
    joint sign-off, and the tokens of an administrator and of a read-only person of a body
    that takes no part in it. Each test fuzzes a copy of it, so no test sees another's
    changes, and the walk to sign-off is paid once, not once a test."""
    with empty_pg_database("cjji_fuzz_template") as url:
        upgrade(engine_for(url))
        rt = runtime_for(url, Clock(START), tmp_path_factory.mktemp("fuzz-template"))
        create_stream(rt, "fuzz-target")
        to_signoff(rt, "fuzz-target")
        rt.handle(AddUsers(people=(READ_ONLY,)), SETUP_ENGINE)
        tokens = {who: token_for(rt, who, "fuzzing") for who in ("admin", "fuzz.reader")}
        # A template database must have no one connected: the pools are closed, and any
        # connection a set-up step left checked out is ended by the server.
        for writer in (True, False):
            engine_for(url, writer).dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (url.rsplit("/", 1)[1],),
            )
        yield url, {who: (issued.token, issued.id) for who, issued in tokens.items()}


@pytest.fixture(params=["admin", "fuzz.reader"])
def fuzz_target(
    fuzz_template: tuple[str, Tokens], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[dict[str, Any]]:
    """The test's own copy of the template, and the token of the person it fuzzes as."""
    template, tokens = fuzz_template
    with empty_pg_database("cjji_fuzz", template=template) as url:
        # The module's one app, pointed at this test's copy: the routes and error handlers
        # read the runtime from the app's state at each request. A new app per test would
        # build every router's route state again on its first requests (about 0.1 s).
        APP.state.rt = runtime_for(url, Clock(START), tmp_path)
        token, token_id = tokens[request.param]
        yield {"app": APP, "token": token, "token_id": token_id}


#: The app the tests fuzz, on an unused in-memory database until a test points it at its
#: copy. Its OpenAPI document depends on no database (schemathesis's lazy fixture loader,
#: which could take it from a fixture, does not run on pytest 9).
APP = create_app(
    Runtime(Settings(database_url="sqlite://", _env_file=None), create_engine("sqlite://"))
)
schema = schemathesis.openapi.from_dict(APP.openapi())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_generated_requests_as_its_schema_says(
    case: Any, fuzz_target: dict[str, Any]
) -> None:
    if case.path_parameters and case.path_parameters.get("token_id") == fuzz_target["token_id"]:
        # Revoking the token the fuzzer signs in with would end the run's authentication.
        case.path_parameters["token_id"] = fuzz_target["token_id"] + 100_000
    response = case.call_and_validate(
        app=fuzz_target["app"],
        headers={"Authorization": f"Bearer {fuzz_target['token']}"},
        checks=CHECKS,
    )
    if 400 <= response.status_code < 500:
        assert response.headers["content-type"][0].startswith("application/problem+json")
        problem = response.json()
        assert {"type", "title", "status", "detail", "instance"} <= set(problem)
        assert problem["status"] == response.status_code
