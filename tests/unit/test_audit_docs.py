"""The worked example of docs/audit.md ("The witnessed log") is what the code makes.

Each block on the page that follows an ``<!-- example: NAME -->`` comment must equal the
text this test computes with the engine's own functions, from fixed keys and events: so a
reader can check a checkpoint with another tool, and the page cannot drift from the code.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from workflow.audit_verifier.witness import cosign
from workflow.domain import merkle
from workflow.domain.audit_chain import GENESIS, ChainLink, leaf_data
from workflow.domain.signed_note import Checkpoint, SignerKey, sign

PAGE = Path(__file__).resolve().parents[2] / "docs/audit.md"
BLOCK = re.compile(r"<!-- example: ([a-z-]+) -->\n```[a-z]*\n(.*?)```", re.S)

ENGINE = SignerKey("cjji-workflow/audit", hashlib.sha256(b"docs: the engine's key").digest())
PROBATION = SignerKey("HMIPROBATION", hashlib.sha256(b"docs: HMI Probation's key").digest())


def events() -> list[ChainLink]:
    """Three events of a small trail, chained as the engine chains them."""
    facts = [
        (None, "admin", "HMIPROBATION", "user_changed", None, None, None,
         '{"body":"HMIPROBATION","change":"added","username":"lead.hmiprobation"}'),
        ("omic-2026", "lead.hmiprobation", "HMIPROBATION", "created", None, "scoping", None,
         '{"fields":{"ref":"omic-2026"}}'),
        ("omic-2026", "lead.hmiprobation", "HMIPROBATION", "transitioned", "scoping",
         "paused", "awaiting data", '{"trigger":"pause"}'),
    ]  # fmt: skip
    links, prev = [], GENESIS
    for seq, (ref, actor, body, action, source, dest, reason, payload) in enumerate(facts, 1):
        at = datetime(2026, 12, 4, 9, seq, tzinfo=UTC)
        draft = ChainLink(
            seq, ref, actor, body, at, action, source, dest, reason, payload, prev, ""
        )
        digest = hashlib.sha256(prev.encode() + leaf_data(draft)).hexdigest()
        links.append(draft._replace(hash=digest))
        prev = digest
    return links


def examples() -> dict[str, str]:
    links = events()
    leaves = [merkle.leaf_hash(leaf_data(link)) for link in links]
    two = sign(
        Checkpoint.at(
            ENGINE.name, 2, merkle.root(leaves[:2]), datetime(2026, 12, 4, 10, tzinfo=UTC)
        ),
        ENGINE,
    )
    two = two.with_signature(cosign(PROBATION, ENGINE.verifier, None, two, []))
    three = sign(
        Checkpoint.at(ENGINE.name, 3, merkle.root(leaves), datetime(2026, 12, 4, 11, tzinfo=UTC)),
        ENGINE,
    )
    proof = merkle.consistency_proof(leaves, 2, 3)
    three = three.with_signature(cosign(PROBATION, ENGINE.verifier, two, three, proof))
    b64 = [base64.b64encode(p).decode() for p in proof]
    return {
        "leaf": (f"{leaf_data(links[2]).decode()}\nleaf hash (hex): {leaves[2].hex()}\n"),
        "keys": f"{ENGINE.verifier}\n{PROBATION.verifier}\n",
        "checkpoint": three.text,
        "consistency": (
            f"old root: {base64.b64encode(two.checkpoint.root).decode()}\n"
            f"new root: {base64.b64encode(three.checkpoint.root).decode()}\n"
            + "".join(f"proof: {p}\n" for p in b64)
        ),
    }


def test_the_worked_example_on_the_page_is_what_the_code_makes() -> None:
    shown = dict(BLOCK.findall(PAGE.read_text(encoding="utf-8")))
    made = examples()
    assert set(shown) == set(made), "every example is on the page"
    for name, text in made.items():
        assert shown[name] == text, name


if __name__ == "__main__":  # print the blocks, to paste into the page
    for name, text in examples().items():
        print(f"<!-- example: {name} -->\n```\n{text}```\n")
