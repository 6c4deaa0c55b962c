"""A body's cosignature, received by the engine.

It needs no principal: it proves itself. The engine keeps it only if it is a valid
signature, by the key registered for that body, of the very checkpoint the engine signed.
"""

from __future__ import annotations

from workflow.application.runtime import Runtime
from workflow.domain.errors import InvalidInput, NotFound
from workflow.domain.signed_note import NoteError, SignedCheckpoint, VerifierKey
from workflow.store.tables import AuditBodyKeyRow, AuditCheckpointRow, AuditCosignatureRow


def accept_cosignature(rt: Runtime, body: str, size: int, signature_line: str) -> None:
    code = rt.bodies.code_of(body)
    with rt.sessions() as session, session.begin():
        key_row = session.get(AuditBodyKeyRow, code)
        if key_row is None:
            raise NotFound(
                f"{code} has no cosigning key registered: `cjji audit keygen --body {code}`"
            )
        row = session.get(AuditCheckpointRow, size)
        if row is None:
            raise NotFound(f"no checkpoint of {size} events")
        key = VerifierKey.parse(key_row.verifier_key)
        try:
            alone = SignedCheckpoint(SignedCheckpoint.parse(row.note).checkpoint, (signature_line,))
            valid = alone.signed_by(key)
        except NoteError:
            valid = False
        if not valid:
            raise InvalidInput(f"that is not {code}'s signature of checkpoint {size}")
        session.merge(
            AuditCosignatureRow(
                size=size, body=code, signature=signature_line, cosigned_at=rt.clock()
            )
        )
