"""The engine's checkpoint-signing key: a file under the data directory, made on first use.

Only this process reads the private half; its public half is printed by
``cjji audit checkpoint`` and written into every body's witness folder when the body
makes its key, so a later change of the engine's key is noticed by every body.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflow.domain.errors import InvalidInput
from workflow.domain.signed_note import NoteError, SignerKey


def load_or_create(path: Path, name: str) -> SignerKey:
    if path.exists():
        try:
            key = SignerKey.parse(path.read_text())
        except NoteError as error:
            raise InvalidInput(f"{path} is not the engine's signing key: {error}") from None
        if key.name != name:
            raise InvalidInput(
                f"{path} signs as {key.name!r}, not the audit origin {name!r}: "
                "keep the origin or move the key aside"
            )
        return key
    key = SignerKey.generate(name)
    try:
        write_private(path, str(key) + "\n")
    except FileExistsError:  # made by another process a moment ago: that one is the key
        return load_or_create(path, name)
    return key


def write_private(path: Path, text: str) -> None:
    """Write a secret so that only its owner can read it, and never over another one.

    Written whole to a file of its own, then linked into place: a process that finds the
    file (another container making the engine key at the same moment) reads all of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.link(draft, path)  # fails if the file exists: never overwritten
    finally:
        draft.unlink()
