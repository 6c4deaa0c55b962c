"""The health page in a real browser (Chromium): an administrator opens it from the menu
and sees, in red, what is late; in green, what is on time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from tests.api.helpers import with_password
from tests.integration.walk import seed_people
from tests.web.test_browser import page, serving, shot, sign_in  # noqa: F401 - the fixture
from workflow.application.jobs.heartbeats import BEAT, RELAY, SWEEP, WORKER_PREFIX, record
from workflow.bootstrap import Runtime

pytestmark = pytest.mark.slow


def beating(engine: Engine, *names: str) -> None:
    for name in names:
        record(engine, name, datetime.now(UTC), 0.05)


def test_the_administrator_sees_a_dead_worker_in_red(
    sqlite_rt: Runtime,
    page: object,  # noqa: F811 - test_browser's Chromium page fixture
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    rt = sqlite_rt
    rt.clock = lambda: datetime.now(UTC)
    seed_people(rt)
    with_password(rt, "admin")
    # Beat, the relay and the sweep have just run; no worker has ever written a heartbeat.
    beating(rt.engine, BEAT, RELAY, SWEEP)
    with serving(rt) as server:
        sign_in(page, server, "admin")
        page.get_by_role("link", name="Health").click()
        expect(page.get_by_role("heading", name="Engine health")).to_be_visible()
        expect(page.locator("#health-worker .govuk-tag--red")).to_have_text("Late")
        expect(page.locator("#health-beat .govuk-tag--green")).to_have_text("On time")
        expect(page.locator("#health-relay")).to_contain_text("took 0.05s")
        expect(page.locator("#health-summary")).to_contain_text("Something is late")
        shot(page, "09-health")

        beating(rt.engine, WORKER_PREFIX + "cjji@test")
        page.reload()
        expect(page.locator("#health-worker .govuk-tag--green")).to_have_text("On time")
        expect(page.locator("#health-summary")).to_have_text("Everything is on time.")
