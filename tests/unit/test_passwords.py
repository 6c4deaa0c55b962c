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
