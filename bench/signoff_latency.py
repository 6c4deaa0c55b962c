"""Sign-off latency with real Redis and a real worker, against a bare Celery round trip.

Measured, per round: from the commit that moves a work stream into joint sign-off (the
moment :class:`workflow.store.uow.UnitOfWork` hands its outbox rows to the publisher,
right after ``COMMIT`` returned) until every ``cjji.request_decision`` row of that commit
(one per participating body: three) is marked done by the worker. In between: the four
messages (``cjji.notify_team`` and the three requests) sent to Redis, a ``celery worker``
subprocess (``bench.worker_app``, prefork, 2 processes: the project's tasks unchanged)
taking them, and each request task loading its row and work stream, rendering the request
for the body's signatory and deputy, writing each as an ``.eml`` file (the file channel,
the embedded default: no SMTP server), recording each delivery with its audit event, and
marking the row done. The work streams are clones of one walked by the real bus to
"drafting with a draft report registered"; ``submit_for_signoff`` goes through the real
service.

"Done" is observed without polling: a trigger on ``outbox`` in the scratch database runs
``pg_notify`` when a row's ``done_at`` is set, and PostgreSQL delivers it at the worker's
commit to this process, which waits in ``LISTEN``. After each round it also waits for the
round's ``cjji.notify_team`` task, so that every round starts with an idle worker.

Baseline, in the same run and taking turns with the sign-off rounds: a bare Celery round
trip through the same Redis and worker: ``bench.ping`` sent, the worker pushing onto a Redis
list, this process waiting on it with ``BLPOP`` (results are ignored in the app's
configuration, so there is no result to wait for). p50, p95 and p99 over 500 rounds (50
with ``--quick``); target: sign-off p99 at most 5× the ping's p99 (the ratio).

The same is measured again **under load** (200 rounds, 30 with ``--quick``): while a
separate process (:func:`load`) keeps moving other work streams (pause and resume through
the real service, from :data:`LOAD_CLIENTS` threads, without publishing), so that
PostgreSQL, the audit chain's head lock and the two cores are shared as in use. Both
figures are reported, each against the pings of its own phase.

Afterwards the request tasks of 30 more work streams are done in this process, with no
broker or worker, half timed bare and half under cProfile: what one task's work costs and
where it goes (``details.request_task_in_process``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    LEAD_BODY,
    LEAD_NAME,
    REDIS_URL,
    Figure,
    Pinger,
    Worker,
    celery_client,
    clone_stream,
    drop_queue,
    main_for,
    make_stream,
    new_queue,
    percentile,
    plain_url,
    ratio,
    runtime_for,
    say,
    scratch_database,
    seed_people,
    service_env,
    vacuum_analyze,
)
from tests.support.acting import send
from workflow.application.commands import FireTrigger

NAME = "signoff_latency"
TARGET_P99_MS = 100.0  # the earlier target, still reported in details
TARGET_RATIO = 5.0  # sign-off p99 at most this many times the bare round trip's p99
ROUNDS, QUICK_ROUNDS = 500, 50
LOADED_ROUNDS, QUICK_LOADED_ROUNDS = 200, 30
LOAD_CLIENTS = 4  # threads of the load process, each moving its own work streams
WARMUP = 10
PROFILED, QUICK_PROFILED = 30, 5  # work streams whose request tasks are profiled in-process
TEMPLATE = "bench-template"
REQUEST, NOTIFY = "cjji.request_decision", "cjji.notify_team"
REQUESTS_PER_ROUND = 3  # one per participating body of the template
CHANNEL = "bench_outbox_done"
ROUND_TIMEOUT = 30.0  # seconds: a round that takes longer means the worker is stuck

#: Bench-only instrumentation of the scratch database: tells the listener each row done.
DONE_TRIGGER = f"""
CREATE FUNCTION bench_outbox_done() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', NEW.task || ' ' || coalesce(NEW.stream_ref, ''));
  RETURN NULL;
END $$;
CREATE TRIGGER bench_outbox_done AFTER UPDATE OF done_at ON outbox FOR EACH ROW
  WHEN (OLD.done_at IS NULL AND NEW.done_at IS NOT NULL) EXECUTE FUNCTION bench_outbox_done();
"""


class TimedPublisher:
    """The real publisher, noting when it was first called: that is right after COMMIT."""

    def __init__(self, publish: Any) -> None:
        self.publish = publish
        self.committed_at: float | None = None

    def __call__(self, rows: Sequence[Any]) -> object:
        if self.committed_at is None:
            self.committed_at = time.perf_counter()
        return self.publish(rows)


class Listener:
    """``LISTEN`` on the done-trigger's channel; waits for a round's rows to be done."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(plain_url(url), autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")

    def wait_round(self, ref: str) -> tuple[list[float], float]:
        """perf_counter() at each request row of ``ref`` done, and at its notify_team done."""
        requests: list[float] = []
        notified: float | None = None
        deadline = time.monotonic() + ROUND_TIMEOUT
        while len(requests) < REQUESTS_PER_ROUND or notified is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(
                    f"{ref}: {len(requests)} of {REQUESTS_PER_ROUND} requests and "
                    f"{'the' if notified else 'no'} team notice done in {ROUND_TIMEOUT:g} s"
                )
            for note in self.conn.notifies(timeout=left, stop_after=1):
                at = time.perf_counter()
                task, _, stream = note.payload.partition(" ")
                if stream != ref:
                    raise RuntimeError(f"a row of {stream!r} was done during the round of {ref}")
                if task == REQUEST:
                    requests.append(at)
                elif task == NOTIFY:
                    notified = at
        return requests, notified

    def close(self) -> None:
        self.conn.close()


def _seed(rt: Any, url: str, refs: list[str]) -> None:
    seed_people(rt)
    make_stream(rt, TEMPLATE, "drafted")
    clone_stream(url, TEMPLATE, refs, deadlines=True)
    vacuum_analyze(url, "work_stream", "stream_body", "deadline", "app_user")
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        # The template's rows were never published: marked done, the outbox holds only
        # what the rounds add.
        conn.execute("UPDATE outbox SET done_at = now() WHERE done_at IS NULL")
        conn.execute(DONE_TRIGGER)


#: Where a request task spends its time: (label, file, function) of cProfile entries.
PROFILED_CALLS = (
    ("whole request task: delivery.deliver", "workflow/application/jobs/delivery.py", "deliver"),
    ("load the work stream", "workflow/application/queries/streams.py", "load_readonly"),
    (
        "compose: people, messages rendered",
        "workflow/application/jobs/delivery.py",
        "_decision_message",
    ),
    (
        "send + record each message, a commit each (the last marks the row done)",
        "workflow/application/jobs/delivery.py",
        "_send_once",
    ),
    ("  of which writing the .eml files", "workflow/notifications/channels.py", "send"),
    ("  of which the audit chain", "workflow/store/audit.py", "append_chained"),
    ("  of which marking the row done", "workflow/application/jobs/delivery.py", "_mark_done"),
    ("Session.commit: flush of the rows, COMMIT", "sqlalchemy/orm/session.py", "commit"),
    ("waiting for PostgreSQL (psycopg wait)", "psycopg/connection.py", "wait"),
)


def _profile(rt: Any, lead: Any, refs: list[str]) -> dict[str, Any]:
    """Move ``refs`` to joint sign-off without publishing, then do their request tasks'
    work (:func:`workflow.application.jobs.delivery.deliver`) here, with no broker and no worker
    process: what the task itself costs. Half the tasks are timed bare (the median, in
    ms), the other half under cProfile (ms per task by part; cProfile inflates them)."""
    import cProfile
    import pstats
    import statistics

    from workflow.application.jobs import delivery
    from workflow.notifications import channel_from_settings

    for ref in refs:
        send(rt, lead, FireTrigger(key=ref, trigger="submit_for_signoff"))
    with psycopg.connect(plain_url(str(rt.settings.database_url))) as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM outbox WHERE task = %s AND stream_ref = ANY(%s) ORDER BY id",
            (REQUEST, refs),
        ).fetchall()]  # fmt: skip
    channel = channel_from_settings(rt.settings)
    bare, profiled = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    took = []
    for outbox_id in bare:
        began = time.perf_counter()
        delivery.deliver(rt, channel, outbox_id)
        took.append(time.perf_counter() - began)
    profiler = cProfile.Profile()
    profiler.enable()
    for outbox_id in profiled:
        delivery.deliver(rt, channel, outbox_id)
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    parts: dict[str, float] = {}
    for label, path, function in PROFILED_CALLS:
        found = [v[3] for (f, _, fn), v in stats.items() if f.endswith(path) and fn == function]
        if found:  # a part the code no longer has is left out
            parts[label] = round(1000 * max(found) / len(profiled), 2)
    return {"median_ms": round(1000 * statistics.median(took), 2), "profiled_ms": parts}


def load(url: str, data_dir: str, prefix: str, count: int) -> None:
    """The load of the loaded phase, run in its own process until it is killed: each of
    :data:`LOAD_CLIENTS` threads pauses and resumes its own work streams ``prefix-N``
    through the real service (no publisher: nothing reaches the worker)."""
    from workflow.application.principal import Actor

    rt = runtime_for(url, Path(data_dir))
    lead = Actor(LEAD_NAME, LEAD_BODY)
    refs = [f"{prefix}-{i:05d}" for i in range(count)]

    def client(mine: list[str]) -> None:
        paused = dict.fromkeys(mine, False)
        while True:
            for ref in mine:
                trigger = "resume" if paused[ref] else "pause"
                send(rt, lead, FireTrigger(key=ref, trigger=trigger))
                paused[ref] = not paused[ref]

    threads = [
        threading.Thread(target=client, args=(refs[i::LOAD_CLIENTS],), daemon=True)
        for i in range(LOAD_CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _deliveries(url: str) -> dict[str, int]:
    """Deliveries recorded, by task (a signatory and a deputy per request)."""
    with psycopg.connect(plain_url(url)) as conn:
        rows = conn.execute(
            "SELECT o.task, count(*) FROM delivery d JOIN outbox o ON o.id = d.outbox_id "
            "GROUP BY o.task"
        ).fetchall()
    return {REQUEST: 0, NOTIFY: 0} | {str(task): int(count) for task, count in rows}


def _ms(values: Sequence[float]) -> dict[str, float]:
    return {f"p{p}": round(1000 * percentile(values, p), 2) for p in (50, 95, 99)} | {
        "max": round(1000 * max(values), 2)
    }


class Phase:
    """The rounds of one phase (quiet, or under load): seconds per round."""

    def __init__(self) -> None:
        self.signoff: list[float] = []
        self.first: list[float] = []
        self.transition: list[float] = []
        self.everything: list[float] = []
        self.pings: list[float] = []


def _rounds(
    rt: Any, lead: Any, refs: list[str], publisher: TimedPublisher, listener: Listener,
    pinger: Pinger, label: str,
) -> Phase:  # fmt: skip
    phase = Phase()
    for i, ref in enumerate(refs):
        publisher.committed_at = None
        called = time.perf_counter()
        send(rt, lead, FireTrigger(key=ref, trigger="submit_for_signoff"))
        committed = publisher.committed_at
        if committed is None:
            raise RuntimeError(f"{ref}: the move to joint sign-off published nothing")
        done, notified = listener.wait_round(ref)
        ping = pinger(ROUND_TIMEOUT)
        if ping is None:
            raise RuntimeError("a ping did not come back")
        if i < WARMUP:
            continue
        phase.signoff.append(max(done) - committed)
        phase.first.append(min(done) - committed)
        phase.transition.append(committed - called)
        phase.everything.append(max(*done, notified) - committed)
        phase.pings.append(ping)
        if (i - WARMUP + 1) % 100 == 0:
            say(f"{NAME}: {label}: {i - WARMUP + 1} of {len(refs) - WARMUP} rounds")
    return phase


def run(quick: bool = False) -> list[Figure]:
    from workflow.application.principal import Actor

    rounds = QUICK_ROUNDS if quick else ROUNDS
    loaded_rounds = QUICK_LOADED_ROUNDS if quick else LOADED_ROUNDS
    refs = [f"signoff-{i:05d}" for i in range(WARMUP + rounds)]
    loaded_refs = [f"loaded-{i:05d}" for i in range(WARMUP + loaded_rounds)]
    load_refs = [f"load-{i:05d}" for i in range(8 * LOAD_CLIENTS)]
    profiled = [f"profiled-{i:05d}" for i in range(QUICK_PROFILED if quick else PROFILED)]
    lead = Actor(LEAD_NAME, LEAD_BODY)
    queue = new_queue(NAME)
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        env = service_env(url, data_dir, queue=queue, mail_channel="file")
        client = celery_client(env)
        from tasks.publisher import publisher_for

        publisher = TimedPublisher(publisher_for(client))
        # Seeded without a publisher: the template's own outbox rows never reach the queue.
        plain = runtime_for(url, data_dir)
        _seed(plain, url, refs + loaded_refs + load_refs + profiled)
        rt = runtime_for(url, data_dir, publisher=publisher, broker_url=REDIS_URL, queue=queue)
        say(f"{NAME}: {len(refs)} drafted work streams seeded; starting a worker")
        pinger = Pinger(client, queue)
        worker = Worker(env)
        listener = Listener(url)
        loader: subprocess.Popen[bytes] | None = None
        try:
            worker.ready(pinger.alive)
            quiet = _rounds(rt, lead, refs, publisher, listener, pinger, "quiet")
            say(f"{NAME}: under load ({LOAD_CLIENTS} clients moving other work streams)")
            loader = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from bench.signoff_latency import load; "
                    "load(sys.argv[1], sys.argv[2], 'load', int(sys.argv[3]))",
                    url,
                    str(data_dir),
                    str(len(load_refs)),
                ],
                env=env,
            )
            time.sleep(2)  # the load under way
            if loader.poll() is not None:
                raise RuntimeError(f"the load process exited with {loader.returncode}")
            loaded = _rounds(rt, lead, loaded_refs, publisher, listener, pinger, "under load")
            if loader.poll() is not None:
                raise RuntimeError(f"the load process exited with {loader.returncode}")
        finally:
            if loader is not None:
                loader.kill()
                loader.wait(10)
            listener.close()
            worker.stop()
            pinger.close()
            drop_queue(queue)
        profile = _profile(plain, lead, profiled)
        rt.engine.dispose()
        files = len(list((data_dir / "outbox-mail").glob("*.eml")))
        delivered = _deliveries(url)
    # Every message was written once, and each request reached a signatory and a deputy.
    requests = 2 * REQUESTS_PER_ROUND * (len(refs) + len(loaded_refs) + len(profiled))
    if files != sum(delivered.values()) or delivered[REQUEST] != requests:
        raise RuntimeError(f"{files} messages written; deliveries recorded: {delivered}")
    figures = []
    for label, phase in (("quiet", quiet), (f"under load ({LOAD_CLIENTS} movers)", loaded)):
        p99, base_p99 = percentile(phase.signoff, 99), percentile(phase.pings, 99)
        p50, base_p50 = percentile(phase.signoff, 50), percentile(phase.pings, 50)
        say(f"{NAME}: {label}: sign-off p50 {1000 * p50:.1f} ms p99 {1000 * p99:.1f} ms; "
            f"ping p99 {1000 * base_p99:.2f} ms")  # fmt: skip
        figures.append(
            Figure(
                bench=NAME,
                name=f"sign-off → requests done, p99 of {len(phase.signoff)}, {label}",
                value=1000 * p99,
                unit="ms",
                baseline=1000 * base_p99,
                baseline_name="bare Celery round trip p99",
                ratio=ratio(p99, base_p99),
                target=f"≤ {TARGET_RATIO:g}× bare p99",
                met=ratio(p99, base_p99) <= TARGET_RATIO,
                notes="3 request tasks, 6 messages by the file channel, worker of 2 processes",
                details={
                    "rounds": len(phase.signoff),
                    "warmup_rounds": WARMUP,
                    "signoff_ms": _ms(phase.signoff),
                    "baseline_ms": _ms(phase.pings),
                    "signoff_ms_each": [round(1000 * t, 1) for t in phase.signoff],
                    "baseline_ms_each": [round(1000 * t, 2) for t in phase.pings],
                    "ratio_p50": ratio(p50, base_p50),
                    "ratio_p95": ratio(percentile(phase.signoff, 95), percentile(phase.pings, 95)),
                    "p99_under_100_ms": 1000 * p99 < TARGET_P99_MS,
                    "first_request_done_ms": _ms(phase.first),
                    "all_four_tasks_done_ms": _ms(phase.everything),
                    "transition_until_commit_ms": _ms(phase.transition),
                    "messages_written": files,
                    "request_task_in_process": profile,
                    "worker_concurrency": 2,
                    "mail_channel": "file",
                    "load_clients": LOAD_CLIENTS if phase is loaded else 0,
                },
            )
        )
    return figures


if __name__ == "__main__":
    main_for(NAME, run)
