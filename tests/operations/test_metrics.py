"""/metrics: the engine's numbers move as a work stream is walked, for the scrape token or
an administrator only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.api.helpers import api, app_for, token_for
from tests.integration.walk import approve_all, create, to_signoff
from workflow.bootstrap import Runtime

SCRAPE = "scrape-token-for-the-test"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when it is not there)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    found = re.search("^" + pattern + "$", text, re.M)
    return float(found.group(1)) if found else 0.0


def moves(text: str) -> float:
    return sum(float(v) for v in re.findall(r"^cjji_transitions_total\{[^}]*\} (\S+)$", text, re.M))


def scraper(rt: Runtime) -> TestClient:
    rt.settings.metrics_token = SecretStr(SCRAPE)
    client = TestClient(app_for(rt))
    client.headers["Authorization"] = f"Bearer {SCRAPE}"
    return client


def test_the_counters_move_during_a_walk(rt: Runtime) -> None:
    client = scraper(rt)
    create(rt)
    before = client.get("/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain")
    assert sample(before.text, "cjji_transitions_total", trigger="submit_for_signoff") == 0

    version = to_signoff(rt)
    during = client.get("/metrics").text
    assert sample(during, "cjji_transitions_total", trigger="start_fieldwork") == 1
    assert sample(during, "cjji_transitions_total", trigger="submit_for_signoff") == 1
    # Decisions on the draft are owed by the three bodies; no worker has sent anything.
    assert sample(during, "cjji_decision_requests_awaiting", body="HMIPRISONS") == 1
    assert sample(during, "cjji_outbox_waiting") > 0

    approve_all(rt, "mappa", version)
    refused = api(rt).get("/api/streams", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    after = client.get("/metrics").text
    assert moves(after) > moves(during)  # every body approved: on to publication
    assert sample(after, "cjji_decision_requests_awaiting", body="HMIPRISONS") == 0
    assert sample(after, "cjji_refusals_total", kind="token") == 1
    for name in (
        "cjji_deliveries_total",
        "cjji_reminders_sent_total",
        "cjji_outbox_oldest_age_seconds",
        "cjji_job_last_duration_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in after


def test_only_the_scrape_token_or_an_administrator_may_read_them(rt: Runtime) -> None:
    create(rt)
    rt.settings.metrics_token = SecretStr(SCRAPE)
    anonymous = TestClient(app_for(rt)).get("/metrics")
    assert anonymous.status_code == 404
    assert anonymous.headers["content-type"] == "application/problem+json"
    staff = api(rt, "lead.hmiprobation").get("/metrics")
    assert staff.status_code == 404
    admin = api(rt)
    admin.headers["Authorization"] = f"Bearer {token_for(rt, 'admin', 'scrape').token}"
    assert admin.get("/metrics").status_code == 200
