"""Transitions on PostgreSQL: the service layer against a raw psycopg loop.

Measured: ``rt.handle(FireTrigger(key=ref, trigger="pause" | "resume"), who)`` through the
real bus (row loaded ``SELECT … FOR UPDATE``, the policy, guards, the ``transitions``
machine, event handlers writing the ``cjji.notify_team`` outbox row and asking the deadline
ledger, the version-checked save, the audit event chained under the ``audit_head`` lock,
one commit), alternately on each of a set of work streams, at 1 and at 8 concurrent
clients (threads, each on its own pooled connection, on distinct work streams).

Baseline: a psycopg 3 loop issuing the same statements on other work streams of the same
database, in the same run: ``SELECT … FOR UPDATE`` of the row, the four reads the service
does (recommendations, and the deadline ledger's open deadlines, milestones and rule
overrides), ``UPDATE … WHERE id = … AND version = …``, ``INSERT`` of the outbox row,
``SELECT … FOR UPDATE`` of the chain head, ``INSERT`` of the audit event with its sha256
computed in Python, ``UPDATE`` of the head, ``COMMIT``. Its hashes are the real chain's, so
the trail verifies at the end and proves that both loops did the same work.

Service and raw trials take turns (several of each, a few seconds each) and the medians
are compared: target, the service at no less than half the raw rate.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import event

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
    vacuum_analyze,
)
from tests.support.acting import send
from workflow.application.commands import CreateWorkStream, FireTrigger

NAME = "transitions"
TARGET = 0.5  # the service's rate over the raw rate
CLIENTS = (1, 8)
STREAMS_PER_CLIENT = 32
ACTOR, BODY = "Ann Lead", "HMIPROBATION"
TEMPLATE = "bench-template"

SELECT_STREAM = "SELECT {cols} FROM work_stream WHERE ref = %s FOR UPDATE"
SELECT_RECOMMENDATIONS = "SELECT {cols} FROM recommendation WHERE stream_id = %s"
SELECT_DEADLINES = (
    "SELECT {cols} FROM deadline WHERE stream_id = %s AND closed_at IS NULL ORDER BY id"
)
SELECT_MILESTONES = "SELECT {cols} FROM stream_milestone WHERE stream_id = %s"
SELECT_OVERRIDES = "SELECT {cols} FROM deadline_override WHERE stream_id = %s"
PAUSE = (
    "UPDATE work_stream SET state = 'paused', paused_from = %s, paused_at = %s, "
    "version = version + 1, updated_at = %s WHERE id = %s AND version = %s"
)
RESUME = (
    "UPDATE work_stream SET state = %s, paused_from = NULL, paused_at = NULL, "
    "paused_seconds = %s, version = version + 1, updated_at = %s WHERE id = %s AND version = %s"
)
INSERT_OUTBOX = (
    "INSERT INTO outbox (id, stream_ref, task, payload, created_at, lease_until, "
    "published_at, attempts, done_at) VALUES (%s, %s, %s, %s, %s, NULL, NULL, 0, NULL)"
)
SELECT_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
INSERT_EVENT = (
    "INSERT INTO audit_event (seq, stream_ref, actor, body, at, action, from_state, "
    "to_state, reason, payload, prev_hash, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
UPDATE_HEAD = "UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1"


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class RawClient:
    """The baseline: one psycopg connection issuing the service's statements by hand."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(plain_url(url))
        cols: dict[str, str] = {}
        for table in ("work_stream", "recommendation", "deadline", "stream_milestone"):
            cols[table] = self._columns(table)
        cols["deadline_override"] = self._columns("deadline_override")
        self.conn.commit()
        self.select_stream = SELECT_STREAM.format(cols=cols["work_stream"])
        self.reads = [
            SELECT_RECOMMENDATIONS.format(cols=cols["recommendation"]),
            SELECT_DEADLINES.format(cols=cols["deadline"]),
            SELECT_MILESTONES.format(cols=cols["stream_milestone"]),
            SELECT_OVERRIDES.format(cols=cols["deadline_override"]),
        ]
        names = cols["work_stream"].split(", ")
        self.at = {name: names.index(name) for name in names}

    def _columns(self, table: str) -> str:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return ", ".join(r[0] for r in rows)

    def transition(self, ref: str) -> None:
        now = datetime.now(UTC)
        cur = self.conn.cursor()
        row = cur.execute(self.select_stream, (ref,)).fetchone()
        assert row is not None
        at = self.at
        stream_id, state, version = row[at["id"]], row[at["state"]], row[at["version"]]
        for query in self.reads:
            cur.execute(query, (stream_id,)).fetchall()
        payload: dict[str, Any]
        if state == "paused":
            source, dest = "paused", row[at["paused_from"]]
            paused_for = max(int((now - row[at["paused_at"]]).total_seconds()), 0)
            payload = {"trigger": "resume", "paused_for_seconds": paused_for}
            params: tuple[Any, ...] = (
                dest,
                row[at["paused_seconds"]] + paused_for,
                now,
                stream_id,
                version,
            )
            cur.execute(RESUME, params)
        else:
            source, dest = state, "paused"
            payload = {"trigger": "pause"}
            cur.execute(PAUSE, (state, now, now, stream_id, version))
        if cur.rowcount != 1:
            raise RuntimeError(f"{ref} was changed by someone else")
        notify = {"ref": ref, "state": dest, "from_state": source, "reason": None}
        cur.execute(INSERT_OUTBOX, (str(uuid.uuid4()), ref, "cjji.notify_team", Json(notify), now))
        head = cur.execute(SELECT_HEAD).fetchone()
        assert head is not None
        seq, prev = head[0] + 1, head[1]
        body = _canonical(payload)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        encoded = _canonical(
            [seq, ref, ACTOR, BODY, stamp, "transitioned", source, dest, None, body]
        )
        digest = hashlib.sha256((prev + encoded).encode()).hexdigest()
        cur.execute(
            INSERT_EVENT,
            (seq, ref, ACTOR, BODY, now, "transitioned", source, dest, None, body, prev, digest),
        )
        cur.execute(UPDATE_HEAD, (seq, digest))
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _trial(workers: list[Callable[[], None]], seconds: float) -> tuple[float, float]:
    """Run each worker in a loop on its own thread for ``seconds``: transitions per second,
    and this process's CPU milliseconds per transition (every thread's)."""
    stop = threading.Event()
    start = threading.Barrier(len(workers) + 1)
    counts = [0] * len(workers)
    errors: list[BaseException] = []

    def loop(i: int, step: Callable[[], None]) -> None:
        start.wait()
        try:
            while not stop.is_set():
                step()
                counts[i] += 1
        except BaseException as error:
            errors.append(error)
            stop.set()

    threads = [
        threading.Thread(target=loop, args=(i, w), daemon=True) for i, w in enumerate(workers)
    ]
    for t in threads:
        t.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if errors:
        raise errors[0]
    done = max(sum(counts), 1)
    return done / elapsed, 1000 * cpu / done


def _cycler(refs: list[str], step: Callable[[str], None]) -> Callable[[], None]:
    position = [0]

    def next_one() -> None:
        ref = refs[position[0] % len(refs)]
        position[0] += 1
        step(ref)

    return next_one


def run(quick: bool = False) -> list[Figure]:
    from workflow.application.principal import Actor
    from workflow.application.queries import streams as queries

    seconds, trials = (1.0, 2) if quick else (4.0, 5)
    lead = Actor(ACTOR, BODY)
    pool = max(CLIENTS) * STREAMS_PER_CLIENT
    figures: list[Figure] = []
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        rt = runtime_for(url, Path(tmp))
        send(
            rt,
            lead,
            CreateWorkStream(
                ref=TEMPLATE,
                title="Benchmark work stream",
                kind="review",
                fields={
                    "lead": "HMI Probation",
                    "supporting": ["HMI Prisons", "HMICFRS"],
                    "expected_publication": "Spring 2027",
                },
            ),
        )
        svc_refs = [f"svc-{i:05d}" for i in range(pool)]
        raw_refs = [f"raw-{i:05d}" for i in range(pool)]
        clone_stream(url, TEMPLATE, svc_refs + raw_refs)
        vacuum_analyze(url, "work_stream", "stream_body")
        say(f"{NAME}: {2 * pool} work streams seeded")

        paused: dict[str, bool] = dict.fromkeys(svc_refs, False)

        def service_step(ref: str) -> None:
            trigger = "resume" if paused[ref] else "pause"
            send(rt, lead, FireTrigger(key=ref, trigger=trigger))
            paused[ref] = not paused[ref]

        statements = _statements_of(rt, lambda: service_step(svc_refs[0]))
        profile = _profile(_cycler(svc_refs, service_step), 40 if quick else 200)
        raw_clients = [RawClient(url) for _ in range(max(CLIENTS))]
        try:
            for clients in CLIENTS:
                svc_workers = [_cycler(svc_refs[i::clients], service_step) for i in range(clients)]
                raw_workers = [
                    _cycler(raw_refs[i::clients], raw_clients[i].transition) for i in range(clients)
                ]
                _trial(svc_workers, 0.3)  # warm-up: pool connections, prepared statements
                _trial(raw_workers, 0.3)
                svc_runs, raw_runs = [], []
                for _ in range(trials):
                    svc_runs.append(_trial(svc_workers, seconds))
                    raw_runs.append(_trial(raw_workers, seconds))
                svc_rates, raw_rates = [r for r, _ in svc_runs], [r for r, _ in raw_runs]
                svc, raw = median(svc_rates), median(raw_rates)
                say(f"{NAME}: {clients} client(s): service {svc:.0f}/s, raw {raw:.0f}/s")
                figures.append(
                    Figure(
                        bench=NAME,
                        name=f"transitions/s, {clients} client{'s' if clients > 1 else ''}",
                        value=svc,
                        unit="/s",
                        baseline=raw,
                        baseline_name="raw psycopg",
                        ratio=ratio(svc, raw),
                        target=f"≥ {TARGET}× raw",
                        met=ratio(svc, raw) >= TARGET,
                        details={
                            "service_rates": svc_rates,
                            "raw_rates": raw_rates,
                            "service_cpu_ms_per_transition": median([c for _, c in svc_runs]),
                            "raw_cpu_ms_per_transition": median([c for _, c in raw_runs]),
                            "seconds_per_trial": seconds,
                            "streams_per_client": len(svc_refs) // clients,
                            "service_statements": statements,
                            "service_profile_ms_per_transition": profile,
                        },
                    )
                )
        finally:
            for client in raw_clients:
                client.close()
        verification = queries.verify_audit(rt)
        if not verification.ok:
            raise RuntimeError(f"the audit chain does not verify: {verification.problem}")
        say(f"{NAME}: audit chain of {verification.checked} events verifies")
        rt.engine.dispose()
    return figures


#: Where a service transition spends its time: (label, file, function) of cProfile entries.
PROFILED = (
    ("whole transition: the bus", "workflow/application/messagebus.py", "handle"),
    (
        "policy: load the row locked, who leads it",
        "workflow/application/subjects.py",
        "relation_of",
    ),
    ("the handler", "workflow/application/handlers/streams.py", "fire_trigger"),
    ("load: SELECT … FOR UPDATE, recommendations, row → aggregate", "store/repository.py", "get"),
    ("guards and the transitions machine", "workflow/domain/lifecycle.py", "fire"),
    ("event: the team's outbox row", "workflow/application/handlers/reactions.py", "notify_team"),
    ("event: the deadline ledger", "workflow/application/handlers/deadline_events.py", "on_moved"),
    ("save: version check, aggregate → row", "workflow/store/repository.py", "save"),
    ("audit: head lock, hash, event row", "workflow/store/audit.py", "append_chained"),
    ("Session.commit: flush of the rows, COMMIT", "sqlalchemy/orm/session.py", "commit"),
    ("waiting for PostgreSQL (psycopg wait)", "psycopg/connection.py", "wait"),
)


def _profile(step: Callable[[], None], times: int) -> dict[str, float]:
    """cProfile ``times`` service transitions: cumulative milliseconds per transition."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        step()
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, path, function in PROFILED:
        found = [v[3] for (f, _, fn), v in stats.items() if f.endswith(path) and fn == function]
        out[label] = round(1000 * max(found, default=0.0) / times, 2)
    return out


def _statements_of(rt: Any, step: Callable[[], None]) -> dict[str, int]:
    """The statements one service transition issues, by kind and table."""
    seen: list[str] = []

    def log(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        table = next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w in ("FROM", "INTO", "UPDATE")),
            "",
        )
        lock = " FOR UPDATE" if "FOR UPDATE" in statement else ""
        seen.append(f"{words[0]} {table}{lock}")

    event.listen(rt.engine, "before_cursor_execute", log)
    try:
        step()
    finally:
        event.remove(rt.engine, "before_cursor_execute", log)
    return dict(Counter(seen))


if __name__ == "__main__":
    main_for(NAME, run)
