"""Reading what a page's form sent: dates from the GOV.UK date input, times, lists.

Only the shape of the input is checked here (a real date, a time of day); whether the
value is acceptable is for the services, which say so in a sentence the page shows.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated

from fastapi import Form

from workflow.domain.errors import InvalidInput
from workflow.domain.working_days import LONDON

FormText = Annotated[str, Form(max_length=10_000)]
FormLine = Annotated[str, Form(max_length=500)]
FormToken = Annotated[str, Form(max_length=200)]
FormPart = Annotated[str, Form(max_length=8)]
Choice = Annotated[str, Form(max_length=40)]
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def form_date(day: str, month: str, year: str, what: str) -> date | None:
    """The date of a GOV.UK date input (day, month, year), or None when all three are
    empty; anything else that is not a real date is refused, saying what to fix."""
    parts = [day.strip(), month.strip(), year.strip()]
    if not any(parts):
        return None
    if not all(p.isdigit() for p in parts):
        raise InvalidInput(f"{what} must be a real date, with a day, month and year in numbers")
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise InvalidInput(f"{what} must be a real date, for example 27 3 2027") from None


def required_date(day: str, month: str, year: str, what: str) -> date:
    found = form_date(day, month, year, what)
    if found is None:
        raise InvalidInput(f"enter {what}")
    return found


def form_time(text: str, what: str) -> time:
    """A time of day in the 24-hour clock: 00:01, 9:30 or 09.30."""
    found = _TIME.match(text)
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise InvalidInput(f"{what} must be a time in the 24-hour clock, for example 00:01")
    return time(int(found.group(1)), int(found.group(2)))


def uk_moment(day: date, at: time) -> datetime:
    """A date and a time as people in England and Wales mean them (GMT or BST)."""
    return datetime.combine(day, at, tzinfo=LONDON)


def uk_time(moment: str | datetime) -> str:
    """'01 Dec 2026, 00:01' in the time of England and Wales, for an ISO time or a datetime."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{value.astimezone(LONDON):%d %b %Y, %H:%M}"


def lines(text: str) -> list[str]:
    """The non-empty lines of a textarea, trimmed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def chosen(value: str, options: str) -> str:
    """A radio button's value, or a sentence saying that none was chosen."""
    if not value:
        raise InvalidInput(f"choose {options}")
    return value
