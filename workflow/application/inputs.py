"""Reading what people type: enum choices, refs and slugs, each refused with what to do."""

from __future__ import annotations

import re
from typing import Any

from workflow.domain.errors import InvalidInput

REF_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")


def choice(enum: type[Any], value: str, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{what} {value!r} is not known: use one of {allowed}") from None


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")
    return slug[:100].rstrip("-") or "work-stream"


def check_ref(ref: str) -> str:
    if not REF_PATTERN.match(ref) or ref.isdigit():
        raise InvalidInput(
            f"ref {ref!r} is not valid: use 3-120 lower-case letters, digits and hyphens"
        )
    return ref
