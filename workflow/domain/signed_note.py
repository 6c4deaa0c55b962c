"""Signed checkpoints of the audit tree, in the C2SP signed-note / tlog-checkpoint format.

A checkpoint says "the log called *origin* had *size* events and this root hash":

    cjji-workflow/audit
    35
    t0ZGkGz6c0pY5AvqTQ1A7ApDuE3kC9eJkMiWSXjHh0Y=
    time 2026-12-04T03:40:00.000000Z

    — cjji-workflow/audit Az3grlgt+J1Rt4EnpsMFhIJkvXx8SW+6FQ5Gqm07aNEpqP+mG1U7xA...
    — HMIPROBATION kV0hrw8n...

The body (the text up to and including the blank line's preceding newline) is what every
signature covers. Each signature line is an em dash, a space, the key's name, a space and
base64(key id || Ed25519 signature), the key id being the first four bytes of
SHA-256(name || "\\n" || 0x01 || public key) as C2SP signed-note defines. Keys are written
in the same spelling as Go's ``golang.org/x/mod/sumdb/note``:
``name+hexid+base64(0x01 || public key)`` to verify, ``PRIVATE+KEY+name+hexid+base64(0x01
|| seed)`` to sign, so other tools can check a checkpoint without this engine.

Pure: bytes in, bytes out; the keys are handed in by whoever keeps them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from workflow.domain.audit_chain import utc_iso

ED25519 = b"\x01"
DASH = "\u2014"  # the em dash every signature line begins with


class NoteError(ValueError):
    """A key or checkpoint that cannot be read as one."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name has no spaces or '+': {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class VerifierKey:
    name: str
    public: bytes  # 32 bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    def __str__(self) -> str:
        encoded = base64.b64encode(ED25519 + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key reads name+keyid+base64key")
        name, hexid, encoded = parts
        raw = _b64(encoded, "the verifier key")
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("the verifier key is not an Ed25519 key")
        key = cls(_check_name(name), raw[1:])
        if key.id.hex() != hexid:
            raise NoteError("the verifier key's id does not match its name and key")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class SignerKey:
    name: str
    seed: bytes  # the 32-byte Ed25519 private key

    @classmethod
    def generate(cls, name: str) -> SignerKey:
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(_check_name(name), raw)

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> VerifierKey:
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, public)

    def __str__(self) -> str:
        encoded = base64.b64encode(ED25519 + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signing key reads PRIVATE+KEY+name+keyid+base64key")
        _, _, name, hexid, encoded = parts
        raw = _b64(encoded, "the signing key")
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("the signing key is not an Ed25519 key")
        key = cls(_check_name(name), raw[1:])
        if key.verifier.id.hex() != hexid:
            raise NoteError("the signing key's id does not match its name and key")
        return key

    def signature_line(self, body: str) -> str:
        signature = self._private.sign(body.encode())
        return f"{DASH} {self.name} {base64.b64encode(self.verifier.id + signature).decode()}"


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the body of the note, before any signature."""

    origin: str
    size: int
    root: bytes
    time: str  # utc_iso text, as signed

    @classmethod
    def at(cls, origin: str, size: int, root: bytes, moment: datetime) -> Checkpoint:
        return cls(origin, size, root, utc_iso(moment))

    @property
    def body(self) -> str:
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\ntime {self.time}\n"


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    signatures: tuple[str, ...]  # whole lines, "— name base64"

    @property
    def text(self) -> str:
        return self.checkpoint.body + "\n" + "".join(f"{s}\n" for s in self.signatures)

    def signed_by(self, key: VerifierKey) -> bool:
        """Whether one of the signature lines is ``key``'s valid signature of the body."""
        message = self.checkpoint.body.encode()
        for line in self.signatures:
            name, raw = _split_signature(line)
            if name != key.name or len(raw) != 68 or raw[:4] != key.id:
                continue
            if key.verify(message, raw[4:]):
                return True
        return False

    def with_signature(self, line: str) -> SignedCheckpoint:
        if line in self.signatures:
            return self
        return SignedCheckpoint(self.checkpoint, (*self.signatures, line))

    @classmethod
    def parse(cls, text: str) -> SignedCheckpoint:
        body, sep, rest = text.partition("\n\n")
        if not sep:
            raise NoteError("a checkpoint has its body, a blank line, then signatures")
        lines = body.split("\n")
        if len(lines) < 4 or not lines[3].startswith("time "):
            raise NoteError("a checkpoint body reads origin, size, root hash, time")
        origin, size_text, root_text, time_line = lines[:4]
        if not size_text.isdigit():
            raise NoteError(f"the tree size is not a number: {size_text!r}")
        root = _b64(root_text, "the root hash")
        if len(root) != 32:
            raise NoteError("the root hash is not 32 bytes")
        checkpoint = Checkpoint(origin, int(size_text), root, time_line.removeprefix("time "))
        if checkpoint.body != body + "\n":
            raise NoteError("the checkpoint body is not in its one spelling")
        signatures = tuple(line for line in rest.split("\n") if line)
        for line in signatures:
            _split_signature(line)
        return cls(checkpoint, signatures)


def _split_signature(line: str) -> tuple[str, bytes]:
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != DASH:
        raise NoteError(f"a signature line reads '{DASH} name base64': {line!r}")
    return parts[1], _b64(parts[2], "a signature")


def sign(checkpoint: Checkpoint, key: SignerKey) -> SignedCheckpoint:
    return SignedCheckpoint(checkpoint, (key.signature_line(checkpoint.body),))
