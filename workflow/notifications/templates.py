"""Plain-text e-mail templates (Jinja2, in ``templates/*.txt.j2``).

A template's first line is ``Subject: ...``; the rest is the body. Every variable a
template uses must be given: a missing one raises :class:`jinja2.UndefinedError`. A value
is printed on one line (line breaks inside it become spaces), so that no title or reason
can break the subject line or the layout of the body.

Filters available to the templates: ``days`` (``1 -> "1 day"``, ``3 -> "3 days"``) and
``stream_url`` (``public_url | stream_url(ref)`` -> ``{public_url}/streams/{ref}``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

import jinja2

_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")

#: The templates shipped, by the name :func:`render` takes.
TEMPLATE_NAMES = (
    "stage_entered",
    "decision_requested",
    "reminder",
    "escalation",
    "published",
    "embargoed_copy",
)
#: The templates about a person's account, not a work stream.
ACCOUNT_TEMPLATE_NAMES = ("account_locked",)
SUBJECT_PREFIX = "Subject:"


def render(name: str, /, **context: object) -> tuple[str, str]:
    """Render template ``name`` (without ``.txt.j2``) to ``(subject, body)``."""
    text = environment().get_template(f"{name}.txt.j2").render(**context)
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise ValueError(f"template {name!r} must start with a {SUBJECT_PREFIX!r} line")
    subject = " ".join(first.removeprefix(SUBJECT_PREFIX).split())
    if not subject:
        raise ValueError(f"template {name!r} rendered an empty subject")
    body = rest.strip("\n") + "\n"
    return subject, body


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("workflow.notifications", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - plain-text e-mail, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_one_line,
    )
    env.filters["days"] = _days
    env.filters["stream_url"] = _stream_url
    return env


def _one_line(value: object) -> object:
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        return _LINE_BREAK.sub(" ", value)
    return value


def _days(count: int) -> str:
    count = abs(int(count))
    return f"{count} day" if count == 1 else f"{count} days"


def _stream_url(public_url: str, ref: str) -> str:
    return f"{str(public_url).rstrip('/')}/streams/{quote(str(ref), safe='')}"
