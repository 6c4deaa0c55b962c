"""A body's witness folder, and the one rule of cosigning.

The folder holds the engine's public key as the body first saw it (``engine.vkey``), the
body's own public key (``BODY.vkey``) and every checkpoint the body cosigned
(``checkpoint-SIZE.txt``, with the engine's signature and the body's). It is the body's
memory: the engine cannot change it, so the engine cannot make the body forget what it
cosigned.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow.domain import merkle
from workflow.domain.signed_note import SignedCheckpoint, SignerKey, VerifierKey

ENGINE_KEY = "engine.vkey"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)\.txt$")


class NotAnExtension(Exception):
    """The engine's latest checkpoint does not extend what this body cosigned before."""


@dataclass(frozen=True)
class WitnessFolder:
    path: Path

    def engine_key(self) -> VerifierKey:
        file = self.path / ENGINE_KEY
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing: the engine's public key, kept at keygen")
        return VerifierKey.parse(file.read_text())

    def body_key(self) -> VerifierKey:
        keys = [p for p in self.path.glob("*.vkey") if p.name != ENGINE_KEY]
        if len(keys) != 1:
            raise FileNotFoundError(f"{self.path} should hold exactly one body key BODY.vkey")
        return VerifierKey.parse(keys[0].read_text())

    def set_up(self, engine: VerifierKey, body: VerifierKey) -> None:
        """Pin the engine's key and keep the body's; an engine key already kept stays."""
        self.path.mkdir(parents=True, exist_ok=True)
        pinned = self.path / ENGINE_KEY
        if pinned.exists() and VerifierKey.parse(pinned.read_text()) != engine:
            raise NotAnExtension(f"{pinned} holds another engine key than the engine's now")
        pinned.write_text(f"{engine}\n")
        (self.path / f"{body.name}.vkey").write_text(f"{body}\n")

    def checkpoints(self) -> list[SignedCheckpoint]:
        found = []
        for p in self.path.glob("checkpoint-*.txt"):
            if _CHECKPOINT.match(p.name):
                found.append(SignedCheckpoint.parse(p.read_text()))
        return sorted(found, key=lambda c: c.checkpoint.size)

    def latest(self) -> SignedCheckpoint | None:
        kept = self.checkpoints()
        return kept[-1] if kept else None

    def keep(self, cosigned: SignedCheckpoint) -> Path:
        file = self.path / f"checkpoint-{cosigned.checkpoint.size}.txt"
        file.write_text(cosigned.text)
        return file


def cosign(
    key: SignerKey,
    engine: VerifierKey,
    previous: SignedCheckpoint | None,
    latest: SignedCheckpoint,
    proof: Sequence[bytes],
) -> str:
    """The body's signature line on ``latest``, given only if the engine signed it and it
    extends ``previous`` (the last checkpoint this body cosigned) by ``proof``."""
    new = latest.checkpoint
    if not latest.signed_by(engine):
        raise NotAnExtension(f"checkpoint {new.size} is not signed by the engine key {engine}")
    if previous is not None:
        old = previous.checkpoint
        if old.origin != new.origin:
            raise NotAnExtension(f"checkpoint is of log {new.origin!r}, not {old.origin!r}")
        if not merkle.verify_consistency(old.size, new.size, old.root, new.root, proof):
            raise NotAnExtension(
                f"the log of {new.size} events (root {b64(new.root)}) is not an extension "
                f"of the log of {old.size} events this body cosigned at {old.time} "
                f"(root {b64(old.root)}): history was rewritten or the log forked"
            )
    return key.signature_line(new.body)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
