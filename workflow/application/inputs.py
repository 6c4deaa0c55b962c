"""Reading what people type: enum choices, refs and slugs, each refused with what to do."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from workflow.domain.errors import InvalidInput
from workflow.domain.safe_text import control_characters, describe

REF_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")


def choice(enum: type[Any], value: str, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{what} {value!r} is not known: use one of {allowed}") from None


#: Latin letters that do not decompose into a base letter and marks.
_LETTERS = str.maketrans(
    {"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "œ": "oe", "ı": "i"}
)


def slugify(title: str) -> str:
    """A ref from a title: Welsh and other accented letters lose their marks (ŵ → w, ŷ → y);
    a title with no Latin letters or digits gets ``work-stream-`` and a stable hash of it."""
    folded = unicodedata.normalize("NFKD", title.casefold().translate(_LETTERS))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100].rstrip("-")
    if len(slug) >= 3 and not slug.isdigit():
        return slug
    digest = hashlib.sha256(title.strip().encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"work-stream-{digest}"


def check_ref(ref: str) -> str:
    if not REF_PATTERN.match(ref) or ref.isdigit():
        raise InvalidInput(
            f"ref {ref!r} is not valid: use 3-120 lower-case letters, digits and hyphens"
        )
    return ref


# -- safe text at input ----------------------------------------------------------------
#: Fields that hold prose: comments, reasons, responses, summaries.
LONG_TEXT_FIELDS = frozenset(
    {
        "text",
        "reason",
        "comment",
        "response",
        "note",
        "evidence",
        "action_plan",
        "judgement",
        "summary",
        "missing",
    }
)
#: The longest text each kind of field takes, in characters (docs/cli.md says the same).
MAX_LONG_TEXT = 10_000
MAX_TITLE = 300
MAX_URL = 2_000
MAX_PASSWORD = 1_024
MAX_SHORT_TEXT = 200
#: Plan files: at most this many bytes and work stream entries (children included).
MAX_PLAN_BYTES = 1_000_000
MAX_PLAN_ENTRIES = 2_000


def limit_of(name: str) -> int:
    if name in LONG_TEXT_FIELDS:
        return MAX_LONG_TEXT
    if name in ("title", "label"):
        return MAX_TITLE
    if name == "url":
        return MAX_URL
    if name == "password":
        return MAX_PASSWORD
    return MAX_SHORT_TEXT


def check_text(name: str, value: Any, where: str | None = None) -> None:
    """Refuse control characters and over-long text anywhere in ``value`` (strings, lists,
    mappings), naming the field; :class:`InvalidInput` in one line."""
    if isinstance(value, str):
        label = name.replace("_", " ")
        label = f"{where}: {label}" if where else label
        if name != "password":
            bad = control_characters(value)
            if bad:
                raise InvalidInput(
                    f"{label} contains control characters ({', '.join(map(describe, bad))}): "
                    "remove them and try again"
                )
        limit = limit_of(name)
        if len(value) > limit:
            raise InvalidInput(
                f"{label} is {len(value)} characters long: at most {limit} are accepted"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(str(key), item, where)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_text(name, item, where)


def check_command_text(command: Any) -> None:
    """Every text a command carries, checked before anything is done with it."""
    for spec in fields(command):
        check_text(spec.name, getattr(command, spec.name))
