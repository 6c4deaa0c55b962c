"""Argon2's parameters: production's defaults unless the tests ask for the cheapest."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from workflow.adapters.passwords import ENV_VAR, password_hasher


def test_without_the_switch_hashes_use_the_production_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    hasher = password_hasher()
    assert hasher.time_cost == profiles.RFC_9106_LOW_MEMORY.time_cost
    assert hasher.memory_cost == profiles.RFC_9106_LOW_MEMORY.memory_cost
    assert hasher.parallelism == profiles.RFC_9106_LOW_MEMORY.parallelism


def test_fast_hashing_uses_the_cheapest_profile_and_either_verifies_the_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_VAR, "fast")
    fast = password_hasher()
    assert fast.memory_cost == profiles.CHEAPEST.memory_cost
    slow = PasswordHasher()
    assert slow.verify(fast.hash("correct horse battery"), "correct horse battery")
    assert fast.verify(slow.hash("correct horse battery"), "correct horse battery")


def test_the_engine_picks_its_hasher_when_it_first_hashes_not_when_it_is_imported() -> None:
    """tests/conftest.py sets the switch after it has imported the engine: the hashes the
    tests make must still be the cheap ones (they were not, for a while, at about a
    second per sign-in)."""
    from workflow.application.authentication import _hasher, hash_password

    hashed = hash_password("correct horse battery")
    assert _hasher().memory_cost == profiles.CHEAPEST.memory_cost
    assert f"m={profiles.CHEAPEST.memory_cost}," in hashed
