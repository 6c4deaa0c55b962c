"""Signing a checkpoint of the audit tree: run by `cjji beat` on a schedule and by
`cjji audit checkpoint` on demand.

The engine signs only a tree whose hash chain is intact and which extends the last
checkpoint it signed: if history was rewritten in the database, it refuses, and says so.
Nothing changes when no event was written since the last checkpoint, so the job is
idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from workflow.adapters.signing_key import load_or_create
from workflow.application.runtime import Runtime
from workflow.domain import merkle
from workflow.domain.errors import Refused
from workflow.domain.signed_note import Checkpoint, SignedCheckpoint, SignerKey, sign
from workflow.store.tables import AuditCheckpointRow
from workflow.store.witness import tree_leaves


@dataclass(frozen=True, slots=True)
class CheckpointMade:
    checkpoint: SignedCheckpoint
    new: bool  # False: no event since the last one, which is returned


def engine_key(rt: Runtime) -> SignerKey:
    return load_or_create(rt.settings.signing_key_file, rt.settings.audit_origin)


def make_checkpoint(rt: Runtime) -> CheckpointMade:
    key = engine_key(rt)
    with rt.read() as session:
        verification, leaves = tree_leaves(session)
        latest = session.exec(
            select(AuditCheckpointRow).order_by(col(AuditCheckpointRow.size).desc()).limit(1)
        ).first()
    if not verification.ok:
        raise Refused(
            f"no checkpoint signed: the audit trail is broken at event "
            f"{verification.first_bad_seq}: {verification.problem}"
        )
    if latest is not None:
        if latest.size > len(leaves) or merkle.root(leaves, 0, latest.size).hex() != (
            latest.root_hash
        ):
            raise Refused(
                f"no checkpoint signed: the audit log is not an extension of checkpoint "
                f"{latest.size}, signed {latest.made_at:%Y-%m-%d %H:%M} UTC: its first "
                f"{latest.size} events were rewritten"
            )
        if latest.size == len(leaves):
            return CheckpointMade(SignedCheckpoint.parse(latest.note), new=False)
    now, root = rt.clock(), merkle.root(leaves)
    signed = sign(Checkpoint.at(key.name, len(leaves), root, now), key)
    row = AuditCheckpointRow(size=len(leaves), root_hash=root.hex(), made_at=now, note=signed.text)
    try:
        with rt.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:  # another process signed this very size a moment ago
        with rt.read() as session:
            same = session.get(AuditCheckpointRow, len(leaves))
            assert same is not None
            return CheckpointMade(SignedCheckpoint.parse(same.note), new=False)
    return CheckpointMade(signed, new=True)
