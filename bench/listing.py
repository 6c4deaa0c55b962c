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
- the overview's first page: ``GET /programme`` through the FastAPI app (Starlette's test
  client, signed in as the administrator): 50 rows, the counts of all 10k, the links to
  the other pages;
- the CSV of the whole programme: ``GET /programme.csv``, streamed in batches of 1,000, read
  to its end through the same client.

Baselines, in the same run, with psycopg 3 (rows as tuples, JSON columns decoded): for the
list, the overview and the CSV, the bare ``SELECT * FROM work_stream ORDER BY id``
fetched (target: at most 3×); for the first page, the raw queries of that page issued by
hand (:data:`PAGE_SQL`: the aggregate that counts the matching and the overdue work
streams, the page's 50 rows with their overdue flag, and their next deadlines; target: at
most 1.5×). The bare ``SELECT * … LIMIT 50`` is reported beside it in ``details``. Each
figure is the median of interleaved repetitions.
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
PAGE_TARGET = 1.5  # the first page: at most this many times its raw queries' time
NOT_YET_PUBLISHED = ("fieldwork", "drafting", "joint_signoff", "paused", "publication", "scoping")
#: The first page's queries as the service issues them (see progress.overview_page), by hand.
LATE = """(EXISTS (SELECT d.id FROM deadline d WHERE d.stream_id = w.id AND d.closed_at IS NULL
    AND d.paused_on IS NULL AND d.due_on < %(today)s)
  OR (w.expected_latest IS NOT NULL AND w.expected_latest < %(today)s
    AND w.state = ANY(%(states)s)))"""
PAGE_SQL = (
    f"SELECT count(*), coalesce(sum(CASE WHEN {LATE} THEN 1 ELSE 0 END), 0),"
    " coalesce(sum(CASE WHEN w.awaiting IS NOT NULL THEN 1 ELSE 0 END), 0) FROM work_stream w",
    f"SELECT w.*, {LATE} AS late FROM work_stream w ORDER BY w.id LIMIT 50 OFFSET 0",
    """SELECT f.stream_id, f.id, f.due_on, f.what FROM (
      SELECT d.stream_id, d.id, d.due_on, d.what,
        row_number() OVER (PARTITION BY d.stream_id ORDER BY d.due_on, d.id) AS rank
      FROM deadline d WHERE d.closed_at IS NULL AND d.stream_id = ANY(%(ids)s)) f
    WHERE f.rank = 1""",
)
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


def raw_page(conn: psycopg.Connection[Any], today: Any) -> Any:
    """The first page's three queries by hand, on ``conn``."""
    args: dict[str, Any] = {"today": today, "states": list(NOT_YET_PUBLISHED)}

    def page() -> int:
        conn.execute(PAGE_SQL[0], args).fetchone()
        rows = conn.execute(PAGE_SQL[1], args).fetchall()
        ids = [r[0] for r in rows]
        conn.execute(PAGE_SQL[2], {"ids": ids}).fetchall()
        return len(rows)

    def bare() -> int:
        return len(conn.execute("SELECT * FROM work_stream ORDER BY id LIMIT 50").fetchall())

    return page, bare


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
        raw_first_page, bare_page = raw_page(conn, rt.clock().date())
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
            sizes["page rows"] = response.text.count('<tr class="govuk-table__row" data-ref=')

        def csv_all() -> None:
            response = client.get("/programme.csv")
            if response.status_code != 200:
                raise RuntimeError(f"GET /programme.csv: {response.status_code}")
            sizes["csv bytes"] = len(response.content)
            sizes["csv rows"] = response.content.count(b"\r\n") - 1

        def list_only() -> None:
            queries.list_streams(rt)

        try:
            runs = interleaved(
                {
                    "raw": raw,
                    "streams list --json": streams_list,
                    "list_streams": list_only,
                    "overview": overview,
                    "csv": csv_all,
                },
                times,
            )
            page_runs = interleaved(
                {"raw page": raw_first_page, "bare page": bare_page, "page": page}, 10 * times
            )
        finally:
            conn.close()
            client.close()
            rt.engine.dispose()
    if sizes["streams list"] != count or sizes["overview"] != count or sizes["csv rows"] != count:
        raise RuntimeError(f"listed {sizes}, expected {count} work streams")
    baseline = median(runs["raw"])
    say(f"{NAME}: raw query {1000 * baseline:.1f} ms for {count} rows")
    figures = []
    if sizes["page rows"] != 50:
        raise RuntimeError(f"the first page showed {sizes['page rows']} rows, not 50")
    raw_page_time = median(page_runs["raw page"])
    page_time = median(page_runs["page"])
    figures = [
        Figure(
            bench=NAME,
            name=f"overview first page GET /programme (50 rows), {count // 1000}k streams",
            value=1000 * page_time,
            unit="ms",
            baseline=1000 * raw_page_time,
            baseline_name="the page's 3 queries by hand",
            ratio=ratio(page_time, raw_page_time),
            target=f"≤ {PAGE_TARGET:g}× raw",
            met=ratio(page_time, raw_page_time) <= PAGE_TARGET,
            details={
                "runs_ms": [1000 * t for t in page_runs["page"]],
                "raw_runs_ms": [1000 * t for t in page_runs["raw page"]],
                "bare_select_limit_50_ms": 1000 * median(page_runs["bare page"]),
                "ratio_to_bare_select_limit_50": ratio(page_time, median(page_runs["bare page"])),
                "page_bytes": sizes.get("page bytes"),
                "streams": count,
            },
        )
    ]
    for label, key in (
        ("streams list --json", "streams list --json"),
        ("overview (service)", "overview"),
        ("CSV of every work stream GET /programme.csv (streamed)", "csv"),
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
                    "csv_bytes": sizes.get("csv bytes"),
                },
            )
        )
    return figures


if __name__ == "__main__":
    main_for(NAME, run)
