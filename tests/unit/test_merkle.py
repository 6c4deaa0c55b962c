"""The Merkle tree maths: RFC 6962/9162 reference vectors, and properties over any tree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workflow.domain import merkle

# The Certificate Transparency reference leaves and the root of each prefix (RFC 6962 test
# data, as published with the CT and transparency-dev implementations).
DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [merkle.leaf_hash(d) for d in DATA]


def hexes(proof: list[bytes]) -> list[str]:
    return [p.hex() for p in proof]


def test_the_root_of_every_prefix_is_the_reference_root() -> None:
    for n, expected in enumerate(ROOTS):
        assert merkle.root(LEAVES[:n]).hex() == expected, n
        assert merkle.streaming_root(iter(LEAVES[:n])) == (n, bytes.fromhex(expected))


def test_reference_inclusion_proofs() -> None:
    assert hexes(merkle.inclusion_proof(LEAVES, 0)) == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert hexes(merkle.inclusion_proof(LEAVES, 5)) == [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    root8 = bytes.fromhex(ROOTS[8])
    assert merkle.verify_inclusion(LEAVES[5], 5, 8, merkle.inclusion_proof(LEAVES, 5), root8)


def test_reference_consistency_proofs() -> None:
    assert hexes(merkle.consistency_proof(LEAVES, 2, 8)) == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert hexes(merkle.consistency_proof(LEAVES, 6, 8)) == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    assert hexes(merkle.consistency_proof(LEAVES, 2, 5)) == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]
    for m, n in ((2, 8), (6, 8), (2, 5), (1, 8), (3, 7), (8, 8), (0, 8)):
        proof = merkle.consistency_proof(LEAVES, m, n)
        old, new = bytes.fromhex(ROOTS[m]), bytes.fromhex(ROOTS[n])
        assert merkle.verify_consistency(m, n, old, new, proof), (m, n)


def test_an_empty_consistency_proof_proves_nothing_between_different_sizes() -> None:
    assert not merkle.verify_consistency(3, 5, bytes.fromhex(ROOTS[3]), bytes.fromhex(ROOTS[5]), [])
    assert not merkle.verify_consistency(5, 3, bytes.fromhex(ROOTS[5]), bytes.fromhex(ROOTS[3]), [])


trees = st.lists(st.binary(max_size=12), min_size=1, max_size=70)


@given(trees, st.data())
def test_every_inclusion_proof_verifies_and_a_tampered_leaf_fails(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    size = draw.draw(st.integers(1, len(leaves)), label="size")
    index = draw.draw(st.integers(0, size - 1), label="index")
    tree_root = merkle.root(leaves, 0, size)
    assert merkle.streaming_root(leaves[:size]) == (size, tree_root)
    proof = merkle.inclusion_proof(leaves, index, size)
    assert merkle.verify_inclusion(leaves[index], index, size, proof, tree_root)
    tampered = merkle.leaf_hash(data[index] + b"!")
    assert not merkle.verify_inclusion(tampered, index, size, proof, tree_root)
    if size > 1:
        wrong = (index + 1) % size
        assert leaves[wrong] == leaves[index] or not merkle.verify_inclusion(
            leaves[index], wrong, size, proof, tree_root
        )


@given(trees, st.data())
def test_every_consistency_proof_verifies_and_a_rewritten_prefix_fails(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    new = draw.draw(st.integers(1, len(leaves)), label="new")
    old = draw.draw(st.integers(1, new), label="old")
    old_root, new_root = merkle.root(leaves, 0, old), merkle.root(leaves, 0, new)
    proof = merkle.consistency_proof(leaves, old, new)
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    # Rewrite one leaf inside the old tree: the new log is no longer an extension of it.
    victim = draw.draw(st.integers(0, old - 1), label="victim")
    rewritten = list(leaves)
    rewritten[victim] = merkle.leaf_hash(data[victim] + b"!")
    forged_root = merkle.root(rewritten, 0, new)
    forged_proof = merkle.consistency_proof(rewritten, old, new)
    assert not merkle.verify_consistency(old, new, old_root, forged_root, forged_proof)
