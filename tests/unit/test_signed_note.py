"""Checkpoints as signed notes, keys as Go's note package spells them, and cosigning."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.audit_verifier.witness import NotAnExtension, WitnessFolder, cosign
from workflow.domain import merkle
from workflow.domain.signed_note import (
    Checkpoint,
    NoteError,
    SignedCheckpoint,
    SignerKey,
    VerifierKey,
    key_id,
    sign,
)

T = datetime(2026, 12, 4, 10, tzinfo=UTC)
ENGINE = SignerKey("cjji-workflow/audit", hashlib.sha256(b"engine").digest())
BODY = SignerKey("HMICFRS", hashlib.sha256(b"body").digest())


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(bytes([i])) for i in range(n)]


def checkpoint(n: int, data: list[bytes] | None = None) -> SignedCheckpoint:
    data = leaves(n) if data is None else data
    return sign(Checkpoint.at(ENGINE.name, n, merkle.root(data[:n]), T), ENGINE)


@given(st.binary(min_size=32, max_size=32))
def test_keys_read_back_whatever_their_base64_holds(seed: bytes) -> None:
    # Standard base64 has "+" in its alphabet: a key is split at its first two "+" only.
    key = SignerKey("HMIPROBATION", seed)
    assert SignerKey.parse(str(key)) == key
    assert VerifierKey.parse(str(key.verifier)) == key.verifier
    assert str(key.verifier).startswith(f"HMIPROBATION+{key.verifier.id.hex()}+")


def test_the_key_id_is_c2sp_signed_notes() -> None:
    public = ENGINE.verifier.public
    expected = hashlib.sha256(b"cjji-workflow/audit\n\x01" + public).digest()[:4]
    assert key_id("cjji-workflow/audit", public) == ENGINE.verifier.id == expected


def test_a_checkpoint_reads_back_and_its_signatures_verify() -> None:
    signed = checkpoint(5).with_signature(BODY.signature_line(checkpoint(5).checkpoint.body))
    again = SignedCheckpoint.parse(signed.text)
    assert again == signed
    assert again.signed_by(ENGINE.verifier) and again.signed_by(BODY.verifier)
    assert signed.text.startswith(
        f"cjji-workflow/audit\n5\n{base64.b64encode(merkle.root(leaves(5))).decode()}\n"
    )


def test_a_changed_size_root_or_time_breaks_every_signature() -> None:
    text = checkpoint(5).text
    for old, new in (("\n5\n", "\n6\n"), ("time 2026", "time 2027")):
        forged = SignedCheckpoint.parse(text.replace(old, new, 1))
        assert not forged.signed_by(ENGINE.verifier)
    other = SignerKey("cjji-workflow/audit", hashlib.sha256(b"other").digest())
    assert not checkpoint(5).signed_by(other.verifier), "same name, another key"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("origin\n5\n", "body, a blank line"),
        ("origin\nfive\nAAAA\ntime x\n\n", "not a number"),
        ("origin\n5\nAAAA\ntime x\n\n", "not 32 bytes"),
        ("origin\n5\n" + "A" * 43 + "=\n\n\n", "origin, size, root hash, time"),
        ("origin\n5\n" + "A" * 43 + "=\ntime x\n\n- name sig\n", "signature line"),
    ],
)
def test_what_is_not_a_checkpoint_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        SignedCheckpoint.parse(text)


def test_a_body_cosigns_only_an_extension_signed_by_the_engine_it_pinned() -> None:
    data = leaves(9)
    first, later = checkpoint(4, data), checkpoint(9, data)
    proof = merkle.consistency_proof(data, 4, 9)
    line = cosign(BODY, ENGINE.verifier, first, later, proof)
    assert later.with_signature(line).signed_by(BODY.verifier)
    rewritten = [merkle.leaf_hash(b"rewritten"), *data[1:]]
    forged = checkpoint(9, rewritten)
    with pytest.raises(NotAnExtension, match="is not an extension of the log of 4 events"):
        cosign(BODY, ENGINE.verifier, first, forged, merkle.consistency_proof(rewritten, 4, 9))
    with pytest.raises(NotAnExtension, match="not signed by the engine key"):
        cosign(BODY, BODY.verifier, first, later, proof)
    with pytest.raises(NotAnExtension, match="is not an extension"):  # the log shrank
        cosign(BODY, ENGINE.verifier, later, first, [])


def test_the_witness_folder_keeps_the_engine_key_it_first_saw(tmp_path: Path) -> None:
    folder = WitnessFolder(tmp_path / "w")
    folder.set_up(ENGINE.verifier, BODY.verifier)
    assert folder.engine_key() == ENGINE.verifier and folder.body_key() == BODY.verifier
    impostor = SignerKey("cjji-workflow/audit", hashlib.sha256(b"impostor").digest())
    with pytest.raises(NotAnExtension, match="another engine key"):
        folder.set_up(impostor.verifier, BODY.verifier)
    folder.keep(checkpoint(9))
    folder.keep(checkpoint(10))
    latest = folder.latest()
    assert latest is not None and latest.checkpoint.size == 10
