"""Handlers of the witnessed audit log's commands: each body's public key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.application.commands import RegisterWitnessKey
from workflow.application.context import Context
from workflow.domain.errors import InvalidInput
from workflow.domain.events import WitnessKeyRegistered
from workflow.domain.signed_note import NoteError, VerifierKey
from workflow.store.tables import AuditBodyKeyRow


def register_witness_key(cmd: RegisterWitnessKey, ctx: Context) -> VerifierKey:
    """Keep a body's public key (replacing an earlier one, which stays in the trail)."""
    body = ctx.bodies.code_of(cmd.witness)
    try:
        key = VerifierKey.parse(cmd.verifier_key)
    except NoteError as error:
        raise InvalidInput(f"not a verifier key: {error}") from None
    if key.name != body:
        raise InvalidInput(f"the key is named {key.name!r}; a key for {body} is named {body}")
    session = ctx.uow.session
    row = session.get(AuditBodyKeyRow, body)
    replaced = row.verifier_key if row else None
    if replaced == str(key):
        return key
    session.merge(AuditBodyKeyRow(body=body, verifier_key=str(key), registered_at=ctx.clock()))
    ctx.uow.record(
        WitnessKeyRegistered(
            actor=ctx.actor.name,
            body=ctx.actor.body,
            at=ctx.clock(),
            witness=body,
            key=str(key),
            replaced=replaced,
        )
    )
    return key


HANDLERS: Mapping[type[Any], Any] = {RegisterWitnessKey: register_witness_key}
