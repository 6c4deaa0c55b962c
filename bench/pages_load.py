"""Pages under concurrent load: 50 clients on loopback against the served app, over 10k
work streams on PostgreSQL.

The app is served as ``cjji serve`` serves it (uvicorn, one process) by
:mod:`bench.pages_app`: the project's app, unchanged, plus a bench-only endpoint
``GET /bench/bare?ref=REF`` running one indexed ``SELECT`` (the baseline). The data:
10,000 work streams (2,000 with ``--quick``) copied from work streams walked through the
real bus, 70 % in scoping, 30 % in fieldwork and 25 in joint sign-off awaiting every
body's decision on the report, each with its open deadlines.

Timed: 50 client threads (``httpx2``, one keep-alive connection each, all signed in as
``signatory.hmicfrs`` through the sign-in form) request for a fixed time (15 s, 5 s with
``--quick``, after 3 s of warm-up that is not counted), each alternating the signatory's
inbox ``GET /decisions`` (25 work streams awaiting HMICFRS, what changed since it last
decided) and ``GET /streams/REF`` of a work stream picked at random among the 10k. Then
the same 50 clients, for the same time, request the bare endpoint for random refs. Every
response must be 200, or the run fails.

Figures: the pages' requests per second against the bare endpoint's (target: at least
0.25×, so at most 4× slower), and the pages' p99 latency against the bare endpoint's
(target: at most 4×). ``details`` holds each page's own count, p50 and p99. The load
client runs on the same two cores as the server and PostgreSQL, as in the other
benchmarks; it is bounded in time and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import psycopg

from bench.common import (
    ROOT,
    Figure,
    clone_stream,
    main_for,
    make_stream,
    percentile,
    plain_url,
    ratio,
    runtime_for,
    say,
    scratch_database,
    seed_people,
    vacuum_analyze,
)

NAME = "pages_load"
CLIENTS = 50
TARGET = 4.0  # at most this many times slower than the bare endpoint
SIGNATORY = "signatory.hmicfrs"
PASSWORD = "bench password, not secret"
AWAITING = 25  # work streams in joint sign-off: the signatory's inbox


def seed(rt: Any, url: str, total: int) -> list[str]:
    """``total`` work streams (see the module's docstring); returns their refs."""
    seed_people(rt)
    for stage, count in (
        ("joint_signoff", AWAITING),
        ("fieldwork", round(total * 0.3)),
        ("scoping", total - AWAITING - round(total * 0.3)),
    ):
        template = f"template-{stage.replace('_', '-')}"
        make_stream(rt, template, stage)
        refs = [f"{stage.replace('_', '-')}-{i:06d}" for i in range(count - 1)]
        clone_stream(url, template, refs, deadlines=True)
    vacuum_analyze(url, "work_stream", "stream_body", "deadline")
    with psycopg.connect(plain_url(url)) as conn:
        return [r[0] for r in conn.execute("SELECT ref FROM work_stream ORDER BY id")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn --factory bench.pages_app:create`` on 127.0.0.1, one process."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
        env.update(
            {
                "CJJI_DATABASE_URL": url,
                "CJJI_DATA_DIR": str(data_dir),
                "CJJI_ENVIRONMENT": "test",
                "CJJI_PUBLIC_URL": self.base,
                "PYTHONPATH": str(ROOT),
            }
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bench.pages_app:create",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=ROOT,
        )

    def ready(self, timeout: float = 60) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.proc.returncode}")
            try:
                if httpx2.get(f"{self.base}/sign-in", timeout=2).status_code == 200:
                    return self
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def sign_in(base: str) -> dict[str, str]:
    """The signatory's session cookie, signed in through the form."""
    with httpx2.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in page")
        done = client.post(
            "/sign-in",
            data={
                "username": SIGNATORY,
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "next": "/decisions",
            },
        )
        if done.status_code != 303:
            raise RuntimeError(f"signing in failed: {done.status_code} {done.text[:200]}")
        return dict(client.cookies.items())


def load(
    base: str,
    cookies: dict[str, str],
    path: Callable[[random.Random, int], tuple[str, str]],
    seconds: float,
    warmup: float,
) -> dict[str, Any]:
    """:data:`CLIENTS` threads request ``path(rng, i)`` (a label and a path) back to back
    for ``warmup`` + ``seconds``; only the requests started after the warm-up count."""
    done: list[list[tuple[str, float, int]]] = [[] for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS + 1)
    clock: dict[str, float] = {}

    def client(n: int) -> None:
        rng = random.Random(n)
        with httpx2.Client(base_url=base, cookies=cookies, timeout=60) as http:
            start.wait()
            i = 0
            while True:
                began = time.perf_counter()
                if began >= clock["end"]:
                    return
                label, target = path(rng, i)
                status = http.get(target).status_code
                if began >= clock["counted"]:
                    done[n].append((label, time.perf_counter() - began, status))
                i += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    clock.update(counted=now + warmup, end=now + warmup + seconds)
    start.wait()
    for t in threads:
        t.join(timeout=warmup + seconds + 120)
    finished = time.perf_counter()
    if any(t.is_alive() for t in threads):
        raise RuntimeError("a client was still waiting two minutes after the end")
    requests = [r for rows in done for r in rows]
    bad = [r for r in requests if r[2] != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} of {len(requests)} responses were not 200: {bad[:3]}")
    # Requests started before the end are all counted, so the time runs to the last answer.
    elapsed = finished - clock["counted"]
    latencies = [r[1] for r in requests]
    by_label: dict[str, Any] = {}
    for label in sorted({r[0] for r in requests}):
        mine = [r[1] for r in requests if r[0] == label]
        by_label[label] = {
            "count": len(mine),
            "p50_ms": 1000 * percentile(mine, 50),
            "p99_ms": 1000 * percentile(mine, 99),
        }
    return {
        "requests": len(requests),
        "seconds": elapsed,
        "rps": len(requests) / elapsed,
        "p50_ms": 1000 * percentile(latencies, 50),
        "p95_ms": 1000 * percentile(latencies, 95),
        "p99_ms": 1000 * percentile(latencies, 99),
        "pages": by_label,
    }


def run(quick: bool = False) -> list[Figure]:
    from tests.support.acting import send
    from workflow.application.commands import SetPassword

    total, seconds, warmup = (2_000, 5.0, 2.0) if quick else (10_000, 15.0, 3.0)
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        rt = runtime_for(url, Path(tmp))
        refs = seed(rt, url, total)
        send(rt, "admin", SetPassword(username=SIGNATORY, password=PASSWORD))
        rt.engine.dispose()
        say(f"{NAME}: {len(refs)} work streams seeded; serving the app")
        server = Server(url, Path(tmp)).ready()
        try:
            cookies = sign_in(server.base)
            inbox = httpx2.get(f"{server.base}/decisions", cookies=cookies, timeout=60)
            awaited = inbox.text.count('href="/streams/')
            if inbox.status_code != 200 or awaited < AWAITING:
                raise RuntimeError(f"the inbox: {inbox.status_code}, {awaited} links")

            def pages(rng: random.Random, i: int) -> tuple[str, str]:
                if i % 2 == 0:
                    return "inbox GET /decisions", "/decisions"
                return "work stream GET /streams/REF", f"/streams/{rng.choice(refs)}"

            def bare(rng: random.Random, i: int) -> tuple[str, str]:
                return "bare", f"/bench/bare?ref={rng.choice(refs)}"

            say(f"{NAME}: {CLIENTS} clients on the pages for {seconds:.0f} s")
            measured = load(server.base, cookies, pages, seconds, warmup)
            say(f"{NAME}: {CLIENTS} clients on the bare endpoint for {seconds:.0f} s")
            baseline = load(server.base, cookies, bare, seconds, warmup)
        finally:
            server.stop()
    size = f"{CLIENTS} clients, {len(refs) // 1000}k streams"
    details = {"pages": measured, "bare": baseline, "streams": len(refs), "inbox": AWAITING}
    rps_ratio = ratio(measured["rps"], baseline["rps"])
    p99_ratio = ratio(measured["p99_ms"], baseline["p99_ms"])
    return [
        Figure(
            bench=NAME,
            name=f"inbox + work stream pages, requests/s, {size}",
            value=measured["rps"],
            unit="req/s",
            baseline=baseline["rps"],
            baseline_name="bare endpoint: one indexed SELECT",
            ratio=rps_ratio,
            target=f"≥ {1 / TARGET:g}× bare (≤ {TARGET:g}× slower)",
            met=rps_ratio >= 1 / TARGET,
            details=details,
        ),
        Figure(
            bench=NAME,
            name=f"inbox + work stream pages, p99 latency, {size}",
            value=measured["p99_ms"],
            unit="ms",
            baseline=baseline["p99_ms"],
            baseline_name="bare endpoint: one indexed SELECT",
            ratio=p99_ratio,
            target=f"≤ {TARGET:g}× bare",
            met=p99_ratio <= TARGET,
            details=details,
        ),
    ]


if __name__ == "__main__":
    main_for(NAME, run)
