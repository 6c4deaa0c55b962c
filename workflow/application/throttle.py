"""Throttling failed sign-ins and token failures, with the ``limits`` library.

Failures are counted per account and per client address, in tiers of moving windows
(``CJJI_SIGNIN_LIMITS``, ``CJJI_ADDRESS_LIMITS``): the first tiers make an attacker wait
longer and longer (a growing delay), the last, longest tier of the account's is the
lockout, which its owner is told about by email. While any tier is used up, every attempt
is answered 429 with ``Retry-After``, even one with the right password, so that guessing
goes no faster than the tiers allow.

The counters live where ``CJJI_THROTTLE_STORAGE`` says: ``memory://`` for the embedded
set-up (one web server process), ``redis://…`` when several processes serve. Their keys
carry a digest of the database's address, so deployments sharing a Redis keep apart.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from functools import cache

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workflow.application.runtime import Runtime
from workflow.domain.errors import WorkflowError


class Throttled(WorkflowError):
    """Too many failed attempts: wait ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttle:
    limiter: MovingWindowRateLimiter
    account: tuple[RateLimitItem, ...]
    address: tuple[RateLimitItem, ...]
    namespace: str

    def _keys(self, account: str | None, address: str) -> list[tuple[RateLimitItem, str, str]]:
        keys = [(item, "address", address) for item in self.address]
        if account:
            keys += [(item, "account", account.lower()) for item in self.account]
        return keys

    def check(self, account: str | None, address: str) -> None:
        """Refuse now if a tier of the account or of the address is used up."""
        waits = [
            self._wait(item, kind, value)
            for item, kind, value in self._keys(account, address)
            if not self.limiter.test(item, self.namespace, kind, value)
        ]
        if waits:
            wait = max(waits)
            raise Throttled(
                f"too many failed attempts: wait {_spell(wait)} before trying again",
                wait,
            )

    def failed(self, account: str | None, address: str) -> bool:
        """Count one failure; True if it has just locked the account (its longest tier)."""
        locked = False
        for item, kind, value in self._keys(account, address):
            self.limiter.hit(item, self.namespace, kind, value)
            if kind == "account" and item is self.account[-1]:
                remaining = self.limiter.get_window_stats(item, self.namespace, kind, value)
                locked = remaining.remaining == 0
        return locked

    def lock_ends(self, account: str) -> int:
        """Seconds until the account's lockout ends."""
        return self._wait(self.account[-1], "account", account.lower())

    def _wait(self, item: RateLimitItem, kind: str, value: str) -> int:
        stats = self.limiter.get_window_stats(item, self.namespace, kind, value)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _spell(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


@cache
def _limiter(storage_url: str) -> MovingWindowRateLimiter:
    # One storage per process and address: the memory one must be shared by every request.
    return MovingWindowRateLimiter(storage_from_string(storage_url))


def throttle(rt: Runtime) -> Throttle:
    settings = rt.settings
    return Throttle(
        _limiter(settings.throttle_storage),
        tuple(parse_many(settings.signin_limits)),
        tuple(parse_many(settings.address_limits)),
        hashlib.sha256(settings.database_url.encode()).hexdigest()[:16],
    )


__all__ = ["Throttle", "Throttled", "throttle"]
