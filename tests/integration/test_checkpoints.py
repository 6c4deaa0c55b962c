"""Signed checkpoints of the audit tree: made by the engine, on demand and by beat.

Promise: the engine signs a checkpoint only over an intact chain that extends its last
one, once per tree size, with a key kept under the data directory; a cosignature is kept
only if it is the registered body's signature of that very checkpoint.
"""

from __future__ import annotations

import base64
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import Clock, service_missing, wipe
from tests.integration.walk import create, seed_people
from tests.support.deployment import Deployment
from tests.support.deployment import deployment as make_deployment
from tests.support.processes import REDIS_URL, CeleryProcess, redis_reachable
from tests.support.smtp import MailCatcher
from tests.support.witnesses import body_key, cosign_latest
from workflow.application.jobs.checkpoints import engine_key, make_checkpoint
from workflow.application.queries import streams as stream_queries
from workflow.application.queries import witness as queries
from workflow.application.witness import accept_cosignature
from workflow.bootstrap import Runtime
from workflow.domain import merkle
from workflow.domain.errors import InvalidInput, NotFound, Refused
from workflow.domain.signed_note import SignerKey

pytest_plugins = ["tests.support.fixtures_smtp"]


def test_a_checkpoint_is_signed_once_per_size_with_a_key_kept_under_the_data_dir(
    rt: Runtime,
) -> None:
    create(rt)
    made = make_checkpoint(rt)
    assert made.new
    key_file = rt.settings.data_dir / "audit-signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert made.checkpoint.signed_by(engine_key(rt).verifier)
    events = stream_queries.verify_audit(rt).checked
    assert made.checkpoint.checkpoint.size == events
    again = make_checkpoint(rt)
    assert not again.new and again.checkpoint == made.checkpoint
    # The tree the proofs come from is the one signed.
    proof = queries.inclusion_proof(rt, 3)
    assert proof["root_hash"] == queries.b64(made.checkpoint.checkpoint.root)


def test_no_checkpoint_is_signed_over_a_broken_chain(rt: Runtime) -> None:
    create(rt)
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET reason = 'nothing to see' WHERE seq = 3"))
    with pytest.raises(Refused, match="broken at event 3: event 3 was edited"):
        make_checkpoint(rt)
    with pytest.raises(Refused, match="broken at event 3"):
        queries.consistency_proof(rt, 1)


def test_only_the_registered_bodys_signature_of_that_checkpoint_is_kept(rt: Runtime) -> None:
    seed_people(rt)
    probation = body_key(rt, "HMIPROBATION")
    size = make_checkpoint(rt).checkpoint.checkpoint.size
    impostor = SignerKey.generate("HMIPROBATION")
    latest = queries.latest_checkpoint(rt)
    assert latest is not None
    body = latest.note.split("\n\n")[0] + "\n"
    with pytest.raises(InvalidInput, match="not HMIPROBATION's signature of checkpoint"):
        accept_cosignature(rt, "HMIPROBATION", size, impostor.signature_line(body))
    with pytest.raises(InvalidInput, match="not HMIPROBATION's signature"):
        accept_cosignature(rt, "HMIPROBATION", size, probation.signature_line(body + "x"))
    with pytest.raises(NotFound, match="HMICFRS has no cosigning key registered"):
        accept_cosignature(rt, "HMICFRS", size, probation.signature_line(body))
    cosign_latest(rt, probation)
    latest = queries.latest_checkpoint(rt)
    assert latest is not None and latest.cosigned_by == ["HMIPROBATION"]


def test_a_body_cosigns_a_later_checkpoint_only_through_a_consistency_proof(
    rt: Runtime,
) -> None:
    seed_people(rt)
    probation = body_key(rt, "HMIPROBATION")
    make_checkpoint(rt)
    first = cosign_latest(rt, probation)
    create(rt, "later")
    make_checkpoint(rt)
    second = cosign_latest(rt, probation, previous=first)
    assert second.checkpoint.size > first.checkpoint.size
    data = queries.consistency_proof(rt, first.checkpoint.size, second.checkpoint.size)
    assert merkle.verify_consistency(
        first.checkpoint.size,
        second.checkpoint.size,
        first.checkpoint.root,
        second.checkpoint.root,
        [base64.b64decode(p) for p in data["proof"]],
    )


@pytest.fixture
def deployment(
    pg_database: str, tmp_path: Path, clock: Clock, mail_catcher: MailCatcher
) -> Iterator[Deployment]:
    if not redis_reachable():
        service_missing("Redis", REDIS_URL)
    with make_deployment(
        pg_database, tmp_path, clock, mail_catcher, broker_url=REDIS_URL, checkpoint_every_seconds=1
    ) as dep:
        wipe(dep.rt)
        yield dep
        wipe(dep.rt)


# Untraced: the checkpoints are signed in beat's and the worker's processes (docs/testing.md).
@pytest.mark.untraced
def test_beat_signs_checkpoints_on_its_schedule(deployment: Deployment) -> None:
    rt = deployment.rt
    create(rt)
    deployment.start_worker()
    beat = CeleryProcess("beat", deployment.env)
    deployment.workers.append(beat)  # stopped with the deployment, whatever happens
    beat.ready()
    beat.wait_for("Sending due task sign-checkpoint", timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and queries.latest_checkpoint(rt) is None:
        time.sleep(0.25)
    latest = queries.latest_checkpoint(rt)
    assert latest is not None, "".join(beat.output[-20:])
    assert latest.size == stream_queries.verify_audit(rt).checked
    # The worker signed it with the deployment's own key, under its data directory.
    assert (Path(deployment.env["CJJI_DATA_DIR"]) / "audit-signing.key").exists()
