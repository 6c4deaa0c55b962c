"""A body's part in the witnessed log, in-process: its key registered, a checkpoint cosigned
after the same consistency check `cjji audit cosign` makes."""

from __future__ import annotations

import base64

from tests.support.acting import send
from workflow.application.commands import RegisterWitnessKey
from workflow.application.jobs.checkpoints import engine_key
from workflow.application.queries import witness as queries
from workflow.application.witness import accept_cosignature
from workflow.audit_verifier.witness import cosign
from workflow.bootstrap import Runtime
from workflow.domain.signed_note import SignedCheckpoint, SignerKey


def body_key(rt: Runtime, body: str) -> SignerKey:
    """A new key pair for ``body``, its public half registered by the administrator."""
    key = SignerKey.generate(body)
    send(rt, "admin", RegisterWitnessKey(witness=body, verifier_key=str(key.verifier)))
    return key


def cosign_latest(
    rt: Runtime, key: SignerKey, previous: SignedCheckpoint | None = None
) -> SignedCheckpoint:
    """Cosign the engine's latest checkpoint if it extends ``previous``; returns it."""
    latest = queries.latest_checkpoint(rt)
    assert latest is not None, "no checkpoint to cosign"
    signed = SignedCheckpoint.parse(latest.note)
    proof: list[bytes] = []
    if previous is not None and previous.checkpoint.size < signed.checkpoint.size:
        data = queries.consistency_proof(rt, previous.checkpoint.size, signed.checkpoint.size)
        proof = [base64.b64decode(p) for p in data["proof"]]
    line = cosign(key, engine_key(rt).verifier, previous, signed, proof)
    accept_cosignature(rt, key.name, signed.checkpoint.size, line)
    return signed.with_signature(line)
