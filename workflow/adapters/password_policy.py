"""Which passwords are refused, as the NCSC advises: too short, or on a deny-list.

There are no composition rules (no "one digit, one capital"): they make passwords
harder to remember without making them harder to guess. A password is refused when it is
shorter than :data:`MIN_LENGTH`, when it is one of the 20,000 most common passwords, when
it is a short run repeated (``aaaaaaaaaaaa``, ``abcabcabcabc``) or when it is the
person's own username.

The list, ``data/common-passwords.txt.gz``, is the one Django ships
(``django/contrib/auth/common-passwords.txt.gz`` of Django 5.2.8 on PyPI; BSD licence in
``data/LICENSE.common-passwords``): 20,000 common passwords, lower-cased and
de-duplicated, compiled by Royce Williams from public breach corpora. It is read once,
on first use.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

MIN_LENGTH = 12
#: A password made of one run of this many characters or fewer, repeated, is refused.
SHORTEST_RUN = 4


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("workflow.adapters").joinpath("data/common-passwords.txt.gz")
    text = gzip.decompress(data.read_bytes()).decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def weakness(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused, in words a person can act on; None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"the password is too short: use at least {MIN_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords():
        return (
            "that password is one of the most common passwords, which are tried first: "
            "choose another (three random words make a good one)"
        )
    if _repeated(lowered):
        return "that password is one short run of characters repeated: choose another"
    if username and lowered == username.strip().lower():
        return "the password must not be your username: choose another"
    return None


def _repeated(text: str) -> bool:
    """Whether ``text`` is a run of at most :data:`SHORTEST_RUN` characters, repeated."""
    for size in range(1, SHORTEST_RUN + 1):
        if len(text) % size == 0 and text == text[:size] * (len(text) // size):
            return True
    return False
