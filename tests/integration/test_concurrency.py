"""Concurrent changes to one work stream are never lost nor applied twice."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from tests.integration.walk import LEAD, agree_terms, create
from tests.support.acting import send
from workflow.application.commands import EditWorkStream, FireTrigger
from workflow.application.queries import streams as queries
from workflow.bootstrap import Runtime
from workflow.domain.errors import Conflict, WorkflowError

THREADS = 8


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call at the same instant on its own thread; returns results or errors."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except WorkflowError as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.parametrize("round_", range(5))
def test_eight_threads_firing_conflicting_triggers_apply_exactly_the_valid_sequence(
    pg_rt: Runtime, round_: int
) -> None:
    rt = pg_rt
    create(rt)
    agree_terms(rt, "mappa")
    send(rt, LEAD, FireTrigger(key="mappa", trigger="start_fieldwork"))
    triggers = ["start_drafting", "pause", "resume", "pause"] * 2
    results = race(
        [
            partial(send, rt, LEAD, FireTrigger(key="mappa", trigger=t, reason="race"))
            for t in triggers
        ]
    )
    succeeded = [r for r in results if not isinstance(r, WorkflowError)]
    refused = [r for r in results if isinstance(r, WorkflowError)]
    assert succeeded, "at least the first valid trigger applies"
    assert all("cannot" in str(e) for e in refused), refused
    moves = [(e["from"], e["to"]) for e in queries.audit_log(rt, "mappa", action="transitioned")]
    applied = moves[1:]  # after scoping → fieldwork
    assert len(applied) == len(succeeded), "every success is one recorded move, no more"
    for (_, to), (frm, _) in itertools.pairwise(applied):
        assert to == frm, f"moves form one unbroken sequence: {applied}"
    stored = queries.show_stream(rt, "mappa")
    assert stored["state"] == (applied[-1][1] if applied else "fieldwork")
    # Twelve changes before the race: three bodies' leads named; terms and methodology
    # registered, three approvals of each; start of fieldwork.
    assert stored["version"] == 12 + len(succeeded)
    assert queries.verify_audit(rt).ok
    assert queries.replay_differences(rt) == {}


def test_with_an_expected_version_only_one_of_eight_concurrent_edits_wins(
    pg_rt: Runtime,
) -> None:
    rt = pg_rt
    create(rt)
    version = queries.show_stream(rt, "mappa")["version"]
    results = race(
        [
            partial(
                send,
                rt,
                LEAD,
                EditWorkStream(
                    key="mappa",
                    expected_version=version,
                    changes={"title": f"Title from thread {i}"},
                ),
            )
            for i in range(THREADS)
        ]
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == THREADS - 1
    assert "reload it and try again" in str(conflicts[0])
    assert queries.show_stream(rt, "mappa")["version"] == version + 1
    assert len(queries.audit_log(rt, "mappa", action="edited")) == 1
    assert queries.verify_audit(rt).ok


def test_concurrent_changes_to_different_work_streams_keep_one_unbroken_chain(
    rt: Runtime,
) -> None:
    for i in range(THREADS):
        create(rt, ref=f"stream-{i}")
    before = queries.verify_audit(rt).checked
    results = race(
        [
            lambda i=i: send(
                rt, LEAD, EditWorkStream(key=f"stream-{i}", changes={"priority": "high"})
            )  # type: ignore[misc]
            for i in range(THREADS)
        ]
    )
    assert not [r for r in results if isinstance(r, WorkflowError)]
    verification = queries.verify_audit(rt)
    assert verification.ok
    assert verification.checked == before + THREADS
