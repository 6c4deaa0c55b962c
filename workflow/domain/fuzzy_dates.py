"""Fuzzy expected-publication dates, read into a range of days.

Business plans promise reports for "summer 2021", "the winter of 2021–22", "2022/23" or
"by December 2021", and sometimes for nothing readable at all ("Scope to be agreed").
The engine needs a range to sort work streams and to warn when one is running late;
people need the plan's own words. :func:`parse_fuzzy_date` keeps both: the text
verbatim, and the earliest and latest days it can mean (``None`` where it does not say).

Forms read, ignoring case, spacing and the kind of dash:

- a meteorological season and year: "spring 2022" is 1 March – 31 May 2022; "winter
  2021", "winter 2021/22" and "the winter of 2021–22" all run 1 December 2021 – end of
  February 2022;
- a business year: "2022/23", "2022–23", "2022-2023" is 1 April 2022 – 31 March 2023;
- a month ("August 2021"), a bare year ("2022"), a day ("2021-08-31", "31 August 2021");
- a quarter: "Q1 2022" is a calendar quarter, "Q1 2022/23" a business-year quarter;
- "early", "mid" or "late" before any of those months, seasons, quarters or years: its
  first, middle or last third ("end of" means "late");
- "by" before any of those: no earliest day, the latest day of what follows.

Anything else, and any year outside 1900–2200, gives a :class:`FuzzyDate` with no range.
Parsing never raises: a plan with an odd date must still import.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = ["MAX_YEAR", "MIN_YEAR", "FuzzyDate", "parse_fuzzy_date"]

#: Years outside this span are typing mistakes in a plan, not real dates.
MIN_YEAR, MAX_YEAR = 1900, 2200


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date as a plan writes it, with the range of days it was read as."""

    text: str
    earliest: date | None = None
    latest: date | None = None

    def __post_init__(self) -> None:
        if self.earliest and self.latest and self.earliest > self.latest:
            raise ValueError(
                f"earliest {self.earliest} is after latest {self.latest} for {self.text!r}"
            )

    @property
    def is_understood(self) -> bool:
        """Whether a range (open at one end or not) was read from the text."""
        return self.earliest is not None or self.latest is not None


_Range = tuple[date, date]

# Spelled out rather than taken from the calendar module, whose names follow the locale.
_MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june", "july", "august"),
    *("september", "october", "november", "december"),
)
_MONTHS = {name: n for n, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])}
_MONTHS["sept"] = 9
#: First month of each meteorological season; every season lasts three months.
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}

# Plans mix hyphens, en and em dashes and minus signs; they all mean "to" here.
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_LEADING_FILLER = re.compile(
    r"(?:expected|planned|provisional|estimated|anticipated|target|publication|published"
    r"|report|date|due|to|be|will|completed|completion|in|during|around|about|circa|the)"
    r"(?=[ :,.;]|$)[ :,.;]*|[ :,.;-]+"
)
_TRAILING_FILLER = re.compile(
    r"(?:[ .,;:!]+|(?<![a-z0-9])\(?(?:provisional|tbc|to be confirmed)\)?)$"
)
_SPACED_SEPARATOR = re.compile(r" ?([-/]) ?")

# A year, then optionally a second year after a dash or slash: "2022", "2022/23", "2022-2023".
_YEARS = r"([0-9]{4})(?:[-/]([0-9]{2}|[0-9]{4}))?"
_SPAN = r"([0-9]{4})[-/]([0-9]{2}|[0-9]{4})"
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? ([0-9]{4})")
_MONTH_YEAR = re.compile(r"([a-z]+)\.?,? ([0-9]{4})")
_SEASON = re.compile(rf"(spring|summer|autumn|winter)(?: of)?,? {_YEARS}")
_QUARTER = re.compile(rf"(?:q|quarter )([1-4]),? (?:of )?{_YEARS}")
_BUSINESS_YEAR = re.compile(
    rf"(?:(?:business|financial) year |fy ?)?{_SPAN}(?: (?:business|financial) year)?"
)
_YEAR = re.compile(r"(?:calendar year )?([0-9]{4})")
_BY = re.compile(r"(?:by|no later than|not later than) (.+)")
_THIRD = re.compile(r"(?:the )?(early|beginning of|start of|middle of|mid|late|end of)[ -](.+)")
_THIRD_INDEX = {"early": 0, "beginning of": 0, "start of": 0, "middle of": 1, "mid": 1}


def parse_fuzzy_date(text: str) -> FuzzyDate:
    """Read ``text`` as a range of days; an unreadable text gives no range, never an error."""
    found = _parse(_normalise(text))
    if found is None:
        return FuzzyDate(text)
    return FuzzyDate(text, *found)


def _normalise(text: str) -> str:
    s = " ".join(_DASHES.sub("-", text.lower()).split())
    s = _SPACED_SEPARATOR.sub(r"\1", s)
    # "Expected publication: Spring 2022." and "Spring 2022" must read alike.
    while m := _LEADING_FILLER.match(s):
        s = s[m.end() :]
    while m := _TRAILING_FILLER.search(s):
        s = s[: m.start()]
    return s


def _parse(s: str) -> tuple[date | None, date] | None:
    if m := _BY.fullmatch(s):
        inner = _parse_range(m[1])
        return None if inner is None else (None, inner[1])
    return _parse_range(s)


def _parse_range(s: str) -> _Range | None:
    if m := _THIRD.fullmatch(s):
        whole = _parse_plain(m[2])
        return None if whole is None else _third(whole, _THIRD_INDEX.get(m[1], 2))
    return _parse_plain(s)


def _parse_plain(s: str) -> _Range | None:
    if m := _ISO_DAY.fullmatch(s):
        return _day(m[1], int(m[2]), m[3])
    if (m := _DAY_MONTH_YEAR.fullmatch(s)) and m[2] in _MONTHS:
        return _day(m[3], _MONTHS[m[2]], m[1])
    if (m := _MONTH_YEAR.fullmatch(s)) and m[1] in _MONTHS:
        year = _year(m[2])
        return None if year is None else _months(year, _MONTHS[m[1]], 1)
    if m := _SEASON.fullmatch(s):
        return _season(m[1], m[2], m[3])
    if m := _QUARTER.fullmatch(s):
        return _quarter(int(m[1]), m[2], m[3])
    if m := _BUSINESS_YEAR.fullmatch(s):
        start = _span_start(m[1], m[2])
        return None if start is None else _months(start, 4, 12)
    if m := _YEAR.fullmatch(s):
        year = _year(m[1])
        return None if year is None else _months(year, 1, 12)
    return None


def _year(digits: str) -> int | None:
    year = int(digits)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _span_start(first: str, second: str) -> int | None:
    """The first year of "2022/23" or "2022-2023"; None unless the years are consecutive."""
    year = _year(first)
    if year is None or year + 1 > MAX_YEAR:
        return None
    follows = (year + 1) % 100 if len(second) == 2 else year + 1
    return year if int(second) == follows else None


def _months(year: int, month: int, count: int) -> _Range:
    """``count`` whole months from ``month`` of ``year``; months past 12 roll into next year."""
    last_year, last_month = divmod(year * 12 + month - 1 + count - 1, 12)
    last_day = calendar.monthrange(last_year, last_month + 1)[1]
    first_year, first_month = divmod(year * 12 + month - 1, 12)
    return date(first_year, first_month + 1, 1), date(last_year, last_month + 1, last_day)


def _day(year_digits: str, month: int, day: str) -> _Range | None:
    year = _year(year_digits)
    if year is None:
        return None
    try:
        one = date(year, month, int(day))
    except ValueError:  # 31 February and the like: unreadable, not an error
        return None
    return one, one


def _season(name: str, first: str, second: str | None) -> _Range | None:
    year = _year(first) if second is None else _span_start(first, second)
    # "spring 2021/22" could be either spring; only winter straddles the two years.
    if year is None or (second is not None and name != "winter"):
        return None
    return _months(year, _SEASONS[name], 3)


def _quarter(quarter: int, first: str, second: str | None) -> _Range | None:
    if second is None:
        year = _year(first)
        return None if year is None else _months(year, 1 + 3 * (quarter - 1), 3)
    # A quarter of a business year: Q1 starts in April, Q4 ends in March.
    start = _span_start(first, second)
    return None if start is None else _months(start, 4 + 3 * (quarter - 1), 3)


def _third(whole: _Range, index: int) -> _Range | None:
    """The first, middle or last third of a range of whole months."""
    start, end = whole
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if start.day != 1 or end != _months(end.year, end.month, 1)[1]:
        return None  # a single day has no thirds
    if months == 1:
        # Within a month, "early" is the 1st–10th and "mid" the 11th–20th, as usually meant.
        bounds = ((1, 10), (11, 20), (21, end.day))[index]
        return start.replace(day=bounds[0]), start.replace(day=bounds[1])
    if months % 3:
        return None
    step = months // 3
    return _months(start.year, start.month + index * step, step)
