"""The working-day calendar, checked against the real UK bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.domain.working_days import (
    Duration,
    Jurisdiction,
    WorkingDayCalendar,
    add_calendar_duration,
    calendar_for,
    london_date,
)

ENGLAND = calendar_for(Jurisdiction.ENGLAND)
SCOTLAND = calendar_for(Jurisdiction.SCOTLAND)


def test_ten_working_days_from_19_december_2022_skip_christmas_and_new_year_holidays() -> None:
    # Counting from the day after: 20, 21, 22, 23 Dec; 26 and 27 Dec are bank holidays;
    # 28, 29, 30 Dec; 2 Jan is a bank holiday; 3, 4, 5 Jan. Day 10 is Thursday 5 January.
    assert ENGLAND.add_working_days(date(2022, 12, 19), 10) == date(2023, 1, 5)
    skipped = [day for day, _ in ENGLAND.holidays_between(date(2022, 12, 20), date(2023, 1, 5))]
    assert [day for day in skipped if day.weekday() < 5] == [
        date(2022, 12, 26),
        date(2022, 12, 27),
        date(2023, 1, 2),
    ]


def test_counting_notification_as_day_1_ten_working_days_end_on_the_second_friday() -> None:
    monday = date(2021, 4, 12)
    assert ENGLAND.add_working_days(monday, 10, count_start=True) == date(2021, 4, 23)
    assert Duration.parse("10 working days").after(monday, ENGLAND, count_start=True) == date(
        2021, 4, 23
    )


def test_counting_start_as_day_1_changes_nothing_when_the_start_is_not_a_working_day() -> None:
    saturday = date(2021, 4, 10)
    assert ENGLAND.add_working_days(saturday, 10, count_start=True) == date(2021, 4, 23)
    assert ENGLAND.add_working_days(saturday, 10) == date(2021, 4, 23)


def test_zero_working_days_is_the_start_itself() -> None:
    assert ENGLAND.add_working_days(date(2021, 4, 10), 0) == date(2021, 4, 10)


def test_weekends_never_count() -> None:
    friday = date(2021, 6, 11)
    assert not ENGLAND.is_working_day(date(2021, 6, 12))
    assert not ENGLAND.is_working_day(date(2021, 6, 13))
    assert ENGLAND.add_working_days(friday, 1) == date(2021, 6, 14)
    assert ENGLAND.working_days_between(friday, date(2021, 6, 13)) == 0
    assert ENGLAND.next_working_day(date(2021, 6, 12)) == date(2021, 6, 14)


def test_the_next_working_day_of_a_working_day_is_itself() -> None:
    assert ENGLAND.next_working_day(date(2021, 6, 14)) == date(2021, 6, 14)
    assert ENGLAND.next_working_day(date(2022, 12, 24)) == date(2022, 12, 28)


def test_welsh_and_english_calendars_hold_the_same_bank_holidays_2021_to_2026() -> None:
    start, end = date(2021, 1, 1), date(2026, 12, 31)
    english = ENGLAND.holidays_between(start, end)
    assert calendar_for(Jurisdiction.WALES).holidays_between(start, end) == english
    assert calendar_for(Jurisdiction.ENGLAND_AND_WALES).holidays_between(start, end) == english


def test_england_and_wales_together_agree_with_england_day_by_day_today() -> None:
    both = calendar_for("england_and_wales")
    assert both.subdivisions == ("ENG", "WLS")
    day = date(2021, 1, 1)
    while day <= date(2026, 12, 31):
        assert both.is_working_day(day) == ENGLAND.is_working_day(day), day
        day += timedelta(days=1)


def test_a_scottish_calendar_differs_where_its_holidays_do() -> None:
    # 2 January and St Andrew's Day are Scottish bank holidays; Easter Monday is not.
    for scottish_only in (date(2024, 1, 2), date(2023, 11, 30)):
        assert ENGLAND.is_working_day(scottish_only)
        assert not SCOTLAND.is_working_day(scottish_only)
    assert SCOTLAND.is_working_day(date(2024, 4, 1))
    assert not ENGLAND.is_working_day(date(2024, 4, 1))
    assert SCOTLAND.add_working_days(date(2023, 12, 29), 1) == date(2024, 1, 3)
    assert ENGLAND.add_working_days(date(2023, 12, 29), 1) == date(2024, 1, 2)


def test_calendars_are_shared_per_jurisdiction_whether_named_by_enum_or_text() -> None:
    assert calendar_for("england") is calendar_for(Jurisdiction.ENGLAND)
    assert calendar_for("northern_ireland").subdivisions == ("NIR",)
    with pytest.raises(ValueError, match="atlantis"):
        calendar_for("atlantis")


def test_a_calendar_refuses_unknown_subdivisions() -> None:
    with pytest.raises(ValueError, match="subdivisions"):
        WorkingDayCalendar(("XYZ",))


def test_holidays_between_lists_named_holidays_in_date_order_inclusive() -> None:
    assert ENGLAND.holidays_between(date(2022, 12, 25), date(2023, 1, 2)) == [
        (date(2022, 12, 25), "Christmas Day"),
        (date(2022, 12, 26), "Boxing Day"),
        (date(2022, 12, 27), "Christmas Day (observed)"),
        (date(2023, 1, 1), "New Year's Day"),
        (date(2023, 1, 2), "New Year's Day (observed)"),
    ]


days_2015_to_2030 = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@given(start=days_2015_to_2030, n=st.integers(min_value=0, max_value=60))
def test_working_days_between_undoes_add_working_days(start: date, n: int) -> None:
    end = ENGLAND.add_working_days(start, n)
    assert ENGLAND.working_days_between(start, end) == n
    assert ENGLAND.working_days_between(end, start) == -n


@given(start=days_2015_to_2030, n=st.integers(min_value=1, max_value=60))
def test_counting_back_lands_on_a_working_day_n_working_days_away(start: date, n: int) -> None:
    working_start = SCOTLAND.next_working_day(start)
    earlier = SCOTLAND.add_working_days(working_start, -n)
    assert SCOTLAND.is_working_day(earlier)
    assert SCOTLAND.working_days_between(earlier, working_start) == n


@given(start=days_2015_to_2030, end=days_2015_to_2030)
def test_working_days_between_counts_the_working_days_after_start_up_to_end(
    start: date, end: date
) -> None:
    low, high = sorted((start, end))
    high = min(high, low + timedelta(days=120))
    counted = sum(
        ENGLAND.is_working_day(low + timedelta(days=i)) for i in range(1, (high - low).days + 1)
    )
    assert ENGLAND.working_days_between(low, high) == counted


def test_before_moves_backwards_over_bank_holidays() -> None:
    # 3 working days before Wednesday 4 January 2023: 3 Jan, (2 Jan holiday), 30, 29 Dec.
    assert Duration.parse("3 working days").before(date(2023, 1, 4), ENGLAND) == date(2022, 12, 29)
    # 10 working days before fieldwork on Monday 26 April 2021 is Monday 12 April.
    assert Duration(10, "working_days").before(date(2021, 4, 26), ENGLAND) == date(2021, 4, 12)
    # Good Friday and Easter Monday 2021 are skipped going back from Wednesday 7 April.
    assert ENGLAND.add_working_days(date(2021, 4, 7), -3) == date(2021, 3, 31)


def test_calendar_durations_before_and_after_ignore_working_days() -> None:
    publication = date(2023, 3, 2)
    assert Duration.parse("56 days").after(publication, ENGLAND) == date(2023, 4, 27)
    assert Duration.parse("18 weeks").after(publication, ENGLAND) == date(2023, 7, 6)
    assert Duration.parse("1 day").before(publication, ENGLAND) == date(2023, 3, 1)
    assert Duration.parse("8 months").after(publication, ENGLAND) == date(2023, 11, 2)


def test_two_weeks_counting_notification_as_day_1_end_on_the_second_sunday() -> None:
    assert Duration.parse("2 weeks").after(date(2021, 4, 12), ENGLAND, count_start=True) == date(
        2021, 4, 25
    )


@pytest.mark.parametrize(
    "text",
    ["10 working days", "3 working days", "18 weeks", "56 days", "8 months", "1 day", "1 month"],
)
def test_a_duration_round_trips_through_its_text(text: str) -> None:
    assert str(Duration.parse(text)) == text
    assert Duration.parse(str(Duration.parse(text))) == Duration.parse(text)


def test_parsing_a_duration_accepts_case_and_spacing_variants() -> None:
    assert Duration.parse("  10 Working-Days ") == Duration(10, "working_days")
    assert Duration.parse("1 working day") == Duration(1, "working_days")
    assert Duration.parse("2 weeks") == Duration(2, "weeks")


@pytest.mark.parametrize(
    "text", ["", "ten days", "10", "days", "-3 days", "2 fortnights", "1.5 weeks"]
)
def test_parsing_bad_duration_text_says_which_forms_are_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"working days.*days.*weeks.*months") as caught:
        Duration.parse(text)
    assert repr(text) in str(caught.value)


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_calendar_duration(date(2023, 1, 31), months=1) == date(2023, 2, 28)
    assert add_calendar_duration(date(2024, 1, 31), months=1) == date(2024, 2, 29)
    assert add_calendar_duration(date(2023, 8, 31), months=-6) == date(2023, 2, 28)
    assert add_calendar_duration(date(2023, 11, 30), months=14) == date(2025, 1, 30)
    assert add_calendar_duration(date(2023, 1, 31), months=1, days=1) == date(2023, 3, 1)


def test_weeks_and_days_are_calendar_days() -> None:
    assert add_calendar_duration(date(2022, 12, 19), weeks=2, days=1) == date(2023, 1, 3)


def test_london_date_follows_british_summer_time() -> None:
    # BST began at 01:00 UTC on 28 March 2021 and ended at 01:00 UTC on 31 October 2021.
    assert london_date(datetime(2021, 3, 28, 23, 30, tzinfo=UTC)) == date(2021, 3, 29)
    assert london_date(datetime(2021, 3, 27, 23, 30, tzinfo=UTC)) == date(2021, 3, 27)
    assert london_date(datetime(2021, 10, 31, 23, 30, tzinfo=UTC)) == date(2021, 10, 31)
    assert london_date(datetime(2021, 10, 30, 23, 30, tzinfo=UTC)) == date(2021, 10, 31)


def test_london_date_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        london_date(datetime(2021, 3, 28, 23, 30))


# England and Wales' bank holidays next year, as published on GOV.UK: a pinned `holidays`
# upgrade that changed any of them would fail here before it moved a deadline.
BANK_HOLIDAYS_2027 = [
    date(2027, 1, 1),  # New Year's Day, Friday
    date(2027, 3, 26),  # Good Friday
    date(2027, 3, 29),  # Easter Monday
    date(2027, 5, 3),  # Early May bank holiday
    date(2027, 5, 31),  # Spring bank holiday
    date(2027, 8, 30),  # Summer bank holiday
    date(2027, 12, 27),  # Christmas Day (substitute day: the 25th is a Saturday)
    date(2027, 12, 28),  # Boxing Day (substitute day: the 26th is a Sunday)
]


@pytest.mark.parametrize(
    "jurisdiction", [Jurisdiction.ENGLAND, Jurisdiction.WALES, Jurisdiction.ENGLAND_AND_WALES]
)
def test_the_2027_bank_holidays_of_england_and_wales_are_pinned(
    jurisdiction: Jurisdiction,
) -> None:
    calendar = calendar_for(jurisdiction)
    listed = calendar.holidays_between(date(2027, 1, 1), date(2027, 12, 31))
    assert [day for day, _ in listed if day.weekday() < 5] == BANK_HOLIDAYS_2027
    assert not any(calendar.is_working_day(day) for day in BANK_HOLIDAYS_2027)
    # 261 weekdays in 2027, less the eight bank holidays
    assert calendar.working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == 253
    # From Christmas Eve (a Friday) the next working day skips the weekend and both
    # substitute days.
    assert calendar.add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)


def test_the_holidays_package_itself_lists_the_2027_bank_holidays_of_england_and_wales() -> None:
    import holidays

    for subdivision in ("ENG", "WLS"):
        listed = holidays.country_holidays("GB", subdiv=subdivision, years=2027)
        assert sorted(day for day in listed if day.weekday() < 5) == BANK_HOLIDAYS_2027
