"""Listing 10k work streams: ``streams list``, the overview and its page, against the bare
SQL query.

Measured, on 10,000 work streams (2,000 with ``--quick``) made by copying work streams
walked through the real bus (60 % in scoping, 20 % in fieldwork and 20 % in joint
sign-off with their decisions outstanding; each with its open deadlines):

- ``streams list --json``: :func:`workflow.application.queries.streams.list_streams` (what
  ``cjji streams list --json`` calls: the ORM query, each row mapped to a ``WorkStream``
  and summarised) and the JSON the command prints;
- the overview: :func:`workflow.application.queries.progress.overview` (the list, each work stream's
  next deadline, overdue flags and the bodies awaited), which the API and the page read;
- the overview page: ``GET /programme`` through the FastAPI app (Starlette's test client,
  signed in as the administrator), the HTML of every row.

Baseline: the bare ``SELECT * FROM work_stream ORDER BY id`` fetched with psycopg 3 (every
row as a tuple, JSON columns decoded) in the same run. Each figure is the median of
interleaved repetitions; target: at most 3× the raw query.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    Figure,
    clone_stream,
    interleaved,
    main_for,
    make_stream,
    median,
    plain_url,
    ratio,
    runtime_for,
    say,
    scratch_database,
    seed_people,
    vacuum_analyze,
)

NAME = "listing"
TARGET = 3.0  # at most this many times the raw query's time
MIX = (("scoping", 0.6), ("fieldwork", 0.2), ("joint_signoff", 0.2))
PASSWORD = "bench password, not secret"


def seed(rt: Any, url: str, total: int) -> None:
    """``total`` work streams in the :data:`MIX` of states, with their deadlines."""
    seed_people(rt)
    for stage, share in MIX:
        template = f"template-{stage.replace('_', '-')}"
        make_stream(rt, template, stage)
        count = round(total * share) - 1
        refs = [f"{stage.replace('_', '-')}-{i:06d}" for i in range(count)]
        clone_stream(url, template, refs, deadlines=True)
    vacuum_analyze(url, "work_stream", "stream_body", "deadline")


def raw_query(url: str) -> Any:
    conn = psycopg.connect(plain_url(url), autocommit=True)

    def fetch() -> int:
        return len(conn.execute("SELECT * FROM work_stream ORDER BY id").fetchall())

    return conn, fetch


def signed_in_client(rt: Any) -> Any:
    """A test client of the app, signed in through the sign-in form as the administrator."""
    from fastapi.testclient import TestClient

    from tests.support.acting import send
    from workflow.application.commands import SetPassword
    from workflow.server import create_app

    send(rt, "admin", SetPassword(username="admin", password=PASSWORD))
    client = TestClient(create_app(rt), follow_redirects=False)
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF token on the sign-in page"
    done = client.post(
        "/sign-in",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "/programme",
        },
    )
    if done.status_code != 303:
        raise RuntimeError(f"signing in failed: {done.status_code} {done.text[:200]}")
    return client


def run(quick: bool = False) -> list[Figure]:
    from workflow.application.queries import progress
    from workflow.application.queries import streams as queries

    total, times = (2_000, 3) if quick else (10_000, 7)
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        rt = runtime_for(url, Path(tmp))
        seed(rt, url, total)
        count = queries.count_streams(rt)
        say(f"{NAME}: {count} work streams seeded")
        conn, raw = raw_query(url)
        client = signed_in_client(rt)
        sizes: dict[str, int] = {}

        def streams_list() -> None:
            rows = queries.list_streams(rt)
            sizes["streams list"] = len(rows)
            json.dumps(rows, indent=2, default=str, ensure_ascii=False)

        def overview() -> None:
            sizes["overview"] = len(progress.overview(rt))

        def page() -> None:
            response = client.get("/programme")
            if response.status_code != 200:
                raise RuntimeError(f"GET /programme: {response.status_code}")
            sizes["page bytes"] = len(response.content)

        def list_only() -> None:
            queries.list_streams(rt)

        try:
            runs = interleaved(
                {
                    "raw": raw,
                    "streams list --json": streams_list,
                    "list_streams": list_only,
                    "overview": overview,
                    "overview page": page,
                },
                times,
            )
        finally:
            conn.close()
            client.close()
            rt.engine.dispose()
    if sizes["streams list"] != count or sizes["overview"] != count:
        raise RuntimeError(f"listed {sizes}, expected {count} work streams")
    baseline = median(runs["raw"])
    say(f"{NAME}: raw query {1000 * baseline:.1f} ms for {count} rows")
    figures = []
    for label, key in (
        ("streams list --json", "streams list --json"),
        ("overview (service)", "overview"),
        ("overview page GET /programme", "overview page"),
    ):
        value = median(runs[key])
        figures.append(
            Figure(
                bench=NAME,
                name=f"{label}, {count // 1000}k streams",
                value=1000 * value,
                unit="ms",
                baseline=1000 * baseline,
                baseline_name="SELECT * fetched",
                ratio=ratio(value, baseline),
                target=f"≤ {TARGET:g}× raw",
                met=ratio(value, baseline) <= TARGET,
                details={
                    "runs_ms": [1000 * t for t in runs[key]],
                    "raw_runs_ms": [1000 * t for t in runs["raw"]],
                    "list_streams_only_ms": 1000 * median(runs["list_streams"]),
                    "streams": count,
                    "page_bytes": sizes.get("page bytes"),
                },
            )
        )
    return figures


if __name__ == "__main__":
    main_for(NAME, run)
