"""Each participating body's lead inspector and senior-level oversight for a work stream.

The CJJI standard methodology: each participating inspectorate names a lead inspector and
senior-level oversight before the scope and methodology are developed. Both are people
of the directory (usernames), of the body they are named for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class KeyPeople:
    lead_inspector: str
    senior_oversight: str

    def encode(self) -> dict[str, str]:
        return {"lead_inspector": self.lead_inspector, "senior_oversight": self.senior_oversight}


def decode_key_people(data: dict[str, Any] | None) -> dict[str, KeyPeople]:
    return {
        body: KeyPeople(p["lead_inspector"], p["senior_oversight"])
        for body, p in (data or {}).items()
    }


def encode_key_people(people: dict[str, KeyPeople]) -> dict[str, dict[str, str]]:
    return {body: p.encode() for body, p in sorted(people.items())}
