"""The witnessed audit log from the command line, as the bodies meet it.

Promise: whoever runs the database can rewrite history and recompute every hash so that
`cjji audit verify` passes, but a body that cosigned a checkpoint finds out: it refuses
to cosign the rewritten log, and its own verifier, run on its own copy of what it
cosigned and an export of the log, says the log is not an extension of it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from tests.conftest import Clock, runtime_for
from tests.e2e.test_cli import PEOPLE, PROGRAMME, Cjji, as_json
from workflow.domain import merkle
from workflow.domain.audit_chain import GENESIS, leaf_data
from workflow.domain.signed_note import SignedCheckpoint, VerifierKey
from workflow.store.audit import iter_links

# The fixtures `cjji` and `database_url` (a real process per command, on both databases).
pytest_plugins = ["tests.e2e.test_cli"]
ROOT = Path(__file__).resolve().parents[2]


def verifier(folder: Path, export: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The body's verifier: a fresh interpreter, as a body would run it."""
    return subprocess.run(
        [sys.executable, "-m", "workflow.audit_verifier", str(folder), str(export), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def rewrite_history(database_url: str, tmp_path: Path, seq: int, actor: str) -> None:
    """What an administrator of the database could do: change one event, then recompute
    the hash of it and of every later event, and move the head to match."""
    rt = runtime_for(database_url, Clock(datetime.now(UTC)), tmp_path / "rewrite")
    with rt.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_event SET actor = :a WHERE seq = :s"), {"a": actor, "s": seq}
        )
    with rt.sessions() as session:
        links = list(iter_links(session))
    prev = GENESIS
    with rt.engine.begin() as conn:
        for link in links:
            digest = hashlib.sha256(prev.encode() + leaf_data(link)).hexdigest()
            conn.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": prev, "h": digest, "s": link.seq},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    rt.engine.dispose()


def set_up(cjji: Cjji, tmp_path: Path) -> tuple[Path, Path]:
    cjji("db", "upgrade")
    cjji("users", "load", str(PEOPLE))
    cjji("programme", "import", str(PROGRAMME), "--actor", "admin")
    keys = tmp_path / "bodies"
    for body, name in (("HMIPROBATION", "probation"), ("HMICFRS", "cfrs")):
        out = str(keys / f"{name}.key")
        made = cjji("audit", "keygen", "--body", body, "--out", out, "--actor", "admin")
        assert f"{body}'s private key" in made.stdout
    return keys / "probation.key", keys / "cfrs.key"


def test_bodies_cosign_consistent_checkpoints_and_prove_events_in_them(
    cjji: Cjji, tmp_path: Path
) -> None:
    probation, cfrs = set_up(cjji, tmp_path)
    first = as_json(cjji("audit", "checkpoint", "--json"))
    assert first["new"] is True
    assert "\n\n— cjji-workflow/audit " in first["note"]
    for body, key in (("HMIPROBATION", probation), ("HMICFRS", cfrs)):
        done = cjji("audit", "cosign", "--body", body, "--key", str(key))
        assert f"{body} cosigned the checkpoint of {first['size']} event(s)" in done.stdout
    # Nothing new: the same checkpoint stands.
    again = cjji("audit", "checkpoint")
    assert f"no event since the checkpoint of {first['size']} event(s)" in again.stdout

    cjji("streams", "fire", "youth-inspection-programme", "pause", "--actor", "lead.hmiprobation")
    second = as_json(cjji("audit", "checkpoint", "--json"))
    assert second["size"] > first["size"]
    done = cjji("audit", "cosign", "--body", "HMIPROBATION", "--key", str(probation))
    assert f"cosigned the checkpoint of {second['size']} event(s)" in done.stdout

    # The proofs printed check out against the checkpoints the body kept.
    kept = SignedCheckpoint.parse(
        (probation.parent / "probation-witness" / f"checkpoint-{second['size']}.txt").read_text()
    )
    old = SignedCheckpoint.parse(
        (probation.parent / "probation-witness" / f"checkpoint-{first['size']}.txt").read_text()
    )
    body_key = VerifierKey.parse(
        (probation.parent / "probation-witness/HMIPROBATION.vkey").read_text()
    )
    assert kept.signed_by(body_key) and old.signed_by(body_key)
    consistency = as_json(
        cjji("audit", "consistency", str(first["size"]), str(second["size"]), "--json")
    )
    proof = [base64.b64decode(p) for p in consistency["proof"]]
    assert merkle.verify_consistency(
        old.checkpoint.size, kept.checkpoint.size, old.checkpoint.root, kept.checkpoint.root, proof
    )
    inclusion = as_json(cjji("audit", "prove", "7", "--json"))
    assert merkle.verify_inclusion(
        base64.b64decode(inclusion["leaf_hash"]),
        6,
        kept.checkpoint.size,
        [base64.b64decode(p) for p in inclusion["proof"]],
        kept.checkpoint.root,
    )
    shown = cjji("audit", "prove", "7")
    assert f"event 7 is leaf 6 of the tree of {second['size']} events" in shown.stdout

    export = tmp_path / "log.jsonl"
    cjji("audit", "export", str(export))
    done = verifier(probation.parent / "probation-witness", export, "--event", "7")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"checkpoints {first['size']} → {second['size']}: consistent" in done.stdout
    assert "event 7: included in checkpoint" in done.stdout
    assert done.stdout.strip().endswith(
        f"EXTENSION: this log of {second['size']} event(s) extends every one of the 2 "
        "checkpoint(s) HMIPROBATION cosigned"
    )
    # Registering a body's key is an administrator's act, and it is in the trail.
    registered = as_json(cjji("audit", "log", "--action", "witness_key_registered", "--json"))
    assert [e["payload"]["witness"] for e in registered] == ["HMIPROBATION", "HMICFRS"]
    assert {e["actor"] for e in registered} == {"admin"}


def test_a_rewritten_history_passes_verify_but_not_the_bodies_that_cosigned(
    cjji: Cjji, tmp_path: Path, database_url: str
) -> None:
    probation, _cfrs = set_up(cjji, tmp_path)
    size = as_json(cjji("audit", "checkpoint", "--json"))["size"]
    cjji("audit", "cosign", "--body", "HMIPROBATION", "--key", str(probation))
    cjji("streams", "fire", "youth-inspection-programme", "pause", "--actor", "lead.hmiprobation")

    rewrite_history(database_url, tmp_path, seq=7, actor="Mallory")
    assert "audit trail intact" in cjji("audit", "verify").stdout  # the chain alone is fooled

    # The engine will not sign a log that does not extend its own last checkpoint...
    refused = cjji("audit", "checkpoint", expect=3)
    assert f"not an extension of checkpoint {size}" in refused.stderr
    # ...so the rewriter removes the engine's checkpoints too, and gets a new one signed.
    rt = runtime_for(database_url, Clock(datetime.now(UTC)), tmp_path / "rm")
    with rt.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_cosignature"))
        conn.execute(text("DELETE FROM audit_checkpoint"))
    rt.engine.dispose()
    forged = as_json(cjji("audit", "checkpoint", "--json"))
    assert forged["new"] is True

    # The body checks the new checkpoint against the one it kept, and refuses.
    refusal = cjji("audit", "cosign", "--body", "HMIPROBATION", "--key", str(probation), expect=1)
    assert refusal.stderr.startswith("cjji: error: HMIPROBATION refuses to cosign: ")
    assert f"is not an extension of the log of {size} events this body cosigned" in refusal.stderr
    assert len(refusal.stderr.strip().splitlines()) == 1

    # And its verifier, on an export of the log it is now handed, says so plainly.
    export = tmp_path / "rewritten.jsonl"
    cjji("audit", "export", str(export))
    done = verifier(probation.parent / "probation-witness", export)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ok      hash chain of the export intact" in done.stdout
    assert f"PROBLEM checkpoint {size} (" in done.stdout
    assert "history before it was rewritten" in done.stdout
    assert done.stdout.strip().endswith(
        "NOT AN EXTENSION: this log is not the log HMIPROBATION cosigned; do not rely on it"
    )
    report = json.loads(verifier(probation.parent / "probation-witness", export, "--json").stdout)
    assert (report["ok"], report["extension"], report["chain_ok"]) == (False, False, True)


def test_bad_input_to_the_witness_commands_is_one_line_and_exit_2(
    cjji: Cjji, tmp_path: Path
) -> None:
    probation, _ = set_up(cjji, tmp_path)
    no_checkpoint = cjji(
        "audit", "cosign", "--body", "HMIPROBATION", "--key", str(probation), expect=2
    )
    assert no_checkpoint.stderr == (
        "cjji: error: the engine has signed no checkpoint yet: `cjji audit checkpoint`\n"
    )
    cjji("audit", "checkpoint")
    admin = ("--actor", "admin")
    other = str(tmp_path / "x.key")
    cases: list[tuple[tuple[str, ...], str]] = [
        (("audit", "prove", "0"), "event 0 is not in a tree of"),
        (("audit", "consistency", "9", "3"), "the old size must be 1 to 3, not 9"),
        (("audit", "cosign", "--body", "HMICFRS", "--key", str(probation)), "not HMICFRS's"),
        (("audit", "cosign", "--body", "HMIPROBATION", "--key", other), "cannot read"),
        (("audit", "keygen", "--body", "HMIPROBATION", "--out", str(probation), *admin), "never"),
        (("audit", "keygen", "--body", "Nowhere", "--out", other, *admin), "unknown body"),
    ]
    for args, message in cases:
        done = cjji(*args, expect=2)
        assert message in done.stderr, (args, done.stderr)
        assert len(done.stderr.splitlines()) == 1, done.stderr
    # Only an administrator registers a body's key.
    refused = cjji(
        "audit", "keygen", "--body", "HMICFRS", "--out", str(tmp_path / "y.key"),
        "--actor", "lead.hmiprobation", expect=3,
    )  # fmt: skip
    assert "register a body's checkpoint-cosigning key" in refused.stderr
    assert not (tmp_path / "y.key").exists()
    bad_export = tmp_path / "bad.jsonl"
    bad_export.write_text("{not json\n")
    done = verifier(probation.parent / "probation-witness", bad_export)
    assert done.returncode == 2
    assert done.stderr.startswith("audit_verifier: error: ")
