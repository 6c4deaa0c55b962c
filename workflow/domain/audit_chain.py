"""The hash chain that makes the audit trail tamper-evident.

Each event's hash is ``sha256(previous hash + canonical encoding of the event)``. The
encoding covers every stored field, its sequence number included, so editing a field,
deleting an event or moving one to another place changes a hash that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-encodable in the audit trail")


# One encoder, made once: ``json.dumps`` with these options builds a new one per call,
# which costs as much as the encoding of a link (verification encodes every link).
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def canonical_json(data: Any) -> str:
    """One spelling for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return _ENCODER.encode(data)


def utc_iso(moment: datetime) -> str:
    """UTC, to the microsecond, whatever zone (or none: stored as UTC) it came in."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    m = moment.astimezone(UTC)
    if m.year < 1000:  # strftime does not pad such years to four digits: keep its spelling
        return m.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ") in half the time.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031
        m.year,
        m.month,
        m.day,
        m.hour,
        m.minute,
        m.second,
        m.microsecond,
    )


class ChainLink(NamedTuple):
    """One stored event as the chain sees it (a tuple: cheap to make from a fetched row)."""

    seq: int
    stream_ref: str | None
    actor: str
    body: str | None
    at: datetime | str  # a time, or already spelt as utc_iso spells it
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    payload: str  # canonical JSON
    prev_hash: str
    hash: str


def link_hash(
    prev_hash: str,
    seq: int,
    stream_ref: str | None,
    actor: str,
    body: str | None,
    at: datetime,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    payload: str,
) -> str:
    encoded = canonical_json(
        [seq, stream_ref, actor, body, utc_iso(at), action, from_state, to_state, reason, payload]
    )
    return hashlib.sha256((prev_hash + encoded).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_links(links: Iterable[ChainLink], head_seq: int, head_hash: str) -> Verification:
    """Walk the chain in ``seq`` order and name the first event that breaks it."""
    prev, expected_seq, checked = GENESIS, 1, 0
    encode, sha256 = _ENCODER.encode, hashlib.sha256
    for link in links:
        seq, ref, actor, body, at, action, source, dest, reason, payload, prev_hash, digest = link
        if seq != expected_seq:
            if seq > expected_seq:
                return Verification(
                    False, checked, expected_seq, f"event {expected_seq} is missing: deleted"
                )
            return Verification(False, checked, seq, f"event {seq} is out of order")
        if prev_hash != prev:
            return Verification(
                False,
                checked,
                seq,
                f"event {seq} does not follow event {seq - 1}: "
                "reordered or its predecessor was replaced",
            )
        # link_hash, inline: this loop runs once per event of the whole trail.
        stamp = at if isinstance(at, str) else utc_iso(at)
        encoded = encode([seq, ref, actor, body, stamp, action, source, dest, reason, payload])
        if sha256((prev + encoded).encode()).hexdigest() != digest:
            return Verification(
                False,
                checked,
                seq,
                f"event {seq} was edited: its content no longer matches its hash",
            )
        prev, expected_seq, checked = digest, expected_seq + 1, checked + 1
    if checked != head_seq or prev != head_hash:
        missing = checked + 1
        return Verification(
            False,
            checked,
            missing,
            f"event {missing} is missing: the chain ends at {checked} but "
            f"{head_seq} events were written",
        )
    return Verification(True, checked)


def leaf_data(link: ChainLink) -> bytes:
    """The bytes of one event as the Merkle tree hashes it: the same canonical encoding the
    chain hashes, without the link to the previous event (the tree orders the leaves)."""
    seq, ref, actor, body, at, action, source, dest, reason, payload, _prev, _hash = link
    stamp = at if isinstance(at, str) else utc_iso(at)
    return _ENCODER.encode(
        [seq, ref, actor, body, stamp, action, source, dest, reason, payload]
    ).encode()
