"""Which document is being decided on now, and whose decision on it is awaited.

The programme's pages, the inbox of each body's signatories and the work stream's row
all ask the same question, so it is answered here once, from the state, the participating
bodies and the documents alone: the store keeps the answer on the work stream's row (the
bodies awaited, indexed) each time it writes the aggregate, and the inbox finds its work
streams by it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from workflow.domain.joint_decisions import (
    DECIDED_DURING,
    DOCUMENT_DECIDED_IN,
    DocumentKind,
    JointDocument,
)
from workflow.domain.stages import Stage

#: The key matters in the order a work stream meets them.
MATTER_ORDER = (
    DocumentKind.TERMS_OF_REFERENCE,
    DocumentKind.METHODOLOGY,
    DocumentKind.FINDINGS,
    DocumentKind.REPORT,
    DocumentKind.RECOMMENDATIONS,
    DocumentKind.PUBLICATION_ARRANGEMENTS,
)

#: A work stream's document of a kind (``WorkStream.document``).
Documents = Callable[[DocumentKind], JointDocument]


def decided_now(
    state: Stage, participants: Sequence[str], document: Documents
) -> DocumentKind | None:
    """The document being decided on now: the first key matter decided in this state that
    awaits a body, else the terms of reference in scoping or the report at sign-off."""
    for kind in MATTER_ORDER:
        doc = document(kind)
        if state not in DECIDED_DURING[kind] or doc.current is None:
            continue
        standing = doc.standing()
        if any(b not in standing for b in doc.outstanding(participants)):
            return kind
    return DOCUMENT_DECIDED_IN.get(state)


def awaited_bodies(state: Stage, participants: Sequence[str], document: Documents) -> list[str]:
    """The bodies whose decision on the document being decided on now is awaited, in the
    order of ``participants``: those that have neither approved its current version nor
    requested changes to it (a body that requested changes awaits a new version, and
    nothing is awaited from it until one is registered). Empty when none is."""
    kind = decided_now(state, participants, document)
    if kind is None:
        return []
    doc = document(kind)
    if doc.current is None:
        return []
    standing = doc.standing()
    return [b for b in doc.outstanding(participants) if b not in standing]
