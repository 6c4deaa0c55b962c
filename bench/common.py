"""Shared helpers for the benchmarks: scratch databases, timing, statistics, a Celery
worker subprocess, the result table and the JSON files.

Every benchmark module exposes ``run(quick: bool) -> list[Figure]``; ``python -m bench``
runs them all (see ``bench/README.md``). A :class:`Figure` is one measured value with the
raw baseline it was measured against in the same run, their ratio, and the target, which
is reported (met or not), never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from tests.support.acting import send
from workflow.application.commands import (
    CreateWorkStream,
    FireTrigger,
    RegisterDocument,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("CJJI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CJJI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


# -- figures -------------------------------------------------------------------------------
@dataclass
class Figure:
    """One measured figure beside its raw baseline from the same run.

    ``ratio`` is always *measured ÷ baseline* in the unit given (a rate ratio for rates, a
    time ratio for times); ``target`` says in words which way is good and how far.
    """

    bench: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    notes: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Figure:
        known = set(cls.__dataclass_fields__)
        extra = {k: v for k, v in data.items() if k not in known}
        values = {k: v for k, v in data.items() if k in known}
        figure = cls(**values)
        figure.details.update(extra)
        return figure


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else math.inf


# -- statistics and timing -----------------------------------------------------------------
def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100), linear between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo))


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (perf_counter)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def repeat(fn: Callable[[], object], times: int, warmup: int = 1) -> list[float]:
    """Seconds per call, ``times`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    return [timed(fn) for _ in range(times)]


def interleaved(
    fns: Mapping[str, Callable[[], object]], times: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Time each of ``fns`` ``times`` times, taking turns, so that a burst of load from
    other processes on the machine falls on all of them alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(times):
        for name, fn in fns.items():
            out[name].append(timed(fn))
    return out


def say(text: str) -> None:
    """Progress on stderr, so that stdout holds only the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- PostgreSQL ----------------------------------------------------------------------------
def pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def plain_url(url: str) -> str:
    """A libpq URL psycopg accepts (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def scratch_database(name: str, *, migrate: bool = True) -> Iterator[str]:
    """A fresh PostgreSQL database ``cjji_bench_<name>_<random>``, migrated to the head
    revision, dropped (even if connections are left open) when the block ends."""
    database = f"cjji_bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = pg_url(database)
    try:
        if migrate:
            from workflow.store.db import engine_for
            from workflow.store.migrate import upgrade

            upgrade(engine_for(url))
        yield url
    finally:
        from workflow.store.db import engine_for

        engine_for(url).dispose()
        engine_for.cache_clear()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def runtime_for(url: str, data_dir: Path, **settings: Any) -> Any:
    """A :class:`workflow.bootstrap.Runtime` on ``url`` (no publisher unless given one)."""
    from config.settings import Settings
    from workflow.bootstrap import bootstrap

    publisher = settings.pop("publisher", None)
    config = Settings(database_url=url, data_dir=data_dir, _env_file=None, **settings)
    return bootstrap(config, publisher=publisher)


def vacuum_analyze(url: str, *tables: str) -> None:
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")


def columns_of(conn: psycopg.Connection[Any], table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def clone_stream(
    url: str, template_ref: str, refs: Sequence[str], *, deadlines: bool = False
) -> None:
    """Copy work stream ``template_ref`` (made through the bus, so valid) as ``refs``:
    its row and its bodies, and with ``deadlines`` its deadline rows. Thousands of work
    streams in a second, where the bus would take minutes."""
    with psycopg.connect(plain_url(url)) as conn:
        template = conn.execute(
            "SELECT id FROM work_stream WHERE ref = %s", (template_ref,)
        ).fetchone()
        if template is None:
            raise RuntimeError(f"no template work stream {template_ref!r}")
        cols = [c for c in columns_of(conn, "work_stream") if c not in ("id", "ref")]
        names = ", ".join(cols)
        picked = ", ".join(f"w.{c}" for c in cols)
        conn.execute(
            f"INSERT INTO work_stream ({names}, ref) "
            f"SELECT {picked}, r FROM work_stream w, unnest(%s::text[]) r WHERE w.id = %s",
            (list(refs), template[0]),
        )
        conn.execute(
            "INSERT INTO stream_body (stream_id, body, role) "
            "SELECT w.id, b.body, b.role FROM work_stream w, stream_body b "
            "WHERE w.ref = ANY(%s) AND b.stream_id = %s",
            (list(refs), template[0]),
        )
        if deadlines:
            cols = [
                c
                for c in columns_of(conn, "deadline")
                if c not in ("id", "stream_id", "stream_ref")
            ]
            names = ", ".join(cols)
            picked = ", ".join(f"d.{c}" for c in cols)
            conn.execute(
                f"INSERT INTO deadline (stream_id, stream_ref, {names}) "
                f"SELECT w.id, w.ref, {picked} FROM work_stream w, deadline d "
                "WHERE w.ref = ANY(%s) AND d.stream_id = %s",
                (list(refs), template[0]),
            )


# -- work streams made through the bus -------------------------------------------------
PEOPLE = ROOT / "config" / "people.demo.yaml"
LEAD_NAME, LEAD_BODY = "Ann Lead", "HMIPROBATION"
BODIES = ("HMIPROBATION", "HMIPRISONS", "HMICFRS")
STAGES = ("scoping", "fieldwork", "drafting", "drafted", "joint_signoff")


def seed_people(rt: Any) -> None:
    """The demonstration people (signatories, deputies, contacts of every body)."""
    from workflow.application.commands import LoadPeople
    from workflow.application.principal import engine_principal

    rt.handle(LoadPeople(path=PEOPLE), engine_principal("bench set-up"))


def make_stream(rt: Any, ref: str, stage: str = "scoping") -> None:
    """A review led by HMI Probation with HMI Prisons and HMICFRS, walked by the real
    bus to ``stage`` (one of :data:`STAGES`; "drafted" is drafting with a draft report
    registered, ready for ``submit_for_signoff``). Needs :func:`seed_people` first."""
    from workflow.application.principal import Actor

    if stage not in STAGES:
        raise ValueError(f"stage {stage!r}: use one of {', '.join(STAGES)}")
    lead = Actor(LEAD_NAME, LEAD_BODY)
    send(
        rt,
        lead,
        CreateWorkStream(
            ref=ref,
            title=f"Review {ref}",
            kind="review",
            fields={
                "lead": "HMI Probation",
                "supporting": ["HMI Prisons", "HMICFRS"],
                "expected_publication": "Spring 2027",
                "summary": "A joint review made by the benchmarks.",
            },
        ),
    )
    if stage == "scoping":
        return
    # Lifecycle version 2: each body names its key people before the terms of reference,
    # and fieldwork needs the methodology agreed, the report the findings and a factual
    # accuracy check; the tests' walk does each step through the bus.
    from tests.integration import walk

    walk.agree_terms(rt, ref, lead=lead)
    send(rt, lead, FireTrigger(key=ref, trigger="start_fieldwork"))
    if stage == "fieldwork":
        return
    send(rt, lead, FireTrigger(key=ref, trigger="start_drafting"))
    if stage == "drafting":
        return
    walk.agree(rt, ref, "findings", lead=lead)
    send(
        rt,
        lead,
        RegisterDocument(key=ref, kind="report", content=f"Draft report of {ref}".encode()),
    )
    walk.check_facts(rt, ref, lead=lead)
    if stage == "drafted":
        return
    send(rt, lead, FireTrigger(key=ref, trigger="submit_for_signoff"))


# -- a Celery worker subprocess -------------------------------------------------------------
def service_env(
    database_url: str, data_dir: Path, *, queue: str, **settings: object
) -> dict[str, str]:
    """The environment of a worker of one benchmark deployment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CJJI_")}
    env.update(
        {
            "CJJI_DATABASE_URL": database_url,
            "CJJI_BROKER_URL": REDIS_URL,
            "CJJI_DATA_DIR": str(data_dir),
            "CJJI_QUEUE": queue,
            "CJJI_ENVIRONMENT": "test",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({f"CJJI_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def new_queue(name: str) -> str:
    return f"cjji-bench-{name}-{uuid.uuid4().hex[:8]}"


class Worker:
    """``celery worker`` as a subprocess on its own queue, its output kept for errors."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        app: str = "bench.worker_app",
        concurrency: int = 2,
        loglevel: str = "WARNING",
    ) -> None:
        self.queue = env["CJJI_QUEUE"]
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            f"--loglevel={loglevel}",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--queues={self.queue}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={self.queue}@%h",
        ]
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if len(self.output) < 5000:
                self.output.append(line)

    def ready(self, ping: Callable[[], bool], timeout: float = 60) -> Worker:
        """Wait until ``ping`` (a round trip through this worker) succeeds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if ping():
                return self
        raise RuntimeError(f"the worker did not start:\n{''.join(self.output[-40:])}")

    def pool_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def celery_client(env: Mapping[str, str]) -> Any:
    """A client-only Celery app of the deployment whose worker runs with ``env``."""
    from config.settings import Settings
    from tasks.publisher import celery_for

    settings = Settings(
        database_url=env["CJJI_DATABASE_URL"],
        broker_url=env["CJJI_BROKER_URL"],
        queue=env["CJJI_QUEUE"],
        data_dir=Path(env["CJJI_DATA_DIR"]),
        _env_file=None,
    )
    return celery_for(settings)


class Pinger:
    """Round trips of ``bench.ping`` (see :mod:`bench.worker_app`) through Redis and a
    worker: send the task, then ``BLPOP`` the list it pushes onto. Each ping has its own
    reply list, so a late reply to a ping given up on is never taken for another's."""

    def __init__(self, celery: Any, queue: str) -> None:
        import redis

        self.celery, self.queue = celery, queue
        self.redis = redis.Redis.from_url(celery.conf.broker_url)

    def __call__(self, timeout: float = 1.0) -> float | None:
        """Seconds one round trip took, or None if no reply came within ``timeout``."""
        reply_to = f"{self.queue}-pong-{uuid.uuid4().hex}"
        start = time.perf_counter()
        self.celery.send_task("bench.ping", args=[reply_to], queue=self.queue)
        if self.redis.blpop([reply_to], timeout=timeout) is None:
            return None
        return time.perf_counter() - start

    def alive(self) -> bool:
        """For :meth:`Worker.ready`: does a ping come back within a second?"""
        return self(1.0) is not None

    def close(self) -> None:
        self.redis.close()


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def drop_queue(queue: str) -> None:
    """Remove what a benchmark's queue left in Redis: its list and kombu's bindings of it
    (``_kombu.binding.<queue>``; ``_kombu.binding_permanent.<queue>`` in kombu 5.7).
    Queue names end in a random suffix, so every key naming the queue is this run's."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = [queue, *client.scan_iter(match=f"*{queue}*", count=1000)]
    client.delete(*keys)
    client.close()


# -- the machine -----------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
    except psycopg.Error as error:
        info["postgresql"] = f"unreachable: {error}"
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        info["redis"] = client.info("server").get("redis_version")
        client.close()
    except Exception as error:
        info["redis"] = f"unreachable: {error}"
    try:
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        info["commit"] = None
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


# -- output ----------------------------------------------------------------------------------
def _number(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):  # NaN: a benchmark that failed measured nothing
        return "—"
    if math.isinf(value):
        return "∞"
    magnitude = abs(value)
    if magnitude >= 1000:
        text = f"{value:,.0f}"
    elif magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def print_table(figures: Iterable[Figure], title: str = "cjji-workflow benchmarks") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column, justify in (
        ("bench", "left"),
        ("figure", "left"),
        ("measured", "right"),
        ("baseline", "right"),
        ("ratio", "right"),
        ("target", "left"),
        ("met", "center"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for f in figures:
        baseline = _number(f.baseline, f.details.get("baseline_unit", f.unit))
        if f.baseline_name and f.baseline is not None:
            baseline = f"{baseline} ({f.baseline_name})"
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "—"}[f.met]
        ratio_text = "—" if f.ratio is None else f"{f.ratio:.2f}×"
        table.add_row(
            f.bench, f.name, _number(f.value, f.unit), baseline, ratio_text, f.target, met
        )
    Console(width=max(160, Console().width)).print(table)


def markdown_table(figures: Iterable[Figure]) -> str:
    """The figures as the Markdown table of docs/performance.md, one row each."""
    rows = [
        "| benchmark | figure | measured | raw baseline (same run) | ratio | target | met |",
        "| --- | --- | ---: | ---: | ---: | --- | :---: |",
    ]
    for f in figures:
        baseline = _number(f.baseline, f.details.get("baseline_unit", f.unit))
        if f.baseline_name and f.baseline is not None:
            baseline = f"{baseline} ({f.baseline_name})"
        ratio_text = "—" if f.ratio is None else f"{f.ratio:.2f}×"
        met = {True: "yes", False: "**no**", None: "—"}[f.met]
        cells = (f.bench, f.name, _number(f.value, f.unit), baseline, ratio_text, f.target, met)
        rows.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def write_json(name: str, figures: Sequence[Figure], **extra: Any) -> Path:
    """``bench/results/<name>.json``: the machine, the figures and anything extra."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {"machine": machine(), **extra, "figures": [asdict(f) for f in figures]}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def main_for(name: str, run: Callable[[bool], list[Figure]]) -> None:
    """``python -m bench.<name> [--quick]``: run one benchmark, print it, write its JSON."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run")
    args = parser.parse_args()
    figures = run(args.quick)
    print_table(figures, f"bench.{name}{' (quick)' if args.quick else ''}")
    say(f"wrote {write_json(name, figures, quick=args.quick)}")
