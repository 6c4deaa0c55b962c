"""Read models of the witnessed audit log: checkpoints and who cosigned them, proofs, the
bodies' keys, and the export a body checks with ``python -m workflow.audit_verifier``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from sqlmodel import Session, col, select

from workflow.application.runtime import Runtime
from workflow.domain import merkle
from workflow.domain.audit_chain import ChainLink, utc_iso
from workflow.domain.errors import InvalidInput, NotFound, Refused
from workflow.domain.signed_note import SignedCheckpoint, VerifierKey
from workflow.store.audit import head_of, iter_links
from workflow.store.tables import AuditBodyKeyRow, AuditCheckpointRow, AuditCosignatureRow
from workflow.store.witness import tree_leaves


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@dataclass(frozen=True, slots=True)
class CheckpointView:
    size: int
    root_hash: str  # hex
    made_at: str  # as signed
    note: str  # the checkpoint with the engine's signature and every cosignature
    cosigned_by: list[str]
    not_cosigned_by: list[str]  # bodies with a key that have not cosigned it

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root_hash": self.root_hash,
            "time": self.made_at,
            "cosigned_by": self.cosigned_by,
            "not_cosigned_by": self.not_cosigned_by,
            "note": self.note,
        }


def _view(session: Session, row: AuditCheckpointRow) -> CheckpointView:
    signed = SignedCheckpoint.parse(row.note)
    cosigs = session.exec(
        select(AuditCosignatureRow)
        .where(col(AuditCosignatureRow.size) == row.size)
        .order_by(col(AuditCosignatureRow.body))
    ).all()
    for c in cosigs:
        signed = signed.with_signature(c.signature)
    keyed = session.exec(select(AuditBodyKeyRow.body).order_by(col(AuditBodyKeyRow.body))).all()
    done = [c.body for c in cosigs]
    return CheckpointView(
        row.size,
        row.root_hash,
        signed.checkpoint.time,
        signed.text,
        done,
        [b for b in keyed if b not in done],
    )


def latest_checkpoint(rt: Runtime) -> CheckpointView | None:
    with rt.read() as session:
        row = session.exec(
            select(AuditCheckpointRow).order_by(col(AuditCheckpointRow.size).desc()).limit(1)
        ).first()
        return _view(session, row) if row else None


def checkpoint(rt: Runtime, size: int) -> CheckpointView:
    with rt.read() as session:
        row = session.get(AuditCheckpointRow, size)
        if row is None:
            raise NotFound(f"no checkpoint of {size} events")
        return _view(session, row)


def witness_keys(rt: Runtime) -> dict[str, VerifierKey]:
    with rt.read() as session:
        rows = session.exec(select(AuditBodyKeyRow)).all()
        return {r.body: VerifierKey.parse(r.verifier_key) for r in rows}


def _leaves(session: Session) -> list[bytes]:
    verification, leaves = tree_leaves(session)
    if not verification.ok:
        raise Refused(
            f"the audit trail is broken at event {verification.first_bad_seq}: "
            f"{verification.problem}"
        )
    return leaves


def _size(requested: int | None, leaves: list[bytes]) -> int:
    size = len(leaves) if requested is None else requested
    if not 1 <= size <= len(leaves):
        raise InvalidInput(f"the tree has sizes 1 to {len(leaves)}, not {size}")
    return size


def inclusion_proof(rt: Runtime, seq: int, size: int | None = None) -> dict[str, Any]:
    """That event ``seq`` is leaf ``seq - 1`` of the tree of ``size`` events (default: all)."""
    with rt.read() as session:
        leaves = _leaves(session)
    size = _size(size, leaves)
    if not 1 <= seq <= size:
        raise InvalidInput(f"event {seq} is not in a tree of {size} events")
    proof = merkle.inclusion_proof(leaves, seq - 1, size)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": size,
        "leaf_hash": b64(leaves[seq - 1]),
        "root_hash": b64(merkle.root(leaves, 0, size)),
        "proof": [b64(p) for p in proof],
    }


def consistency_proof(rt: Runtime, old: int, new: int | None = None) -> dict[str, Any]:
    """That the tree of ``old`` events is a prefix of the tree of ``new`` (default: all)."""
    with rt.read() as session:
        leaves = _leaves(session)
    new = _size(new, leaves)
    if not 1 <= old <= new:
        raise InvalidInput(f"the old size must be 1 to {new}, not {old}")
    return {
        "old_size": old,
        "new_size": new,
        "old_root": b64(merkle.root(leaves, 0, old)),
        "new_root": b64(merkle.root(leaves, 0, new)),
        "proof": [b64(p) for p in merkle.consistency_proof(leaves, old, new)],
    }


def link_dict(link: ChainLink) -> dict[str, Any]:
    """One event as the export writes it: every field the chain and the tree hash."""
    data = link._asdict()
    data["at"] = link.at if isinstance(link.at, str) else utc_iso(link.at)
    return data


def export_log(rt: Runtime, out: TextIO) -> int:
    """Write every event up to the head, one JSON object a line, oldest first."""
    written = 0
    with rt.read() as session:
        head_seq, _hash = head_of(session)
        for link in _up_to(iter_links(session), head_seq):
            out.write(json.dumps(link_dict(link), ensure_ascii=False, sort_keys=True) + "\n")
            written += 1
    return written


def _up_to(links: Iterator[ChainLink], last: int) -> Iterator[ChainLink]:
    for link in links:
        if link.seq > last:
            return
        yield link
