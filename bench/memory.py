"""A worker's resident memory after handling 100k work streams against after 1k.

Measured: the resident memory (VmRSS, summed) of the pool processes of a real ``celery
worker`` subprocess (``bench.worker_app``: the project's tasks unchanged; prefork, 2
processes) once it has handled 1,000 work streams, and again once it has handled 100,000
(10,000 with ``--quick``). The first figure is the baseline, from the same worker in the
same run; target: at most 1.2× it.

What "handling a work stream" is here. Each work stream has one open deadline with a
reminder due today, owed at joint sign-off by a participating body. The worker runs the
app's ``cjji.sweep_reminders`` task (sent by this process as beat would send it, two for
each batch of 5,000 deadlines made due), which reads each due deadline and its work stream's
jurisdiction, works out the reminder on the working-day calendar, looks up who to tell, and
writes the claims, an outbox row and a chained audit event per work stream. Every tenth
deadline is owed by HMI Prisons, whose signatory and deputy are in the directory: the sweep
publishes its ``cjji.send_reminder`` task, and the same worker delivers it (loads the
outbox row, the deadline and the work stream, renders the reminder, writes an ``.eml`` per
recipient with the file channel, records each delivery with its audit event). The other
nine are owed by HMICFRS, whose signatory and deputy are left out of the directory: the
sweep records "nobody to tell" in the audit trail instead. So per 1,000 work streams the
worker sweeps 1,000 deadlines and delivers 100 reminders to 200 people.

Why not a delivery task per work stream: a delivery task costs 12 ms (nobody to tell) to
30 ms (two recipients) of worker time here, ten statements or more and a commit per
message, so 100,000 of them would take 10 to 25 minutes on two cores. Swept, a work stream
costs about 4 ms of worker time, deliveries included, and the whole benchmark under 8
minutes. Every tenth work stream delivered keeps the delivery path in the measurement at
the same share at both sizes, so a leak per delivery would grow 100-fold as a leak per
swept work stream would.

Set-up is bulk SQL: the work streams are clones of one made through the bus, the
deadlines are inserted with ``INSERT … SELECT``, not due, and each batch is made due just
before its sweep.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.common import (
    PEOPLE,
    Figure,
    Pinger,
    Worker,
    celery_client,
    clone_stream,
    drop_queue,
    main_for,
    make_stream,
    new_queue,
    plain_url,
    ratio,
    rss_kib,
    runtime_for,
    say,
    scratch_database,
    service_env,
    vacuum_analyze,
)

NAME = "memory"
TARGET = 1.2  # RSS after the largest size over RSS after the smallest
SIZES, QUICK_SIZES = (1_000, 100_000), (1_000, 10_000)
CONCURRENCY = 2  # pool processes of the worker
SWEEP_BATCH = 5_000  # deadlines made due at once: swept well inside the task time limit
DELIVER_EVERY = 10  # one work stream in ten has somebody to remind
TEMPLATE = "bench-template"
RULE = "signoff_response"  # as the engine opens at joint sign-off
REACHED, UNREACHED = "HMIPRISONS", "HMICFRS"  # bodies with and without deciders on record
LEFT_OUT = {"signatory.hmicfrs", "deputy.hmicfrs"}
SETTLE_SECONDS = 1.0  # after a checkpoint's work is done, before reading the RSS
BATCH_TIMEOUT = 600.0
PROGRESS_EVERY = 20_000  # work streams between progress lines


def _due_date(today: date) -> date:
    """A due date for which a reminder is due ``today`` (whatever day of the week today
    is), found with the engine's own reminder rules and working-day calendar."""
    from workflow.application.deadline_ledger import deadline_config
    from workflow.domain import deadlines as rules_of
    from workflow.domain.working_days import Jurisdiction, calendar_for

    _, policy = deadline_config()
    cal = calendar_for(Jurisdiction.ENGLAND_AND_WALES)
    opened = today - timedelta(days=14)
    for ahead in range(0, 60):
        due = today + timedelta(days=ahead)
        if rules_of.reminders_to_send(due, opened, policy, cal, today, today):
            return due
    raise RuntimeError(f"no due date has a reminder on {today}")


def _seed(url: str, data_dir: Path, total: int, today: date) -> list[int]:
    """``total`` work streams with one deadline each, not yet due: their ids in order."""
    from workflow.application.commands import LoadPeople
    from workflow.application.principal import engine_principal

    rt = runtime_for(url, data_dir)
    rt.handle(LoadPeople(path=PEOPLE), engine_principal("bench set-up"))
    # In joint sign-off, so that the decision each reminder is about is still owed (reminders
    # of decisions no longer owed are not sent: issue 16); walking there takes every body's
    # signatory, so HMICFRS's deciders leave only afterwards.
    make_stream(rt, TEMPLATE, "joint_signoff")
    rt.engine.dispose()
    with psycopg.connect(plain_url(url)) as conn:
        conn.execute(
            "UPDATE app_user SET active = false WHERE username = ANY(%s)", (list(LEFT_OUT),)
        )
    refs = [f"mem-{i:06d}" for i in range(total)]
    clone_stream(url, TEMPLATE, refs)
    due, opened = _due_date(today), datetime.now(UTC) - timedelta(days=14)
    with psycopg.connect(plain_url(url)) as conn:
        # The template's own deadlines would be reminded of too: they are closed, met.
        conn.execute("UPDATE deadline SET closed_at = now(), closed_reason = 'met'")
        conn.execute("UPDATE outbox SET done_at = now() WHERE done_at IS NULL")
        conn.execute(
            "INSERT INTO deadline (stream_id, stream_ref, rule, what, description, stage, "
            "owed_by, body, closes_on, anchor_on, due_on, original_due_on, paused_days, "
            "next_reminder_on, opened_at) "
            "SELECT w.id, w.ref, %s, 'a decision on the draft report', "
            "'Each participating body agrees the report put to joint sign-off.', "
            "'joint_signoff', 'participant', "
            "CASE WHEN n %% %s = 0 THEN %s ELSE %s END, 'state_left', %s, %s, %s, 0, NULL, %s "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS r(ref, n) "
            "JOIN work_stream w ON w.ref = r.ref ORDER BY n",
            (RULE, DELIVER_EVERY, REACHED, UNREACHED, opened.date(), due, due, opened, refs),
        )
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM deadline WHERE closed_at IS NULL ORDER BY id"
        ).fetchall()]  # fmt: skip
    vacuum_analyze(url, "work_stream", "stream_body", "deadline", "app_user")
    return ids


class Progress:
    """Reads how far the worker is, on its own connection."""

    def __init__(self, url: str, today: date) -> None:
        self.conn = psycopg.connect(plain_url(url), autocommit=True)
        self.today = today

    def make_due(self, first_id: int, last_id: int) -> None:
        self.conn.execute(
            "UPDATE deadline SET next_reminder_on = %s WHERE id BETWEEN %s AND %s",
            (self.today, first_id, last_id),
        )

    def busy(self) -> tuple[int, int]:
        """(deadlines still due, outbox rows not done)."""
        row = self.conn.execute(
            "SELECT (SELECT count(*) FROM deadline WHERE closed_at IS NULL "
            "AND next_reminder_on <= %s), (SELECT count(*) FROM outbox WHERE done_at IS NULL)",
            (self.today,),
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def counts(self) -> dict[str, int]:
        row = self.conn.execute(
            "SELECT (SELECT count(*) FROM reminder), "
            "(SELECT count(*) FROM outbox WHERE task = 'cjji.send_reminder'), "
            "(SELECT count(*) FROM delivery), "
            "(SELECT count(*) FROM audit_event WHERE action = 'notification_skipped'), "
            "(SELECT count(*) FROM deadline WHERE closed_at IS NULL AND next_reminder_on <= %s)",
            (self.today,),
        ).fetchone()
        assert row is not None
        keys = ("claims", "reminder_tasks", "deliveries", "nobody_to_tell", "still_due")
        return dict(zip(keys, (int(v) for v in row), strict=True))

    def close(self) -> None:
        self.conn.close()


def _drive(
    worker: Worker, client: Any, progress: Progress, ids: list[int], start: int, end: int
) -> list[float]:
    """Make deadlines ``start`` to ``end`` - 1 due in batches, a sweep task for each, and
    wait until the worker has swept them and delivered every reminder they gave: the
    seconds each sweep took.

    Each batch gets a sweep task per pool process: sweeps take their rows with ``SKIP
    LOCKED``, so the two share the batch, and each process both sweeps and delivers from
    the first batch on (one that only swept before the first reading and only then
    delivered too would grow for a reason that has nothing to do with the number of work
    streams). The next batch is made due as soon as the last is swept, while its reminders
    may still be being delivered."""
    took = []
    for first in range(start, end, SWEEP_BATCH):
        last = min(first + SWEEP_BATCH, end) - 1
        began = time.perf_counter()
        progress.make_due(ids[first], ids[last])
        for _ in range(CONCURRENCY):
            client.send_task("cjji.sweep_reminders", queue=worker.queue)
        _wait(worker, progress, lambda due, _: due == 0, first)
        took.append(time.perf_counter() - began)
        if (last + 1) // PROGRESS_EVERY > first // PROGRESS_EVERY:
            say(f"{NAME}: {last + 1:,} work streams swept")
    _wait(worker, progress, lambda due, pending: due == pending == 0, end)
    return took


def _wait(worker: Worker, progress: Progress, done: Callable[[int, int], bool], at: int) -> None:
    deadline = time.monotonic() + BATCH_TIMEOUT
    while not done(*progress.busy()):
        if worker.proc.poll() is not None or time.monotonic() > deadline:
            tail = "".join(worker.output[-30:])
            raise RuntimeError(f"the worker stopped at work stream {at}:\n{tail}")
        time.sleep(0.1)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(worker: Worker) -> dict[str, Any]:
    pool = sorted(worker.pool_pids())
    each = [rss_kib(pid) for pid in pool]
    return {
        "pool_kib": sum(each),
        "each_kib": each,
        "main_kib": rss_kib(worker.proc.pid),
        "pool_cpu_seconds": round(sum(_cpu_seconds(pid) for pid in pool), 2),
    }


def run(quick: bool = False) -> list[Figure]:
    small, large = QUICK_SIZES if quick else SIZES
    queue = new_queue(NAME)
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        from workflow.domain.working_days import london_date

        today = london_date(datetime.now(UTC))
        data_dir = Path(tmp)
        say(f"{NAME}: seeding {large:,} work streams with a deadline each")
        ids = _seed(url, data_dir, large, today)
        env = service_env(url, data_dir, queue=queue, mail_channel="file")
        client = celery_client(env)
        pinger = Pinger(client, queue)
        worker = Worker(env, concurrency=CONCURRENCY)
        progress = Progress(url, today)
        began = time.perf_counter()
        try:
            worker.ready(pinger.alive)
            at_start = _rss(worker)
            first_batches = _drive(worker, client, progress, ids, 0, small)
            time.sleep(SETTLE_SECONDS)
            at_small = _rss(worker) | {"seconds": time.perf_counter() - began}
            say(f"{NAME}: after {small:,}: pool RSS {at_small['pool_kib']:,} KiB")
            batches = first_batches + _drive(worker, client, progress, ids, small, large)
            time.sleep(SETTLE_SECONDS)
            at_large = _rss(worker) | {"seconds": time.perf_counter() - began}
            say(f"{NAME}: after {large:,}: pool RSS {at_large['pool_kib']:,} KiB")
            counts = progress.counts()
        finally:
            progress.close()
            worker.stop()
            pinger.close()
            drop_queue(queue)
    reached = large // DELIVER_EVERY
    expected = {
        "reminder_tasks": reached,
        "deliveries": 2 * reached,  # HMI Prisons' signatory and deputy
        "nobody_to_tell": large - reached,
        "still_due": 0,
    }
    if any(counts[k] != v for k, v in expected.items()):
        raise RuntimeError(f"the worker's work does not add up: {counts}, expected {expected}")
    growth = ratio(at_large["pool_kib"], at_small["pool_kib"])
    return [
        Figure(
            bench=NAME,
            name=f"worker pool RSS after {large // 1000}k work streams",
            value=at_large["pool_kib"] / 1024,
            unit="MiB",
            baseline=at_small["pool_kib"] / 1024,
            baseline_name=f"after {small // 1000}k",
            ratio=growth,
            target=f"≤ {TARGET:g}× after {small // 1000}k",
            met=growth <= TARGET,
            notes=f"swept by cjji.sweep_reminders; 1 in {DELIVER_EVERY} reminded by "
            "cjji.send_reminder",
            details={
                "at_ready": at_start,
                f"after_{small}": at_small,
                f"after_{large}": at_large,
                "work_done": counts,
                "sweep_batch": SWEEP_BATCH,
                "seconds_per_batch": [round(t, 2) for t in batches],
                "worker_concurrency": CONCURRENCY,
                "mail_channel": "file",
            },
        )
    ]


if __name__ == "__main__":
    main_for(NAME, run)
