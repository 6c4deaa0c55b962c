"""Structured logs: the correlation id of one HTTP request is on every line of the
request, of its command, on the outbox row it wrote, and on the real worker's lines for
that row's deliveries, with the work stream and the actor; no secret and no message
body reaches a line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import col, select

from tests.api.helpers import api
from tests.integration.walk import agree_terms, create
from tests.support.deployment import Deployment
from workflow.adapters import logs
from workflow.store.tables import OutboxRow

pytest_plugins = ["tests.support.fixtures_worker"]

CORRELATION = "drill-0001"
LEADER = "lead.hmiprobation"  # an inspector of the lead body, with an API token


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """This process's log lines, as the server writes them when not on a terminal."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    logs.configure("INFO", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue  # Celery's banner, which is not a log line
        if isinstance(parsed, dict):
            out.append(parsed)
    return out


def test_one_correlation_id_from_the_request_to_the_workers_deliveries(
    deployment: Deployment, captured: io.StringIO
) -> None:
    rt = deployment.rt
    create(rt)
    agree_terms(rt, "mappa")
    deployment.drain(relay_every=1)
    client = api(rt, LEADER)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    deployment.mail.clear()

    moved = client.post(
        "/api/streams/mappa/transitions",
        json={"trigger": "start_fieldwork"},
        headers={logs.CORRELATION_HEADER: CORRELATION},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers[logs.CORRELATION_HEADER] == CORRELATION

    web = [line for line in json_lines(captured.getvalue()) if line.get("correlation_id")]
    events = {line["event"] for line in web if line["correlation_id"] == CORRELATION}
    assert {"command done", "request"} <= events
    for line in web:
        if line["correlation_id"] == CORRELATION:
            assert (line["actor"], line["stream_ref"]) == (LEADER, "mappa"), line
    assert token not in captured.getvalue()

    with rt.read() as session:
        rows = list(
            session.exec(select(OutboxRow).where(col(OutboxRow.correlation_id) == CORRELATION))
        )
    assert rows and all(row.actor == LEADER for row in rows)

    deployment.drain(relay_every=1)
    (worker,) = deployment.workers
    mine = [
        line
        for line in json_lines("".join(worker.output))
        if line.get("outbox_id") in {row.id for row in rows}
    ]
    delivered = [line for line in mine if line["event"] == "message delivered"]
    assert len(delivered) == len(deployment.mail.messages) > 0
    for line in mine:
        assert line["correlation_id"] == CORRELATION, line
        assert (line["actor"], line["stream_ref"]) == (LEADER, "mappa"), line
    # What the messages said stays out of the logs.
    for message in deployment.mail.messages:
        body = message.get_content().strip().splitlines()
        assert not any(text.strip() and text in "".join(worker.output) for text in body[2:6])


def test_secrets_are_hidden_whatever_logs_them(captured: io.StringIO) -> None:
    log = logs.get_logger("cjji.test")
    with logs.bound(correlation_id="c-1", actor="admin"):
        log.warning("signed in", password="hunter2", token="abc", body="Dear Ann")
    (line,) = json_lines(captured.getvalue())
    assert line["correlation_id"] == "c-1" and line["actor"] == "admin"
    assert {line["password"], line["token"], line["body"]} == {logs.REDACTED}
    assert "hunter2" not in captured.getvalue() and "Dear Ann" not in captured.getvalue()


def test_an_odd_request_id_is_replaced(captured: io.StringIO) -> None:
    assert logs.correlation_id_from("fine-id_1.2") == "fine-id_1.2"
    assert logs.correlation_id_from('{"x": 1}\n') != '{"x": 1}\n'
    assert len(logs.correlation_id_from(None)) == 32
