"""The working-day calendar that deadlines are counted on.

Joint inspection deadlines run in working days (notice before fieldwork, contributions after
it) or in calendar units (weeks to publication, days for a response). Working days skip
weekends and the bank holidays of the work stream's jurisdiction. Days are plain dates in
Europe/London terms. Pure: the stdlib and the ``holidays`` package only.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
SUBDIVISIONS = ("ENG", "WLS", "SCT", "NIR")  # holidays.UK subdivision codes
_ONE_DAY = timedelta(days=1)


class Jurisdiction(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    ENGLAND_AND_WALES = "england_and_wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


# England and Wales share one list today; keeping them apart means a future difference needs
# data, not code.
_SUBDIVISIONS_OF = {
    Jurisdiction.ENGLAND: ("ENG",),
    Jurisdiction.WALES: ("WLS",),
    Jurisdiction.ENGLAND_AND_WALES: ("ENG", "WLS"),
    Jurisdiction.SCOTLAND: ("SCT",),
    Jurisdiction.NORTHERN_IRELAND: ("NIR",),
}


@lru_cache(maxsize=1024)
def _holidays(subdivisions: tuple[str, ...], year: int) -> Mapping[date, str]:
    # Built one year at a time and cached by value, so every calendar with the same
    # subdivisions shares it and a query in a loop is a weekday test and a dict lookup.
    merged: dict[date, str] = {}
    for code in subdivisions:
        for day, name in holidays.country_holidays("GB", subdiv=code, years=year).items():
            merged[day] = name if merged.get(day, name) == name else f"{merged[day]} / {name}"
    return MappingProxyType(merged)


def _weekdays_up_to(day: date) -> int:
    # Mondays to Fridays from 1 January of year 1 (a Monday) to `day` inclusive.
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Weekends and the bank holidays of one or more UK subdivisions."""

    subdivisions: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.subdivisions or not set(self.subdivisions) <= set(SUBDIVISIONS):
            raise ValueError(f"subdivisions must be some of {SUBDIVISIONS}: {self.subdivisions}")

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holidays(self.subdivisions, day.year)

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, start: date, n: int, *, count_start: bool = False) -> date:
        """The n-th working day after `start` (before it if n < 0); `start` itself if n == 0.

        With count_start, `start` is day 1 when it is a working day ("10 working days counting
        notification as day 1"), so the result is one working day nearer.
        """
        if count_start and n and self.is_working_day(start):
            n += -1 if n > 0 else 1
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        day = start
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative if end < start. Undoes add_working_days."""
        if end < start:
            return -self.working_days_between(end, start)
        weekday_holidays = sum(
            1 for day, _ in self.holidays_between(start + _ONE_DAY, end) if day.weekday() < 5
        )
        return _weekdays_up_to(end) - _weekdays_up_to(start) - weekday_holidays

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Bank holidays from `start` to `end` inclusive, weekend ones too, in date order."""
        years = range(start.year, end.year + 1)
        found = (item for year in years for item in _holidays(self.subdivisions, year).items())
        return sorted(item for item in found if start <= item[0] <= end)


def calendar_for(jurisdiction: Jurisdiction | str) -> WorkingDayCalendar:
    return _calendar_for(Jurisdiction(jurisdiction))


@cache  # keyed by the enum member, so "england" and Jurisdiction.ENGLAND share one calendar
def _calendar_for(jurisdiction: Jurisdiction) -> WorkingDayCalendar:
    return WorkingDayCalendar(_SUBDIVISIONS_OF[jurisdiction])


def london_date(moment: datetime) -> date:
    """The date in London of an aware datetime; a naive one is ambiguous and refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give an aware (UTC) datetime")
    return moment.astimezone(LONDON).date()


def add_calendar_duration(start: date, *, days: int = 0, weeks: int = 0, months: int = 0) -> date:
    """`start` moved by months first (clamped to the month's end), then by weeks and days."""
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    day = min(start.day, _calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day) + timedelta(days=days, weeks=weeks)


Unit = Literal["working_days", "days", "weeks", "months"]
_WORDS: dict[Unit, str] = {
    "working_days": "working day",
    "days": "day",
    "weeks": "week",
    "months": "month",
}
_UNITS = {word: unit for unit, word in _WORDS.items()}
_PATTERN = re.compile(r"\s*([0-9]+)\s+(working[ _-]days?|days?|weeks?|months?)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    """A deadline period as written in the rules: '10 working days', '18 weeks', '8 months'."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.amount < 0 or self.unit not in get_args(Unit):
            raise ValueError(f"a duration needs an amount >= 0 and a unit in {get_args(Unit)}")

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _PATTERN.fullmatch(text)
        if match is None:
            raise ValueError(
                f"cannot read {text!r} as a duration: write a whole number and one of "
                "'working days', 'days', 'weeks' or 'months' (singular for 1), "
                "e.g. '10 working days', '56 days', '18 weeks', '8 months', '1 day'"
            )
        word = re.sub(r"[ _-]+", " ", match[2].lower()).removesuffix("s")
        return cls(int(match[1]), _UNITS[word])

    def __str__(self) -> str:
        return f"{self.amount} {_WORDS[self.unit]}{'' if self.amount == 1 else 's'}"

    def after(
        self, start: date, calendar: WorkingDayCalendar, *, count_start: bool = False
    ) -> date:
        """The date this long after `start`; with count_start, `start` is day 1 of the period."""
        return self._shift(start, self.amount, calendar, count_start)

    def before(self, end: date, calendar: WorkingDayCalendar, *, count_start: bool = False) -> date:
        """The date this long before `end`; with count_start, `end` is day 1 of the period."""
        return self._shift(end, -self.amount, calendar, count_start)

    def _shift(self, day: date, n: int, calendar: WorkingDayCalendar, count_start: bool) -> date:
        if self.unit == "working_days":
            return calendar.add_working_days(day, n, count_start=count_start)
        moved = add_calendar_duration(day, **{self.unit: n})
        if count_start and n:  # a period that includes its first day ends one day nearer
            moved += -_ONE_DAY if n > 0 else _ONE_DAY
        return moved
