"""What a business plan holds, version by version, and what changed between two.

An entry is one work stream of the plan as the plan states it: title, priority, expected
publication (the plan's words), and its status in the plan (``planned``, ``deferred``,
``dropped``), with who commissioned it and when if it was commissioned in-year. Version 1
is the plan as published; every change after publication makes the next version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow.domain.audit_chain import canonical_json

PLANNED, DEFERRED, DROPPED = "planned", "deferred", "dropped"

#: The kinds of change a review (or in-year commissioning) makes, as the diff names them.
CHANGES = ("added", "dropped", "deferred", "reprioritised", "redated")


@dataclass(frozen=True, slots=True)
class PlanVersion:
    number: int
    made_at: datetime
    made_by: str
    #: {"kind": "reprioritise" | "defer" | "drop" | "commission", "ref": …, "reason": …}
    change: Mapping[str, Any] | None
    #: {ref: {"title", "priority", "expected", "status", "commissioned"}}
    entries: Mapping[str, Mapping[str, Any]]

    def encode(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "made_at": self.made_at.isoformat(),
            "made_by": self.made_by,
            "change": dict(self.change) if self.change else None,
            "entries": {ref: dict(e) for ref, e in self.entries.items()},
        }


def entry(
    title: str,
    priority: str,
    expected: str | None,
    status: str = PLANNED,
    commissioned: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "title": title,
        "priority": priority,
        "expected": expected,
        "status": status,
        "commissioned": dict(commissioned) if commissioned else None,
    }


def plan_hash(entries: Mapping[str, Mapping[str, Any]]) -> str:
    """The name of one text of the plan, which the chief inspectors approve: the SHA-256
    of its entries in canonical JSON."""
    return hashlib.sha256(canonical_json(entries).encode("utf-8")).hexdigest()


def diff(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Exactly what changed from ``old`` to ``new``, by kind of change (each a list)."""
    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CHANGES}
    for ref, after in new.items():
        before = old.get(ref)
        if before is None or (before["status"] == DROPPED and after["status"] != DROPPED):
            out["added"].append({"ref": ref, "title": after["title"], **_commissioned(after)})
            continue
        if after["status"] != before["status"] and after["status"] in (DROPPED, DEFERRED):
            kind = "dropped" if after["status"] == DROPPED else "deferred"
            out[kind].append({"ref": ref, "title": after["title"]})
        if after["priority"] != before["priority"]:
            out["reprioritised"].append(
                {"ref": ref, "from": before["priority"], "to": after["priority"]}
            )
        if after["expected"] != before["expected"]:
            out["redated"].append({"ref": ref, "from": before["expected"], "to": after["expected"]})
    for ref, before in old.items():
        if ref not in new and before["status"] != DROPPED:
            out["dropped"].append({"ref": ref, "title": before["title"]})
    return out


def _commissioned(e: Mapping[str, Any]) -> dict[str, Any]:
    return {"commissioned": e["commissioned"]} if e.get("commissioned") else {}


__all__ = ["CHANGES", "DEFERRED", "DROPPED", "PLANNED", "PlanVersion", "diff", "entry", "plan_hash"]
