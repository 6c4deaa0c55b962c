"""The base of every command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Something someone asks for; the bus hands it to its handler if the policy allows."""
