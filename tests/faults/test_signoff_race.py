"""Every participating body approves at the same instant, from separate processes.

Promise: exactly one move to publication per round, every approval recorded, the audit
chain intact — whatever the interleaving.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from config.settings import Settings
from tests.integration.walk import BODIES, create, signatory, to_signoff
from tests.support.acting import send
from tests.support.processes import process_context
from workflow.application.commands import RecordDecision
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime, bootstrap
from workflow.store.tables import AuditEventRow, WorkStreamRow

# Its code runs in other processes, or repeats what other tests measure: coverage's
# tracer is off (tests/conftest.py, docs/testing.md).
pytestmark = pytest.mark.untraced


def approve_in_rounds(
    url: str, body: str, refs: list[str], versions: list[str], barrier: Any, errors: Any
) -> None:
    """One body's signatory, in its own process, approving one stream per round."""
    rt = bootstrap(Settings(database_url=url, _env_file=None))
    for ref, version in zip(refs, versions, strict=True):
        barrier.wait(timeout=60)
        try:
            send(
                rt,
                signatory(body),
                RecordDecision(key=ref, body=body, decision="approve", version=version),
            )
        except Exception as error:  # reported to the parent, which fails the test
            errors.put(f"{ref} {body}: {type(error).__name__}: {error}")


def race(rt: Runtime, url: str, rounds: int) -> None:
    refs, versions = [], []
    for i in range(rounds):
        ref = f"race-{i:03d}"
        create(rt, ref=ref)
        versions.append(to_signoff(rt, ref, draft=f"Draft {i}".encode()))
        refs.append(ref)
    ctx = process_context()
    barrier, errors = ctx.Barrier(len(BODIES)), ctx.Queue()
    procs = [
        ctx.Process(target=approve_in_rounds, args=(url, b, refs, versions, barrier, errors))
        for b in BODIES
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    problems = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert not problems, problems[:5]
    assert all(p.exitcode == 0 for p in procs)

    with rt.read() as session:
        states = Counter(
            session.exec(
                select(WorkStreamRow.state).where(col(WorkStreamRow.ref).startswith("race-"))
            ).all()
        )
        completions = Counter(
            e.stream_ref
            for e in session.exec(
                select(AuditEventRow).where(
                    col(AuditEventRow.action) == "transitioned",
                    col(AuditEventRow.to_state) == "publication",
                )
            ).all()
        )
        approvals = Counter(
            e.stream_ref
            for e in session.exec(
                select(AuditEventRow).where(
                    col(AuditEventRow.action) == "decision_recorded",
                    col(AuditEventRow.stream_ref).startswith("race-"),
                )
            ).all()
        )
    assert states == {"publication": rounds}
    assert set(completions.values()) == {1} and len(completions) == rounds
    # every body's approval of the terms of reference, the methodology, the findings and
    # the report, per stream
    assert set(approvals.values()) == {4 * len(BODIES)}
    assert queries.verify_audit(rt).ok


# Each round is a separate race of every body's process, released together by a barrier;
# 25 rounds on each database (PostgreSQL once ran 200: most of that time went on walking the
# streams to sign-off in the parent, not on racing).
def test_simultaneous_approvals_move_each_stream_to_publication_exactly_once_on_postgres(
    pg_rt: Runtime, pg_database: str
) -> None:
    race(pg_rt, pg_database, rounds=25)


def test_simultaneous_approvals_move_each_stream_to_publication_exactly_once_on_sqlite(
    sqlite_rt: Runtime, tmp_path: Path
) -> None:
    race(sqlite_rt, str(sqlite_rt.engine.url), rounds=25)
