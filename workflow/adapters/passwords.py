"""The Argon2 password hasher, with its parameters chosen in one place.

Production uses argon2-cffi's defaults (RFC 9106's low-memory profile). The test suite
sets ``CJJI_PASSWORD_HASHING=fast`` to use the library's cheapest profile instead, so that
thousands of hashes do not dominate its run time. Every hash records its own parameters,
so a hash made with either profile is verified correctly by the other.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles

ENV_VAR = "CJJI_PASSWORD_HASHING"


def password_hasher() -> PasswordHasher:
    """Production's hasher, or the cheapest one when ``CJJI_PASSWORD_HASHING=fast``."""
    if os.environ.get(ENV_VAR, "").strip().lower() == "fast":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()
