"""Fuzzing the API from its own OpenAPI document with Schemathesis.

Every operation gets generated requests, valid and invalid, sent as an administrator and
again as a read-only person to the app on PostgreSQL (whose rules on text are the
stricter). Checks: no 500, every status and body as the document says, and every 4xx is
problem+json. The number of
examples is bounded (CJJI_FUZZ_EXAMPLES, default 15 per operation) to keep the run short.
"""

from __future__ import annotations

import os
from typing import Any

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
from tests.api.helpers import SETUP_ENGINE, app_for, token_for
from tests.integration.walk import create as create_stream
from tests.integration.walk import to_signoff
from workflow.application.commands import AddUsers
from workflow.bootstrap import Runtime
from workflow.server import create_app

EXAMPLES = int(os.environ.get("CJJI_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
pytestmark = pytest.mark.slow


READ_ONLY = {
    "username": "fuzz.reader",
    "name": "A read-only person",
    "email": "reader@example.org",
    "body": "HMCPSI",  # a body that takes no part in the work stream, too
    "roles": ["read_only"],
}


@pytest.fixture(params=["admin", "fuzz.reader"])
def fuzz_target(pg_rt: Runtime, request: pytest.FixtureRequest) -> dict[str, Any]:
    """One work stream at joint sign-off, and the token of an administrator or of a
    read-only person of a body that takes no part in it."""
    create_stream(pg_rt, "fuzz-target")
    to_signoff(pg_rt, "fuzz-target")
    pg_rt.handle(AddUsers(people=(READ_ONLY,)), SETUP_ENGINE)
    issued = token_for(pg_rt, request.param, "fuzzing")
    return {"app": app_for(pg_rt), "token": issued.token, "token_id": issued.id}


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document. It depends on no database, so an app on an unused
    in-memory one gives it (schemathesis's lazy fixture loader does not run on pytest 9)."""
    settings_ = Settings(database_url="sqlite://", _env_file=None)
    document: dict[str, Any] = create_app(Runtime(settings_, create_engine("sqlite://"))).openapi()
    return document


schema = schemathesis.openapi.from_dict(openapi_document())


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
