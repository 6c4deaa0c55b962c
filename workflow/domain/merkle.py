"""The Merkle tree over the audit trail, hashed as RFC 9162 (Certificate Transparency 2.0).

The hash chain (``audit_chain``) finds an event edited against the rest of the chain; the
tree lets someone *outside* the database check that the log they see now extends the log
they saw before (a consistency proof) and that one event is in it (an inclusion proof),
holding nothing but a signed tree head. Pure maths on bytes: no I/O.

- leaf hash = SHA-256(0x00 || data); node hash = SHA-256(0x01 || left || right)
- MTH of n leaves splits at k, the largest power of two smaller than n (§2.1.1)
- proofs as §2.1.3 (inclusion) and §2.1.4 (consistency), verified by their algorithms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes], lo: int = 0, hi: int | None = None) -> bytes:
    """MTH(D[lo:hi]) of the leaf *hashes* ``leaves``."""
    hi = len(leaves) if hi is None else hi
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[lo]
    k = _split(n)
    return node_hash(root(leaves, lo, lo + k), root(leaves, lo + k, hi))


def streaming_root(leaves: Iterable[bytes]) -> tuple[int, bytes]:
    """The size and root of a tree whose leaf hashes arrive one by one, in O(log n) memory.

    Full subtrees are merged as soon as they are complete (a binary counter); at the end
    the remaining ones are folded right to left, which is exactly MTH's split rule.
    """
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left first
    size = 0
    for h in leaves:
        size += 1
        height, digest = 0, h
        while stack and stack[-1][0] == height:
            digest = node_hash(stack.pop()[1], digest)
            height += 1
        stack.append((height, digest))
    if not stack:
        return 0, EMPTY_ROOT
    digest = stack[-1][1]
    for _height, left in reversed(stack[:-1]):
        digest = node_hash(left, digest)
    return size, digest


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[0:size]): the audit path of leaf ``index`` in the first ``size`` leaves."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    lo, hi = 0, size
    # Walk down from the root, collecting the sibling of each subtree taken; the path is
    # leaf-first, so the siblings are prepended.
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.insert(0, root(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.insert(0, root(leaves, lo, lo + k))
            lo = lo + k
    return path


def consistency_proof(leaves: Sequence[bytes], old: int, new: int | None = None) -> list[bytes]:
    """PROOF(old, D[0:new]): that the first ``old`` leaves are a prefix of the ``new``."""
    new = len(leaves) if new is None else new
    if not 0 <= old <= new <= len(leaves):
        raise ValueError(f"no consistency proof from {old} to {new} leaves")
    if old in (0, new):
        return []
    return _subproof(leaves, old, 0, new, True)


def _subproof(leaves: Sequence[bytes], m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if whole else [root(leaves, lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves, m, lo, lo + k, whole), root(leaves, lo + k, hi)]
    return [*_subproof(leaves, m - k, lo + k, hi, False), root(leaves, lo, lo + k)]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``leaf`` (a leaf hash) sit at ``index`` under ``expected_root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``old`` leaves a prefix of the tree of ``new``?"""
    if not 0 <= old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof  # every tree extends the empty one
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
