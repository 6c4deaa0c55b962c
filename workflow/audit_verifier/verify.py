"""Checking an exported log against a body's witness folder."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.audit_verifier.witness import WitnessFolder, b64
from workflow.domain import merkle
from workflow.domain.audit_chain import ChainLink, leaf_data, verify_links
from workflow.domain.signed_note import SignedCheckpoint


@dataclass
class Report:
    body: str
    events: int
    checkpoints: int
    chain_ok: bool
    extension: bool
    lines: list[str] = field(default_factory=list)  # what was checked, one finding a line
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "body": self.body,
            "events": self.events,
            "checkpoints": self.checkpoints,
            "chain_ok": self.chain_ok,
            "extension": self.extension,
            "findings": self.lines,
            "problems": self.problems,
        }


def read_export(path: Path) -> list[ChainLink]:
    """The events of ``cjji audit export``: one JSON object a line, oldest first."""
    links = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                links.append(ChainLink(**{name: data[name] for name in ChainLink._fields}))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number} is not an exported event: {error}") from None
    return links


def verify(folder: WitnessFolder, links: Sequence[ChainLink], events: Iterable[int]) -> Report:
    engine, body = folder.engine_key(), folder.body_key()
    kept = folder.checkpoints()
    leaves = [merkle.leaf_hash(leaf_data(link)) for link in links]
    chain = verify_links(links, len(links), links[-1].hash if links else "0" * 64)
    report = Report(body.name, len(links), len(kept), chain.ok, extension=True)
    if chain.ok:
        report.lines.append(f"hash chain of the export intact: {len(links)} event(s)")
    else:
        report.problems.append(f"hash chain of the export broken: {chain.problem}")
    if not kept:
        report.problems.append(f"{folder.path} holds no cosigned checkpoint: nothing to compare")
        report.extension = False
        return report
    previous: SignedCheckpoint | None = None
    for signed in kept:
        cp = signed.checkpoint
        if not signed.signed_by(engine):
            report.problems.append(f"checkpoint {cp.size}: not signed by the engine key")
        if not signed.signed_by(body):
            report.problems.append(f"checkpoint {cp.size}: not cosigned by {body.name}'s key")
        if previous is not None and cp.origin != previous.checkpoint.origin:
            report.problems.append(f"checkpoint {cp.size}: of another log, {cp.origin!r}")
        if cp.size > len(leaves):
            report.extension = False
            report.problems.append(
                f"checkpoint {cp.size}: the export has only {len(leaves)} event(s): events "
                f"{len(leaves) + 1} to {cp.size}, cosigned on {cp.time}, are missing"
            )
            previous = signed
            continue
        if previous is not None:
            old = previous.checkpoint
            proof = merkle.consistency_proof(leaves, old.size, cp.size)
            if merkle.verify_consistency(old.size, cp.size, old.root, cp.root, proof):
                report.lines.append(f"checkpoints {old.size} → {cp.size}: consistent")
            else:
                report.problems.append(
                    f"checkpoints {old.size} → {cp.size}: no consistency proof from this log"
                )
        actual = merkle.root(leaves, 0, cp.size)
        if actual == cp.root:
            report.lines.append(
                f"checkpoint {cp.size} ({cp.time}): the export's first {cp.size} events "
                f"give its root {b64(cp.root)}"
            )
        else:
            report.extension = False
            report.problems.append(
                f"checkpoint {cp.size} ({cp.time}): {body.name} cosigned root "
                f"{b64(cp.root)}, but the export's first {cp.size} events give "
                f"{b64(actual)}: history before it was rewritten"
            )
        previous = signed
    latest = kept[-1].checkpoint
    for seq in events:
        if not 1 <= seq <= min(latest.size, len(leaves)):
            report.problems.append(f"event {seq}: not in the latest cosigned checkpoint")
            continue
        proof = merkle.inclusion_proof(leaves, seq - 1, latest.size)
        if merkle.verify_inclusion(leaves[seq - 1], seq - 1, latest.size, proof, latest.root):
            report.lines.append(
                f"event {seq}: included in checkpoint {latest.size} as exported "
                f"({links[seq - 1].action} by {links[seq - 1].actor})"
            )
        else:
            report.problems.append(
                f"event {seq}: as exported, it is not the event {body.name} cosigned"
            )
    return report


def verdict(report: Report) -> str:
    if report.ok:
        return (
            f"EXTENSION: this log of {report.events} event(s) extends every one of the "
            f"{report.checkpoints} checkpoint(s) {report.body} cosigned"
        )
    if not report.extension:
        return (
            f"NOT AN EXTENSION: this log is not the log {report.body} cosigned; do not rely on it"
        )
    return f"PROBLEMS: {report.body}'s checkpoints or the events asked about do not check out"
