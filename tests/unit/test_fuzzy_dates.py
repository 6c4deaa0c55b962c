"""Reading the business plan's fuzzy expected-publication dates into ranges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.domain.fuzzy_dates import MAX_YEAR, MIN_YEAR, FuzzyDate, parse_fuzzy_date

D = date


def _reads_as(text: str, earliest: date | None, latest: date | None) -> None:
    parsed = parse_fuzzy_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest), text
    assert parsed.text == text


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("spring 2022", D(2022, 3, 1), D(2022, 5, 31)),
        ("Spring 2022", D(2022, 3, 1), D(2022, 5, 31)),
        ("summer 2021", D(2021, 6, 1), D(2021, 8, 31)),
        ("SUMMER 2021", D(2021, 6, 1), D(2021, 8, 31)),
        ("Autumn 2021", D(2021, 9, 1), D(2021, 11, 30)),
        ("winter 2021", D(2021, 12, 1), D(2022, 2, 28)),
        ("summer of 2021", D(2021, 6, 1), D(2021, 8, 31)),
    ],
)
def test_a_season_is_its_three_meteorological_months(
    text: str, earliest: date, latest: date
) -> None:
    _reads_as(text, earliest, latest)


@pytest.mark.parametrize(
    "text",
    [
        "winter of 2021–22",
        "the winter of 2021–22",
        "winter 2021/22",
        "winter 2021-22",
        "winter 2021 – 22",
        "Winter 2021/2022",
        "winter 2021—22",
    ],
)
def test_a_winter_across_two_years_runs_from_december_to_february(text: str) -> None:
    _reads_as(text, D(2021, 12, 1), D(2022, 2, 28))


@pytest.mark.parametrize(
    ("text", "latest"),
    [("winter 2023", D(2024, 2, 29)), ("winter 2023/24", D(2024, 2, 29)), ("winter 1899/00", None)],
)
def test_a_winter_ends_on_the_29th_when_february_is_leap(text: str, latest: date | None) -> None:
    assert parse_fuzzy_date(text).latest == latest


@pytest.mark.parametrize("text", ["spring 2021/22", "summer 2021-22", "winter 2021/23"])
def test_a_season_of_a_span_is_unread_unless_it_is_a_winter_of_consecutive_years(
    text: str,
) -> None:
    assert not parse_fuzzy_date(text).is_understood


@pytest.mark.parametrize(
    "text", ["2022/23", "2022–23", "2022-23", "2022-2023", "2022 / 23", "business year 2022/23"]
)
def test_a_business_year_runs_from_april_to_march(text: str) -> None:
    _reads_as(text, D(2022, 4, 1), D(2023, 3, 31))


@pytest.mark.parametrize("text", ["2022/24", "2022-2024", "2022/21", "2200/01", "1899/00"])
def test_a_span_of_years_not_consecutive_or_out_of_bounds_is_unread(text: str) -> None:
    assert not parse_fuzzy_date(text).is_understood


def test_a_business_year_may_straddle_a_century() -> None:
    _reads_as("1999/00", D(1999, 4, 1), D(2000, 3, 31))


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("August 2021", D(2021, 8, 1), D(2021, 8, 31)),
        ("february 2024", D(2024, 2, 1), D(2024, 2, 29)),
        ("Feb 2023", D(2023, 2, 1), D(2023, 2, 28)),
        ("Sept. 2021", D(2021, 9, 1), D(2021, 9, 30)),
    ],
)
def test_a_month_is_the_whole_month(text: str, earliest: date, latest: date) -> None:
    _reads_as(text, earliest, latest)


@pytest.mark.parametrize(
    ("text", "latest"),
    [
        ("by December 2021", D(2021, 12, 31)),
        ("To be completed by December 2021", D(2021, 12, 31)),
        ("by the end of December 2021", D(2021, 12, 31)),
        ("by summer 2022", D(2022, 8, 31)),
        ("by 2022/23", D(2023, 3, 31)),
        ("by 2022", D(2022, 12, 31)),
        ("no later than late spring 2022", D(2022, 5, 31)),
    ],
)
def test_by_a_date_has_no_earliest_day(text: str, latest: date) -> None:
    _reads_as(text, None, latest)


def test_a_bare_year_is_the_whole_calendar_year() -> None:
    _reads_as("2022", D(2022, 1, 1), D(2022, 12, 31))


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("Q1 2022", D(2022, 1, 1), D(2022, 3, 31)),
        ("q4 2021", D(2021, 10, 1), D(2021, 12, 31)),
        ("Q1 2022/23", D(2022, 4, 1), D(2022, 6, 30)),
        ("Q4 2022-23", D(2023, 1, 1), D(2023, 3, 31)),
    ],
)
def test_a_quarter_is_calendar_unless_written_with_a_business_year(
    text: str, earliest: date, latest: date
) -> None:
    _reads_as(text, earliest, latest)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2021-08-31", D(2021, 8, 31)),
        ("31 August 2021", D(2021, 8, 31)),
        ("1st May 2022", D(2022, 5, 1)),
    ],
)
def test_a_single_day_is_a_range_of_one_day(text: str, day: date) -> None:
    _reads_as(text, day, day)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("early August 2021", D(2021, 8, 1), D(2021, 8, 10)),
        ("mid August 2021", D(2021, 8, 11), D(2021, 8, 20)),
        ("late August 2021", D(2021, 8, 21), D(2021, 8, 31)),
        ("late February 2024", D(2024, 2, 21), D(2024, 2, 29)),
        ("early spring 2022", D(2022, 3, 1), D(2022, 3, 31)),
        ("mid-summer 2021", D(2021, 7, 1), D(2021, 7, 31)),
        ("late winter 2021–22", D(2022, 2, 1), D(2022, 2, 28)),
        ("early 2022", D(2022, 1, 1), D(2022, 4, 30)),
        ("mid-2022", D(2022, 5, 1), D(2022, 8, 31)),
        ("the end of 2022", D(2022, 9, 1), D(2022, 12, 31)),
        ("late 2022/23", D(2022, 12, 1), D(2023, 3, 31)),
    ],
)
def test_early_mid_and_late_are_thirds(text: str, earliest: date, latest: date) -> None:
    _reads_as(text, earliest, latest)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("Expected publication: Autumn 2021", D(2021, 9, 1), D(2021, 11, 30)),
        ("Expected publication: Spring 2022.", D(2022, 3, 1), D(2022, 5, 31)),
        ("Report to be published August 2021", D(2021, 8, 1), D(2021, 8, 31)),
        ("will be published in the winter of 2021–22", D(2021, 12, 1), D(2022, 2, 28)),
        ("  Spring\t2022  ", D(2022, 3, 1), D(2022, 5, 31)),
        ("Spring 2022 (TBC)", D(2022, 3, 1), D(2022, 5, 31)),
    ],
)
def test_words_around_the_date_are_ignored(text: str, earliest: date, latest: date) -> None:
    _reads_as(text, earliest, latest)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Scope to be agreed",
        "Scope and fieldwork dates to be agreed",
        "soon",
        "by",
        "early",
        "Smarch 2021",
        "2021-02-30",
        "early 2021-08-31",
        "1899",
        "2201",
        "summer 1850",
        "August 3000",
        "٢٠٢١",
    ],
)
def test_text_that_cannot_be_read_keeps_its_words_and_has_no_range(text: str) -> None:
    parsed = parse_fuzzy_date(text)
    assert parsed == FuzzyDate(text, None, None)
    assert not parsed.is_understood


def test_years_at_the_edges_of_the_readable_span_are_read() -> None:
    assert parse_fuzzy_date(str(MIN_YEAR)).earliest == D(MIN_YEAR, 1, 1)
    assert parse_fuzzy_date(f"winter {MAX_YEAR}").latest == D(MAX_YEAR + 1, 2, 28)


def test_a_fuzzy_date_refuses_a_range_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="after latest"):
        FuzzyDate("backwards", D(2022, 1, 2), D(2022, 1, 1))


# -- properties ---------------------------------------------------------------------------

_SEASON_MONTHS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11)}
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_years = st.integers(min_value=MIN_YEAR, max_value=MAX_YEAR - 1)
_dashes = st.sampled_from(["/", "-", "–", "—", " – ", " / "])


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.lower(), word.upper(), word.capitalize()])


@given(st.text())
def test_parsing_never_raises_and_keeps_the_text(text: str) -> None:
    parsed = parse_fuzzy_date(text)
    assert parsed.text == text


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789 /-–qQ", max_size=16),
        st.from_regex(r"(by |early |mid-|late )?[a-zA-Z]{3,9} [0-9]{4}([-/][0-9]{2,4})?"),
    )
)
def test_every_range_read_is_well_ordered(text: str) -> None:
    parsed = parse_fuzzy_date(text)
    if parsed.earliest is not None and parsed.latest is not None:
        assert parsed.earliest <= parsed.latest
    assert parsed.is_understood == (parsed.earliest is not None or parsed.latest is not None)


@given(st.sampled_from(sorted(_SEASON_MONTHS)).flatmap(_any_case), _years)
def test_a_season_and_year_is_always_read_and_holds_its_months(season: str, year: int) -> None:
    parsed = parse_fuzzy_date(f"{season} {year}")
    months = _SEASON_MONTHS[season.lower()]
    assert parsed.earliest == D(year, months[0], 1)
    assert parsed.latest is not None
    assert (parsed.latest.year, parsed.latest.month) == (year, months[-1])


@given(_any_case("winter"), _years, _dashes)
def test_a_winter_of_two_years_is_always_read_and_holds_january(
    winter: str, year: int, dash: str
) -> None:
    parsed = parse_fuzzy_date(f"{winter} of {year}{dash}{(year + 1) % 100:02d}")
    assert parsed.earliest == D(year, 12, 1)
    assert parsed.latest is not None
    assert parsed.earliest < D(year + 1, 1, 15) < parsed.latest


@given(_years, _dashes, st.booleans())
def test_a_business_year_is_always_read_from_april_to_march(
    year: int, dash: str, long_form: bool
) -> None:
    second = str(year + 1) if long_form else f"{(year + 1) % 100:02d}"
    parsed = parse_fuzzy_date(f"{year}{dash}{second}")
    assert (parsed.earliest, parsed.latest) == (D(year, 4, 1), D(year + 1, 3, 31))


@given(st.integers(min_value=1, max_value=12), _years, st.booleans())
def test_a_month_and_year_is_always_read_as_that_month(
    month: int, year: int, abbreviated: bool
) -> None:
    name = _MONTH_NAMES[month - 1]
    parsed = parse_fuzzy_date(f"{name[:3] if abbreviated else name} {year}")
    assert parsed.is_understood
    assert parsed.earliest == D(year, month, 1)
    assert parsed.latest is not None
    assert (parsed.latest.year, parsed.latest.month) == (year, month)
    assert (parsed.latest + timedelta(days=1)).day == 1  # the last day of the month
