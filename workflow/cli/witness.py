"""`cjji audit checkpoint | keygen | register-key | cosign | prove | consistency | export`:
the witnessed audit log (docs/audit.md, "The witnessed log")."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Annotated

import typer

from workflow.adapters.signing_key import write_private
from workflow.application.commands import RegisterWitnessKey
from workflow.application.jobs.checkpoints import engine_key, make_checkpoint
from workflow.application.queries import witness as queries
from workflow.application.witness import accept_cosignature
from workflow.audit_verifier.witness import NotAnExtension, WitnessFolder, cosign
from workflow.cli.output import Actor, JsonFlag, cli_principal, fail, output, runtime, say
from workflow.domain.errors import InvalidInput
from workflow.domain.signed_note import NoteError, SignedCheckpoint, SignerKey, VerifierKey

BodyOption = Annotated[str, typer.Option("--body", help="The body (code or alias).")]
WitnessDir = Annotated[
    Path | None,
    typer.Option(
        "--witness",
        help="The body's witness folder (default: next to the key file, KEY-witness).",
    ),
]


def _witness_folder(key_file: Path, given: Path | None) -> WitnessFolder:
    return WitnessFolder(given or key_file.with_name(f"{key_file.stem}-witness"))


def _text(note: str) -> None:
    sys.stdout.write(note)  # base64 and the origin: nothing to escape, and newlines kept


def audit_checkpoint(as_json: JsonFlag = False) -> None:
    """Sign a checkpoint of the audit tree now (beat does it on a schedule)."""
    made = make_checkpoint(runtime())
    cp = made.checkpoint.checkpoint
    data = {
        "new": made.new,
        "size": cp.size,
        "root_hash": cp.root.hex(),
        "note": made.checkpoint.text,
    }
    if as_json:
        output(True, data, lambda: None)
        return
    _text(made.checkpoint.text)
    say(
        f"signed a checkpoint of {cp.size} event(s)"
        if made.new
        else f"no event since the checkpoint of {cp.size} event(s): it stands"
    )


def audit_keygen(
    body: BodyOption,
    out: Annotated[Path, typer.Option("--out", help="Where the body keeps its private key.")],
    actor: Actor,
    witness: WitnessDir = None,
) -> None:
    """Make a body's cosigning key pair: the private key goes to --out (kept by the body),
    the public key is registered with the engine (an administrator's act, audited)."""
    rt = runtime()
    code = rt.bodies.code_of(body)
    if out.exists():
        raise InvalidInput(f"{out} exists: a key is never overwritten; choose another --out")
    engine = engine_key(rt).verifier  # made now if it does not exist yet
    key = SignerKey.generate(code)
    rt.handle(
        RegisterWitnessKey(witness=code, verifier_key=str(key.verifier)), cli_principal(actor)
    )
    write_private(out, f"{key}\n")
    folder = _witness_folder(out, witness)
    folder.set_up(engine, key.verifier)
    say(f"{code}'s private key: {out} (keep it with {code}; the engine has only the public key)")
    say(f"{code}'s witness folder: {folder.path} (its cosigned checkpoints will be kept there)")
    say(f"public key registered: {key.verifier}")


def audit_register_key(
    body: BodyOption,
    key_file: Annotated[Path, typer.Option("--key-file", help="The body's public key file.")],
    actor: Actor,
) -> None:
    """Register a public key a body made elsewhere (name+keyid+base64, as keygen writes)."""
    rt = runtime()
    try:
        text = key_file.read_text()
    except OSError as error:
        raise InvalidInput(f"cannot read {key_file}: {error.strerror}") from None
    key = rt.handle(RegisterWitnessKey(witness=body, verifier_key=text), cli_principal(actor))
    say(f"registered {key.name}'s cosigning key {key}")


def audit_cosign(
    body: BodyOption,
    key: Annotated[Path, typer.Option("--key", help="The body's private key file.")],
    witness: WitnessDir = None,
    as_json: JsonFlag = False,
) -> None:
    """The body's part: check that the engine's latest checkpoint extends the last one this
    body cosigned (a consistency proof), then cosign it and keep a copy. Exit 1 if it
    does not."""
    rt = runtime()
    code = rt.bodies.code_of(body)
    try:
        signer = SignerKey.parse(key.read_text())
    except OSError as error:
        raise InvalidInput(f"cannot read {key}: {error.strerror}") from None
    except NoteError as error:
        raise InvalidInput(f"{key} is not a signing key: {error}") from None
    if signer.name != code:
        raise InvalidInput(f"{key} is {signer.name}'s key, not {code}'s")
    folder = _witness_folder(key, witness)
    try:
        engine = folder.engine_key()
    except FileNotFoundError as error:
        raise InvalidInput(str(error)) from None
    latest = queries.latest_checkpoint(rt)
    if latest is None:
        raise InvalidInput("the engine has signed no checkpoint yet: `cjji audit checkpoint`")
    signed = SignedCheckpoint.parse(latest.note)
    previous = folder.latest()
    proof: list[bytes] = []
    if previous is not None and 0 < previous.checkpoint.size < signed.checkpoint.size:
        data = queries.consistency_proof(rt, previous.checkpoint.size, signed.checkpoint.size)
        proof = [base64.b64decode(p) for p in data["proof"]]
    try:
        line = cosign(signer, engine, previous, signed, proof)
    except NotAnExtension as error:
        fail(f"{code} refuses to cosign: {error}", 1)
        return
    accept_cosignature(rt, code, signed.checkpoint.size, line)
    kept = folder.keep(SignedCheckpoint(signed.checkpoint, (*_engine_lines(signed, engine), line)))
    size = signed.checkpoint.size
    output(
        as_json,
        {"body": code, "size": size, "kept": str(kept), "signature": line},
        lambda: say(f"{code} cosigned the checkpoint of {size} event(s); its copy: {kept}"),
    )


def _engine_lines(signed: SignedCheckpoint, engine: VerifierKey) -> tuple[str, ...]:
    """The engine's own signature line(s), without other bodies' cosignatures."""
    return tuple(
        s for s in signed.signatures if SignedCheckpoint(signed.checkpoint, (s,)).signed_by(engine)
    )


def audit_prove(
    event: Annotated[int, typer.Argument(help="The event's seq.")],
    size: Annotated[int | None, typer.Option(help="In the tree of this many events.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """An inclusion proof (RFC 9162 §2.1.3) that an event is in the tree."""
    data = queries.inclusion_proof(runtime(), event, size)

    def human() -> None:
        say(
            f"event {data['seq']} is leaf {data['leaf_index']} of the tree of "
            f"{data['tree_size']} events"
        )
        say(f"leaf hash {data['leaf_hash']}")
        say(f"root hash {data['root_hash']}")
        for step in data["proof"]:
            say(f"  {step}")

    output(as_json, data, human)


def audit_consistency(
    old: Annotated[int, typer.Argument(help="The earlier tree size.")],
    new: Annotated[int | None, typer.Argument(help="The later tree size (default: all).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A consistency proof (RFC 9162 §2.1.4) that the older tree is a prefix of the newer."""
    data = queries.consistency_proof(runtime(), old, new)

    def human() -> None:
        say(f"the tree of {data['old_size']} events is a prefix of the tree of {data['new_size']}")
        say(f"old root {data['old_root']}")
        say(f"new root {data['new_root']}")
        for step in data["proof"]:
            say(f"  {step}")

    output(as_json, data, human)


def audit_export(
    file: Annotated[Path, typer.Argument(help="Where to write the events (JSON lines).")],
) -> None:
    """Write every event, one JSON object a line, for `python -m workflow.audit_verifier`."""
    rt = runtime()
    try:
        with file.open("w", encoding="utf-8") as out:
            written = queries.export_log(rt, out)
    except OSError as error:
        raise InvalidInput(f"cannot write {file}: {error.strerror}") from None
    say(f"exported {written} event(s) to {file}")
