"""Audit verification over 1M events, in events per second.

Measured: :func:`workflow.application.queries.streams.verify_audit` (what ``cjji audit verify``
runs: on PostgreSQL the database recomputes every link's sha256 and checks it, in ranges of
50,000 events over a few connections at once, and only if it finds something wrong does the
Python walk run, which streams every event in ``seq`` order and names the first broken
one) over a chain of 1,000,000 events (20,000 with ``--quick``). The Python walk alone
(``verify_links`` over ``iter_links``, what runs when something is wrong, and on SQLite) is
timed once too, in ``details``. The chain is generated beforehand with the real
:func:`workflow.domain.audit_chain.link_hash`, in a mix of event kinds and payload sizes
as the engine writes them, and loaded with ``COPY``.

Baseline: a psycopg 3 loop in the same run fetching the same rows with the same keyset
pagination and batch size, and computing and comparing the same sha256s inline (no row
objects, no function per link). Target: at least 300,000 events/s.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    Figure,
    interleaved,
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

NAME = "audit_verify"
TARGET = 300_000  # events per second
BATCH = 5000  # as workflow.store.audit.iter_links
COLUMNS = (
    "seq",
    "stream_ref",
    "actor",
    "body",
    "at",
    "action",
    "from_state",
    "to_state",
    "reason",
    "payload",
    "prev_hash",
    "hash",
)
#: (action, actor, body, from, to, reason, payload) of the events the engine writes most.
KINDS: tuple[tuple[str, str, str | None, str | None, str | None, str | None, Any], ...] = (
    ("transitioned", "Ann Lead", "HMIPROBATION", "drafting", "joint_signoff", None,
     {"trigger": "submit_for_signoff"}),
    ("signoff_requested", "Ann Lead", "HMICFRS", "joint_signoff", "joint_signoff", None,
     {"kind": "report", "version": "9f" * 32}),
    ("notification_delivered", "system", "HMICFRS", None, None, None,
     {"outbox_id": "6f1c2a8e-0d7b-4a55-9d61-2b8f0c9e4a11", "template": "decision_requested",
      "to": "signatory@hmicfrs.example", "username": "signatory.hmicfrs", "channel": "smtp",
      "subject": "Decision needed: the report of Review of MAPPA (mappa)"}),
    ("deadline_changed", "Ann Lead", "HMIPROBATION", "scoping", "scoping",
     "the work stream was paused: its clock stops",
     {"change": "paused", "deadline": 1234, "rule": "notification_to_publication",
      "owed_by": "lead", "owing_body": "HMIPROBATION", "due": "2027-05-31"}),
    ("decision_recorded", "signatory.hmiprisons", "HMIPRISONS", "joint_signoff",
     "joint_signoff", None,
     {"kind": "report", "decision": "approve", "version": "9f" * 32, "comment": None}),
)  # fmt: skip


def generate(url: str, events: int) -> None:
    """``events`` chained events with the real ``link_hash``, loaded with COPY."""
    from workflow.domain.audit_chain import GENESIS, canonical_json, link_hash

    start = datetime(2024, 4, 1, 8, 30, tzinfo=UTC)
    prev = GENESIS
    payloads = [canonical_json(kind[6]) for kind in KINDS]
    with psycopg.connect(plain_url(url)) as conn:
        conn.execute("DELETE FROM audit_event")
        with conn.cursor().copy(f"COPY audit_event ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for seq in range(1, events + 1):
                action, actor, body, source, dest, reason, _ = KINDS[seq % len(KINDS)]
                payload = payloads[seq % len(KINDS)]
                ref = f"stream-{seq % 2000:04d}"
                at = start + timedelta(seconds=seq * 7, microseconds=seq % 997)
                digest = link_hash(
                    prev, seq, ref, actor, body, at, action, source, dest, reason, payload
                )
                copy.write_row(
                    (seq, ref, actor, body, at, action, source, dest, reason, payload, prev, digest)
                )
                prev = digest
        conn.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            (events, prev),
        )
    vacuum_analyze(url, "audit_event")


def raw_verify(url: str) -> int:
    """The baseline: fetch the rows by keyset pagination and check every hash inline."""
    dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
    sha256 = hashlib.sha256
    query = (
        f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE seq > %s ORDER BY seq LIMIT {BATCH}"
    )
    checked, last, prev = 0, 0, "0" * 64
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        assert head is not None
        while True:
            rows = conn.execute(query, (last,)).fetchall()
            if not rows:
                break
            for seq, ref, actor, body, at, action, src, dest, reason, payload, before, h in rows:
                stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                encoded = dumps([seq, ref, actor, body, stamp, action, src, dest, reason, payload])
                if (
                    seq != checked + 1
                    or before != prev
                    or sha256((prev + encoded).encode()).hexdigest() != h
                ):
                    raise RuntimeError(f"raw verification failed at event {seq}")
                prev, checked = h, seq
            last = rows[-1][0]
    if (checked, prev) != (head[0], head[1]):
        raise RuntimeError("raw verification: the chain does not end at the head")
    return checked


def run(quick: bool = False) -> list[Figure]:
    from workflow.application.queries import streams as queries

    events, times = (20_000, 3) if quick else (1_000_000, 3)
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        say(f"{NAME}: generating {events:,} chained events")
        generate(url, events)
        rt = runtime_for(url, Path(tmp))
        checked: dict[str, int] = {}

        def service() -> None:
            result = queries.verify_audit(rt)
            if not result.ok:
                raise RuntimeError(f"the generated chain does not verify: {result.problem}")
            checked["service"] = result.checked

        def raw() -> None:
            checked["raw"] = raw_verify(url)

        def python_walk() -> None:
            from workflow.domain.audit_chain import verify_links
            from workflow.store.audit import head_of, iter_links

            with rt.read() as session:
                result = verify_links(iter_links(session), *head_of(session))
            if not result.ok:
                raise RuntimeError(f"the Python walk failed: {result.problem}")

        try:
            runs = interleaved({"service": service, "raw": raw}, times, warmup=0)
            walk = timed(python_walk)
        finally:
            rt.engine.dispose()
    if checked != {"service": events, "raw": events}:
        raise RuntimeError(f"checked {checked}, expected {events} events")
    svc_rate, raw_rate = events / median(runs["service"]), events / median(runs["raw"])
    say(f"{NAME}: service {svc_rate:,.0f} events/s, raw {raw_rate:,.0f} events/s")
    return [
        Figure(
            bench=NAME,
            name=f"audit verify, {events / 1e6:g}M events"
            if events >= 1e6
            else f"audit verify, {events // 1000}k events",
            value=svc_rate,
            unit="events/s",
            baseline=raw_rate,
            baseline_name="raw psycopg + hashlib",
            ratio=ratio(svc_rate, raw_rate),
            target=f"≥ {TARGET:,} events/s",
            met=svc_rate >= TARGET,
            details={
                "events": events,
                "service_seconds": runs["service"],
                "raw_seconds": runs["raw"],
                "batch": BATCH,
                "python_walk_seconds": walk,
                "python_walk_events_per_s": events / walk,
            },
        )
    ]


if __name__ == "__main__":
    main_for(NAME, run)
