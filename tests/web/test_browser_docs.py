"""/docs with the network unplugged: Chromium may reach only the local server, and Swagger
UI still renders every operation, under the same Content-Security-Policy as every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.test_browser import page, serving  # noqa: F401 - the page fixture
from workflow.bootstrap import Runtime

# Coverage's tracer is off: a browser drives what the page tests measure line for line
# (docs/testing.md, "Coverage's tracer off").
pytestmark = [pytest.mark.slow, pytest.mark.untraced]


@pytest.fixture
def server(sqlite_rt: Runtime) -> Iterator[str]:
    with serving(sqlite_rt) as address:
        yield address


def test_the_api_documentation_renders_with_nothing_but_the_local_server(
    server: str,
    page: object,  # noqa: F811 - the fixture imported above
) -> None:
    p = page
    refused: list[str] = []
    problems: list[str] = []

    def only_local(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(server + "/"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            refused.append(url)
            route.abort()  # type: ignore[attr-defined]

    p.route("**/*", only_local)  # type: ignore[attr-defined]

    def console(message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            problems.append(message.text)  # type: ignore[attr-defined]

    p.on("console", console)  # type: ignore[attr-defined]
    p.on("pageerror", lambda e: problems.append(str(e)))  # type: ignore[attr-defined]
    answer = p.goto(f"{server}/docs")  # type: ignore[attr-defined]
    assert answer.status == 200
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    p.wait_for_selector(".swagger-ui .info .title", timeout=20_000)  # type: ignore[attr-defined]
    assert "cjji-workflow" in p.inner_text(".swagger-ui .info .title")  # type: ignore[attr-defined]
    operations = p.locator(".opblock").count()  # type: ignore[attr-defined]
    assert operations > 20, f"only {operations} operations rendered"
    assert "/api/streams" in p.inner_text(".swagger-ui")  # type: ignore[attr-defined]
    assert refused == [], f"the page asked the outside world for {refused}"
    assert problems == [], f"errors in the browser (a CSP violation?): {problems}"
