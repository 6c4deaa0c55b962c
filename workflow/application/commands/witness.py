"""Commands on the witnessed audit log."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.application.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterWitnessKey(Command):
    """Give the engine a body's *public* key, with which that body cosigns checkpoints."""

    witness: str  # the body (code or alias)
    verifier_key: str  # name+keyid+base64, as ``cjji audit keygen`` writes it
