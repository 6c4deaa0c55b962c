"""Which key matters each kind of work stream decides jointly: configuration, as data.

The CJJI standard methodology (January 2024): the lead inspectorate "will not make
unilateral decisions about any key aspect of scoping, methodology, assessment of findings
and making judgements, drafting, recommendations or publication". Each key matter is a
joint decision on one version of a document (:mod:`workflow.domain.joint_decisions`).
Under lifecycle version 2 the moves that rely on a matter wait for it
(:mod:`workflow.domain.guards`); a kind that does not decide a matter itself is not
asked for it.
"""

from __future__ import annotations

from workflow.domain.joint_decisions import DocumentKind
from workflow.domain.stages import WorkStreamKind

K = DocumentKind

EVERY_MATTER = frozenset(K)

#: The key matters a kind decides itself. A visit of a rolling programme inherits its
#: programme's agreed methodology: core programmes use the lead's methodology, agreed once
#: on the programme, for the life of the work stream.
DECIDED_BY_KIND: dict[WorkStreamKind, frozenset[DocumentKind]] = {
    WorkStreamKind.THEMATIC_INSPECTION: EVERY_MATTER,
    WorkStreamKind.REVIEW: EVERY_MATTER,
    WorkStreamKind.SCOPING_STUDY: EVERY_MATTER,
    WorkStreamKind.ROLLING_PROGRAMME: EVERY_MATTER,
    WorkStreamKind.VISIT: EVERY_MATTER - {K.METHODOLOGY},
    WorkStreamKind.PHASE: EVERY_MATTER,
}

#: Where a kind's matter is decided instead, in words for a refusal or a page.
INHERITED: dict[tuple[WorkStreamKind, DocumentKind], str] = {
    (WorkStreamKind.VISIT, K.METHODOLOGY): "its rolling programme's agreed methodology",
}


def decides(kind: WorkStreamKind, matter: DocumentKind) -> bool:
    return matter in DECIDED_BY_KIND[kind]
