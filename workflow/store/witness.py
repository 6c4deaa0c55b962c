"""The audit trail as the Merkle tree sees it: one leaf hash per event, in ``seq`` order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlmodel import Session

from workflow.domain.audit_chain import ChainLink, Verification, leaf_data, verify_links
from workflow.domain.merkle import leaf_hash
from workflow.store.audit import head_of, iter_links


def tree_leaves(session: Session) -> tuple[Verification, list[bytes]]:
    """Every event's leaf hash, read in the same pass that verifies the hash chain: a tree
    is only ever built over a chain that is intact."""
    leaves: list[bytes] = []

    # The head first: every event up to it is committed, and events appended after it was
    # read (PostgreSQL reads each batch afresh) are left for the next tree.
    head_seq, head_hash = head_of(session)

    def tapped(links: Iterable[ChainLink]) -> Iterator[ChainLink]:
        for link in links:
            if link.seq > head_seq:
                return
            leaves.append(leaf_hash(leaf_data(link)))
            yield link

    return verify_links(tapped(iter_links(session)), head_seq, head_hash), leaves
