"""The engine's checkpoint-signing key: a file under the data directory, made on first use.

Only this process reads the private half; its public half is printed by
``cjji audit checkpoint`` and written into every body's witness folder when the body
makes its key, so a later change of the engine's key is noticed by every body.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflow.domain.signed_note import SignerKey


def load_or_create(path: Path, name: str) -> SignerKey:
    if path.exists():
        key = SignerKey.parse(path.read_text())
        if key.name != name:
            raise ValueError(
                f"{path} signs as {key.name!r}, not the audit origin {name!r}: "
                "keep the origin or move the key aside"
            )
        return key
    key = SignerKey.generate(name)
    write_private(path, str(key) + "\n")
    return key


def write_private(path: Path, text: str) -> None:
    """Write a secret so that only its owner can read it, and never over another one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
