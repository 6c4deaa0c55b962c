"""The reminder sweep on PostgreSQL at 1k, 10k and 100k open work streams, with 50 due.

Measured: ``reminders.sweep(rt, now)`` through the real service (the indexed query for
due deadlines under ``FOR UPDATE SKIP LOCKED``, the thresholds on the working-day
calendar, the directory look-ups, the ``INSERT … ON CONFLICT DO NOTHING`` claims, an outbox
row and a chained audit event per message, one commit per batch), with the same 50
deadlines due at every size. Each open work stream also has 3 open deadlines that are not
due and 2 closed ones, so the deadline table holds 5 rows per work stream.

Baseline: the bare indexed ``SELECT`` of the due deadlines through psycopg, in the same
run. The figure that matters is how the sweep's time grows from 1k to 100k open work
streams: target, at most 2× (its cost follows what is due, not how many work streams
there are). Set-up is bulk SQL (the work stream row cloned, deadlines by ``COPY``), not
the bus, to keep it quick.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    Figure,
    clone_stream,
    main_for,
    median,
    plain_url,
    ratio,
    runtime_for,
    say,
    scratch_database,
    timed,
    vacuum_analyze,
)
from tests.support.acting import send
from workflow.application.commands import CreateWorkStream

NAME = "sweep"
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
DUE = 50
REPEATS, QUICK_REPEATS = 7, 3
TARGET = 2.0  # sweep time at the largest size over the smallest
NOW = datetime(2023, 1, 12, 9, tzinfo=UTC)
TODAY = NOW.date()
TEMPLATE = "bench-template"
PEOPLE = Path(__file__).resolve().parents[1] / "config" / "people.demo.yaml"
BODIES = ("HMICFRS", "HMCPSI", "HMIPRISONS", "HMIPROBATION")
COLUMNS = (
    "stream_id, stream_ref, rule, what, description, stage, owed_by, body, closes_on, "
    "anchor_on, due_on, original_due_on, paused_days, next_reminder_on, opened_at, "
    "closed_at, closed_reason"
)
BARE_SELECT = (
    "SELECT * FROM deadline WHERE closed_at IS NULL AND next_reminder_on <= %s "
    "ORDER BY next_reminder_on, id LIMIT 200"
)


def _deadline(
    stream: tuple[int, str], n: int, *, due: date, next_on: date | None, closed: bool
) -> tuple[Any, ...]:
    stream_id, ref = stream
    body = BODIES[n % len(BODIES)]
    opened = NOW - timedelta(days=14)
    return (
        stream_id,
        ref,
        "signoff_response",
        "a decision on the draft report",
        "Each participating body agrees the report version put to joint sign-off.",
        "joint_signoff",
        "participant",
        body,
        "state_left",
        opened.date(),
        due,
        due,
        0,
        next_on,
        opened,
        opened + timedelta(days=3) if closed else None,
        "met" if closed else None,
    )


def _grow(url: str, start: int, end: int) -> None:
    """Work streams ``start`` to ``end`` - 1: cloned rows, and by COPY 3 open deadlines that
    are not due (their next reminder 1 to 300 days ahead) and 2 closed ones each."""
    refs = [f"bench-{i:06d}" for i in range(start, end)]
    clone_stream(url, TEMPLATE, refs)
    with psycopg.connect(plain_url(url)) as conn:
        found = conn.execute(
            "SELECT id, ref FROM work_stream WHERE ref = ANY(%s) ORDER BY id", (refs,)
        ).fetchall()
        with conn.cursor().copy(f"COPY deadline ({COLUMNS}) FROM STDIN") as copy:
            for i, stream in enumerate(found):
                for k in range(3):
                    ahead = TODAY + timedelta(days=1 + (i * 7 + k * 101) % 300)
                    copy.write_row(_deadline(stream, i + k, due=ahead, next_on=ahead, closed=False))
                for k in range(2):
                    past = TODAY - timedelta(days=1 + (i + k) % 200)
                    copy.write_row(_deadline(stream, i + k, due=past, next_on=None, closed=True))


def _add_due(url: str) -> list[int]:
    """The 50 deadlines due today, on the first 50 cloned work streams."""
    with psycopg.connect(plain_url(url)) as conn:
        streams = conn.execute(
            "SELECT id, ref FROM work_stream WHERE ref LIKE 'bench-0%%' ORDER BY id LIMIT %s",
            (DUE,),
        ).fetchall()
        with conn.cursor().copy(f"COPY deadline ({COLUMNS}) FROM STDIN") as copy:
            for n, stream in enumerate(streams):
                copy.write_row(_deadline(stream, n, due=TODAY, next_on=TODAY, closed=False))
        ids = conn.execute(
            "SELECT id FROM deadline WHERE closed_at IS NULL AND next_reminder_on = %s", (TODAY,)
        ).fetchall()
    return [row[0] for row in ids]


def _reset(conn: psycopg.Connection[Any], due_ids: list[int]) -> None:
    """Make the same 50 deadlines due again, as if nothing had been sent."""
    conn.execute("DELETE FROM reminder")
    conn.execute("DELETE FROM outbox WHERE task = 'cjji.send_reminder'")
    conn.execute("UPDATE deadline SET next_reminder_on = %s WHERE id = ANY(%s)", (TODAY, due_ids))
    conn.commit()


def _plan(conn: psycopg.Connection[Any]) -> str:
    rows = conn.execute(f"EXPLAIN {BARE_SELECT}", (TODAY,)).fetchall()
    return "\n".join(str(r[0]) for r in rows)


def _measure_round(
    rt: Any, conn: psycopg.Connection[Any], due_ids: list[int]
) -> tuple[float, float, int]:
    """One bare SELECT and one sweep over the same 50 due deadlines: (seconds, seconds, sent)."""
    from workflow.application.jobs import reminders

    _reset(conn, due_ids)
    select = timed(lambda: conn.execute(BARE_SELECT, (TODAY,)).fetchall())
    conn.commit()
    start = time.perf_counter()
    result = reminders.sweep(rt, NOW)
    return select, time.perf_counter() - start, result.messages


def _check(url: str, size: int, sent: set[int]) -> dict[str, Any]:
    if sent != {DUE}:
        raise RuntimeError(f"at {size} work streams a sweep sent {sent} messages, not {DUE}")
    with psycopg.connect(plain_url(url)) as conn:
        plan = _plan(conn)
        counts = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL) FROM deadline"
        ).fetchone()
    if "ix_deadline_reminder_due" not in plan:
        raise RuntimeError(f"the due query does not use its index:\n{plan}")
    assert counts is not None
    return {"deadlines": counts[0], "open_deadlines": counts[1], "plan": plan}


def _seed(url: str, size: int, data_dir: Path) -> tuple[Any, list[int]]:
    from workflow.application.commands import LoadPeople
    from workflow.application.principal import Actor, engine_principal

    rt = runtime_for(url, data_dir)
    rt.clock = lambda: NOW
    rt.handle(LoadPeople(path=PEOPLE), engine_principal("bench set-up"))
    lead = Actor("Ann Lead", "HMIPROBATION")
    fields = {"lead": "HMIPROBATION", "supporting": ["HMIPRISONS", "HMICFRS"]}
    send(
        rt,
        lead,
        CreateWorkStream(ref=TEMPLATE, title="Bench template", kind="review", fields=fields),
    )
    say(f"{NAME}: seeding {size:,} open work streams")
    _grow(url, 0, size)
    due_ids = _add_due(url)
    vacuum_analyze(url, "work_stream", "deadline", "reminder", "app_user", "outbox")
    return rt, due_ids


def run(quick: bool) -> list[Figure]:
    sizes = QUICK_SIZES if quick else SIZES
    repeats = QUICK_REPEATS if quick else REPEATS
    with ExitStack() as stack:
        urls = {size: stack.enter_context(scratch_database(f"{NAME}{size}")) for size in sizes}
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        seeded = {size: _seed(url, size, data_dir) for size, url in urls.items()}
        conns = {
            size: stack.enter_context(psycopg.connect(plain_url(url))) for size, url in urls.items()
        }
        say(f"{NAME}: {repeats} rounds, taking turns between the sizes")
        times: dict[int, list[tuple[float, float, int]]] = {size: [] for size in sizes}
        for _ in range(repeats + 1):  # the first round warms up
            for size in sizes:
                rt, due_ids = seeded[size]
                times[size].append(_measure_round(rt, conns[size], due_ids))
        measured = [
            {
                "size": size,
                "select_ms": median([t[0] for t in times[size][1:]]) * 1000,
                "sweep_ms": median([t[1] for t in times[size][1:]]) * 1000,
                **_check(urls[size], size, {t[2] for t in times[size]}),
            }
            for size in sizes
        ]
    return _figures(measured)


def _figures(measured: list[dict[str, Any]]) -> list[Figure]:
    figures = [
        Figure(
            NAME,
            f"sweep, {m['size']:,} open streams, {DUE} due",
            m["sweep_ms"],
            "ms",
            baseline=m["select_ms"],
            baseline_name="bare indexed SELECT",
            ratio=ratio(m["sweep_ms"], m["select_ms"]),
            details={k: v for k, v in m.items() if k not in ("sweep_ms", "select_ms")},
        )
        for m in measured
    ]
    small, large = measured[0], measured[-1]
    growth = ratio(large["sweep_ms"], small["sweep_ms"])
    select_growth = ratio(large["select_ms"], small["select_ms"])
    figures.append(
        Figure(
            NAME,
            f"sweep time {large['size'] // 1000}k ÷ {small['size'] // 1000}k",
            growth,
            "×",
            baseline=select_growth,
            baseline_name="bare SELECT's growth",
            ratio=ratio(growth, select_growth),
            target=f"≤ {TARGET:g}×",
            met=growth <= TARGET,
            notes="cost follows what is due, not the number of work streams",
        )
    )
    return figures


if __name__ == "__main__":
    main_for(NAME, run)
