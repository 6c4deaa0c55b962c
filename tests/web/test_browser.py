"""A real browser against a real server: Debian's Chromium, driven by Playwright, on pages
served by uvicorn on a free port of 127.0.0.1, on PostgreSQL.

An administrator signs in, sees the programme and filters it, opens a work stream; a
signatory records the last approval in the browser and sees the report move on; the
administrator finds the decision in the audit log. Screenshots of each main page are
written to tests/screenshots/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from tests.api.helpers import PASSWORD, app_for, import_programme, with_password
from tests.conftest import service_missing
from tests.integration.walk import create as create_stream
from tests.integration.walk import signatory, to_signoff
from tests.support.acting import send
from tests.support.witnesses import body_key, cosign_latest
from workflow.application.commands import RecordDecision
from workflow.application.jobs.checkpoints import make_checkpoint
from workflow.bootstrap import Runtime

CHROMIUM = os.environ.get("CJJI_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
# The flags the machine needs: no sandbox as root, and no calls to the outside world.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Coverage's tracer is off: a browser drives what the page tests measure line for line
# (docs/testing.md, "Coverage's tracer off").
pytestmark = [pytest.mark.slow, pytest.mark.untraced]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(rt: Runtime) -> Iterator[str]:
    """The app on ``rt`` served by uvicorn in this process, on a free port; its address."""
    port = free_port()
    config = uvicorn.Config(app_for(rt), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(pg_rt: Runtime) -> Iterator[str]:
    """The app served by uvicorn in this process, until the test ends."""
    with serving(pg_rt) as address:
        yield address


@pytest.fixture
def page() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} is missing; `make browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives each launch a new, empty profile of its own.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def sign_in(page: object, base: str, username: str) -> None:
    p = page
    p.goto(f"{base}/programme")  # type: ignore[attr-defined]
    p.get_by_label("Username").fill(username)  # type: ignore[attr-defined]
    p.get_by_label("Password", exact=True).fill(PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"{base}/programme")  # type: ignore[attr-defined]


def test_a_signatory_signs_off_in_the_browser_and_the_administrator_sees_it_audited(
    pg_rt: Runtime, server: str, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    import_programme(pg_rt)
    create_stream(pg_rt, "omic-walk", lead="HMI Probation", supporting=["HMI Prisons", "HMIC"])
    version = to_signoff(pg_rt, "omic-walk")
    for body in ("HMIPROBATION", "HMIPRISONS"):  # two of three have approved already
        send(
            pg_rt,
            signatory(body),
            RecordDecision(key="omic-walk", body=body, decision="approve", version=version),
        )
    with_password(pg_rt, "admin", "signatory.hmicfrs")

    page.goto(f"{server}/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "01-sign-in")
    sign_in(page, server, "admin")
    expect(page.get_by_role("heading", name="Programme overview")).to_be_visible()
    expect(page.locator("tr[data-ref]")).to_have_count(19)
    shot(page, "02-programme-overview")

    page.get_by_label("State").select_option("joint_signoff")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("tr[data-ref]")).to_have_count(1)
    expect(page.locator("tr[data-ref='omic-walk']")).to_contain_text("HMICFRS")
    shot(page, "03-programme-filtered")

    page.goto(f"{server}/programme/timeline")
    expect(page.locator("svg.timeline")).to_be_visible()
    shot(page, "04-programme-timeline")

    page.goto(f"{server}/programme")
    page.get_by_role("link", name="Work stream omic-walk").click()
    expect(page.locator("#current-state")).to_have_text("Joint sign-off")
    expect(page.locator("g[aria-current='step']")).to_have_attribute("data-state", "joint_signoff")
    shot(page, "05-work-stream")
    page.get_by_role("button", name="Sign out admin").click()

    sign_in(page, server, "signatory.hmicfrs")
    page.get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", name="Decisions awaited from HMICFRS")).to_be_visible()
    shot(page, "06-decisions-awaited")
    page.get_by_label("Approve this version").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is recorded")
    expect(page.locator("#current-state")).to_have_text("Publication")
    shot(page, "07-after-sign-off")
    page.get_by_role("button", name="Sign out signatory.hmicfrs").click()

    # HMI Probation cosigns the engine's checkpoint; HMICFRS has a key but has not yet.
    probation = body_key(pg_rt, "HMIPROBATION")
    body_key(pg_rt, "HMICFRS")
    make_checkpoint(pg_rt)
    cosign_latest(pg_rt, probation)

    sign_in(page, server, "admin")
    page.get_by_role("link", name="Audit log").click()
    cosigners = page.locator("#cosigners")
    expect(cosigners.locator("tr[data-body='HMIPROBATION']")).to_contain_text("Cosigned")
    expect(cosigners.locator("tr[data-body='HMICFRS']")).to_contain_text("Not yet cosigned")
    page.get_by_text("The signed checkpoint").click()
    expect(page.locator("#checkpoint-note")).to_contain_text("— HMIPROBATION ")
    page.get_by_label("Work stream (ref)").fill("omic-walk")
    page.get_by_label("Action").select_option("decision_recorded")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#verification")).to_contain_text("intact")
    latest = page.locator("#audit-table tbody tr").first
    expect(latest).to_contain_text("signatory.hmicfrs (HMICFRS)")
    expect(latest).to_contain_text("Approve report version")
    shot(page, "08-audit-log")
    page.get_by_label("Action").select_option("transitioned")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#audit-table tbody tr").first).to_contain_text(
        "Moved from Joint sign-off to Publication"
    )


def test_the_overview_pages_and_sorts_in_the_browser(
    pg_rt: Runtime, server: str, page: object
) -> None:
    """Fifty work streams a page: the next page, a sort by a column's heading, and the
    filters kept across both, clicked through as a person would."""
    from playwright.sync_api import Page, expect

    from tests.web.test_programme_paging import more_streams

    assert isinstance(page, Page)
    from tests.integration.walk import seed_people

    seed_people(pg_rt)
    import_programme(pg_rt)
    more_streams(pg_rt, 40)  # 58 in all
    with_password(pg_rt, "admin")
    sign_in(page, server, "admin")
    expect(page.locator("tr[data-ref]")).to_have_count(50)
    expect(page.locator("#programme-summary")).to_contain_text("58 work streams")
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("tr[data-ref]")).to_have_count(8)
    assert page.url.endswith("/programme?page=2")
    shot(page, "07-programme-page-2")

    page.get_by_label("Body taking part").select_option("HMIPRISONS")
    page.get_by_role("button", name="Apply filters").click()
    page.locator("a[data-sort='title']").click()  # ascending, then descending
    page.locator("a[data-sort='title']").click()
    expect(page.locator("th[aria-sort='descending']")).to_have_count(1)
    assert "body=HMIPRISONS" in page.url and "sort=title" in page.url and "order=desc" in page.url
    titles = page.locator("tr[data-ref] td:first-child a").all_inner_texts()
    assert titles == sorted(titles, reverse=True) and len(titles) > 1
