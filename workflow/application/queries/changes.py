"""What changed between the version a body approved and the one it is asked to decide on.

A new version voids every standing approval (``JointDocument.voided_approval``). The body
whose approval it voided is then shown, where it decides (the work stream page, its
sign-off link's page) and in the email asking it again, the changes between the text of
the version it approved and that of the new one (``adapters.text_changes`` on the
previews of ``adapters.document_files``), with both files to download.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from workflow.adapters import document_files
from workflow.adapters.text_changes import text_changes
from workflow.application.inputs import choice
from workflow.application.queries.streams import load_readonly
from workflow.application.runtime import Runtime
from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.workstream import WorkStream
from workflow.store.tables import DocumentContentRow, WorkStreamRow

#: How many lines of changes a page shows, and an email carries.
PAGE_LINES = 400
EMAIL_LINES = 80


def since_approval(
    session: Session,
    ws: WorkStream,
    kind: DocumentKind,
    body: str,
    version: str | None = None,
    *,
    limit: int = PAGE_LINES,
) -> dict[str, Any] | None:
    """The changes ``body`` has to read before deciding on ``version`` (the current one
    unless given), or None when no approval of ``body``'s was voided by it."""
    doc = ws.document(kind)
    version = version or doc.current
    voided = doc.voided_approval(body)
    if version is None or voided is None or version not in doc.versions:
        return None
    found: dict[str, Any] = {
        "kind": kind.value,
        "approved": voided.version,
        "approved_number": voided.round + 1,
        "version": version,
        "number": len(doc.versions) - doc.versions[::-1].index(version),
        "lines": (),
        "added": 0,
        "removed": 0,
        "left_out": 0,
        "unreadable": None,
        # The very file it approved, registered again: nothing to compare, but the
        # approval was of an earlier round and no longer counts.
        "same_file": voided.version == version,
    }
    if found["same_file"]:
        return found
    try:
        before = _text(session, ws.ref, kind, voided.version)
        after = _text(session, ws.ref, kind, version)
    except Exception as error:  # a damaged file: say so, and offer both files
        found["unreadable"] = (
            f"The changes cannot be shown ({error}): download both versions to compare them."
        )
        return found
    changes = text_changes(before, after, limit=limit)
    found.update(
        lines=changes.lines,
        added=changes.added,
        removed=changes.removed,
        left_out=changes.left_out,
    )
    return found


def for_decider(
    rt: Runtime, key: str, kind: str, body: str, version: str | None = None
) -> dict[str, Any] | None:
    """:func:`since_approval` for a page: ``body``'s changes to read on work stream ``key``."""
    with rt.read() as session:
        _, ws = load_readonly(session, key)
        return for_decider_in(rt, session, ws, kind, body, version)


def for_decider_in(
    rt: Runtime, session: Session, ws: WorkStream, kind: str, body: str, version: str | None
) -> dict[str, Any] | None:
    """:func:`for_decider` of ``ws``, already read in ``session`` (not read again)."""
    doc_kind: DocumentKind = choice(DocumentKind, kind, "document kind")
    return since_approval(session, ws, doc_kind, rt.bodies.code_of(body), version)


def _text(session: Session, ref: str, kind: DocumentKind, version: str) -> str:
    stored = session.exec(
        select(DocumentContentRow)
        .join(WorkStreamRow, col(WorkStreamRow.id) == col(DocumentContentRow.stream_id))
        .where(
            col(WorkStreamRow.ref) == ref,
            col(DocumentContentRow.kind) == kind.value,
            col(DocumentContentRow.content_hash) == version,
        )
    ).first()
    if stored is None:
        raise LookupError(f"version {version[:12]} is not stored")
    return document_files.preview_text(stored.content, stored.media_type or document_files.TEXT)
