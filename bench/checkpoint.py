"""Checkpoints and proofs of the witnessed audit log at 1M events, against raw hashing.

Measured, over a chain of 1,000,000 events on PostgreSQL (20,000 with ``--quick``),
generated as :mod:`bench.audit_verify` does:

- **checkpoint**: :func:`workflow.application.jobs.checkpoints.make_checkpoint`, what
  ``cjji audit checkpoint`` and the beat's ``cjji.sign_checkpoint`` run: every event read
  in ``seq`` order, the hash chain verified, each event's leaf hash, the RFC 9162 root,
  signed with Ed25519 and stored (the previous checkpoint is deleted before each run, so
  every run signs a new one);
- **inclusion proof** and **consistency proof** (500k → 1M), as ``cjji audit prove``
  answers them (:mod:`workflow.application.queries.witness`): the same reading and
  verifying, then the roots and the proof;
- the same tree root and proofs **in memory**, from the leaf hashes (what
  :mod:`workflow.domain.merkle` costs alone);
- **verifying** an inclusion and a consistency proof, as a body's verifier does.

Baseline: *hashing the same bytes raw*. Each operation is run once with ``hashlib`` in
the chain's and the tree's modules replaced by a recorder that keeps every input it is
given; the baseline is a bare loop of ``hashlib.sha256(data).digest()`` over exactly those
inputs, timed in the same run. The ratio says what reading, encoding and the tree's code
cost on top of the hashing that cannot be avoided. No target is set by the issue: the
figures are reported.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg

from bench.audit_verify import generate
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
)

NAME = "checkpoint"


class _Recorder:
    """Stands in for the ``hashlib`` module: hashes as it does, keeping every input."""

    def __init__(self) -> None:
        self.inputs: list[bytes] = []

    def sha256(self, data: bytes = b"") -> Any:
        self.inputs.append(bytes(data))
        return hashlib.sha256(data)


@contextmanager
def recording() -> Iterator[_Recorder]:
    from workflow.domain import audit_chain, merkle

    modules: tuple[ModuleType, ...] = (audit_chain, merkle)
    recorder = _Recorder()
    for module in modules:
        module.hashlib = recorder  # type: ignore[attr-defined]
    try:
        yield recorder
    finally:
        for module in modules:
            module.hashlib = hashlib  # type: ignore[attr-defined]


def inputs_of(operation: Callable[[], object]) -> list[bytes]:
    """Every input ``operation`` hashes, in order (one untimed run)."""
    with recording() as recorder:
        operation()
    return recorder.inputs


def raw_hashing(inputs: list[bytes]) -> Callable[[], object]:
    def run() -> None:
        sha256 = hashlib.sha256
        for data in inputs:
            sha256(data).digest()

    return run


def _label(events: int) -> str:
    return f"{events / 1e6:g}M" if events >= 1_000_000 else f"{events // 1000}k"


def run(quick: bool = False) -> list[Figure]:
    from workflow.application.jobs.checkpoints import make_checkpoint
    from workflow.application.queries import witness as queries
    from workflow.domain import merkle
    from workflow.store.witness import tree_leaves

    events, times = (20_000, 3) if quick else (1_000_000, 3)
    old = events // 2
    figures: list[Figure] = []
    with scratch_database(NAME) as url, tempfile.TemporaryDirectory() as tmp:
        say(f"{NAME}: generating {events:,} chained events")
        generate(url, events)
        rt = runtime_for(url, Path(tmp))

        def checkpoint() -> None:
            with psycopg.connect(plain_url(url), autocommit=True) as conn:
                conn.execute("DELETE FROM audit_checkpoint")
            made = make_checkpoint(rt)
            if not made.new or made.checkpoint.checkpoint.size != events:
                raise RuntimeError(f"expected a new checkpoint of {events} events")

        def inclusion() -> None:
            answer = queries.inclusion_proof(rt, events // 2 + 1)
            if answer["tree_size"] != events:
                raise RuntimeError("the inclusion proof is not over the whole tree")

        def consistency() -> None:
            answer = queries.consistency_proof(rt, old)
            if answer["new_size"] != events:
                raise RuntimeError("the consistency proof is not over the whole tree")

        with rt.read() as session:
            verification, leaves = tree_leaves(session)
        if not verification.ok or len(leaves) != events:
            raise RuntimeError(f"the generated chain does not verify: {verification.problem}")
        tree_root = merkle.root(leaves)
        index = events // 2
        path = merkle.inclusion_proof(leaves, index)
        consistency_path = merkle.consistency_proof(leaves, old)
        old_root = merkle.root(leaves, 0, old)
        verify_times = 2000

        def verify_inclusion() -> None:
            for _ in range(verify_times):
                if not merkle.verify_inclusion(leaves[index], index, events, path, tree_root):
                    raise RuntimeError("a good inclusion proof did not verify")

        def verify_consistency() -> None:
            for _ in range(verify_times):
                if not merkle.verify_consistency(
                    old, events, old_root, tree_root, consistency_path
                ):
                    raise RuntimeError("a good consistency proof did not verify")

        cases: list[tuple[str, Callable[[], object], int]] = [
            (f"checkpoint (`cjji audit checkpoint`), {_label(events)} events", checkpoint, 1),
            (f"inclusion proof (`cjji audit prove`), {_label(events)} events", inclusion, 1),
            (
                f"consistency proof {_label(old)} → {_label(events)} (`cjji audit prove`)",
                consistency,
                1,
            ),
            (f"tree root in memory, {_label(events)} leaves", lambda: merkle.root(leaves), 1),
            (
                f"inclusion proof in memory, {_label(events)} leaves",
                lambda: merkle.inclusion_proof(leaves, index),
                1,
            ),
            (
                f"consistency proof in memory, {_label(old)} → {_label(events)}",
                lambda: merkle.consistency_proof(leaves, old),
                1,
            ),
            ("verifying an inclusion proof (per proof)", verify_inclusion, verify_times),
            ("verifying a consistency proof (per proof)", verify_consistency, verify_times),
        ]
        try:
            for name, operation, per in cases:
                inputs = inputs_of(operation)
                size = sum(map(len, inputs))
                say(f"{NAME}: {name}: {len(inputs):,} hashes over {size:,} bytes")
                # The recording run warmed the caches: no separate warm-up.
                runs = interleaved(
                    {"service": operation, "raw": raw_hashing(inputs)}, times, warmup=0
                )
                value, raw = median(runs["service"]) / per, median(runs["raw"]) / per
                unit, scale = ("ms", 1000.0) if value >= 0.001 else ("µs", 1e6)
                figures.append(
                    Figure(
                        bench=NAME,
                        name=name,
                        value=value * scale,
                        unit=unit,
                        baseline=raw * scale,
                        baseline_name="sha256 of the same bytes, raw",
                        ratio=ratio(value, raw),
                        target="— (reported)",
                        details={
                            "events": events,
                            "hashes": len(inputs) // per,
                            "bytes_hashed": size // per,
                            "service_seconds": runs["service"],
                            "raw_seconds": runs["raw"],
                            "repeats_per_run": per,
                        },
                    )
                )
                del inputs
                say(f"{NAME}: {name}: {value * scale:,.1f} {unit} ({figures[-1].ratio:.2f}× raw)")
        finally:
            rt.engine.dispose()
    return figures


if __name__ == "__main__":
    main_for(NAME, run)
