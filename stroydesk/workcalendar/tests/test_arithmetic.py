"""Working-day arithmetic: the 4-day promise, edges of the covered range, time zones."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from stroydesk.workcalendar.calendar import (
    MOSCOW,
    CalendarData,
    CalendarRangeError,
    DayKind,
    ProductionCalendar,
    SpecialDay,
    YearInfo,
    end_of_day,
    load_calendar_file,
    moscow_date,
    start_of_day,
)


@pytest.fixture(scope="module")
def cal() -> ProductionCalendar:
    return ProductionCalendar.from_file()


def test_design_example_friday_19_02_2021_plus_4_is_friday_26_02(cal):
    # Sat 20.02 is day 1 (working Saturday), 21–23.02 are off, 24/25/26.02 are days 2–4.
    assert cal.is_working_day(date(2021, 2, 20))
    assert [cal.is_working_day(date(2021, 2, d)) for d in (21, 22, 23)] == [False] * 3
    assert [cal.add_working_days(date(2021, 2, 19), n) for n in (1, 2, 3, 4)] == [
        date(2021, 2, 20),
        date(2021, 2, 24),
        date(2021, 2, 25),
        date(2021, 2, 26),
    ]


def test_answer_due_is_end_of_the_fourth_working_day_in_moscow(cal):
    escalated = datetime(2021, 2, 19, 15, 0, tzinfo=MOSCOW)
    due = cal.answer_due(escalated, 4)
    assert due == datetime(2021, 2, 26, 23, 59, 59, tzinfo=MOSCOW)
    assert due.isoformat() == "2021-02-26T23:59:59+03:00"


def test_answer_due_counts_from_the_moscow_date_not_the_utc_date(cal):
    # 22:30 UTC on Friday 19.02 is already Saturday 20.02 in Moscow: day D is the Saturday.
    escalated = datetime(2021, 2, 19, 22, 30, tzinfo=UTC)
    assert cal.answer_due(escalated, 4) == end_of_day(date(2021, 3, 1))


def test_add_zero_is_the_day_itself_or_the_next_working_day(cal):
    assert cal.add_working_days(date(2021, 2, 19), 0) == date(2021, 2, 19)
    assert cal.add_working_days(date(2021, 2, 21), 0) == date(2021, 2, 24)


def test_add_from_a_day_off_counts_from_the_next_working_day(cal):
    # New Year 2024: 30.12.2023–08.01.2024 off; day 1 after 01.01 is Tue 09.01.
    assert cal.add_working_days(date(2024, 1, 1), 1) == date(2024, 1, 9)


def test_add_crosses_a_year_boundary(cal):
    # 2025-12-31 is a transferred day off, 2026-01-01..11 are off: day 1 is Mon 12.01.2026.
    assert cal.add_working_days(date(2025, 12, 30), 1) == date(2026, 1, 12)


def test_negative_days_are_refused(cal):
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(date(2021, 2, 19), -1)


def test_count_is_inclusive_and_refuses_a_reversed_range(cal):
    assert cal.working_days_between(date(2021, 2, 19), date(2021, 2, 19)) == 1
    assert cal.working_days_between(date(2021, 2, 21), date(2021, 2, 23)) == 0
    assert cal.working_days_between(date(2021, 2, 19), date(2021, 2, 26)) == 5
    with pytest.raises(ValueError, match="reversed"):
        cal.working_days_between(date(2021, 2, 26), date(2021, 2, 19))


def test_a_date_outside_the_covered_years_is_an_error_not_a_guess(cal):
    with pytest.raises(
        CalendarRangeError, match="no production calendar for 2031; covered: 2020–2027"
    ):
        cal.is_working_day(date(2031, 3, 3))
    with pytest.raises(CalendarRangeError, match="2019"):
        cal.working_days_between(date(2019, 12, 1), date(2020, 1, 31))


def test_adding_past_the_last_covered_year_names_the_missing_year(cal):
    with pytest.raises(CalendarRangeError) as info:
        cal.add_working_days(date(2027, 12, 28), 10)
    assert info.value.year == 2028
    assert isinstance(info.value, ValueError)


def test_a_gap_between_covered_years_is_not_jumped_over():
    data = load_calendar_file()
    gappy = CalendarData(days=data.days, years={y: i for y, i in data.years.items() if y != 2024})
    cal = ProductionCalendar(gappy)
    assert cal.add_working_days(date(2023, 12, 28), 1) == date(2023, 12, 29)
    with pytest.raises(CalendarRangeError, match="no production calendar for 2024"):
        cal.add_working_days(date(2023, 12, 28), 2)
    with pytest.raises(CalendarRangeError, match="2020–2023, 2025–2027"):
        cal.working_days_between(date(2023, 1, 1), date(2025, 12, 31))


def test_decreed_days_count_only_when_the_calendar_skips_them():
    data = load_calendar_file()
    counting = ProductionCalendar(data, skip_decreed=False)
    skipping = ProductionCalendar(data, skip_decreed=True)
    # 04.05–07.05.2021 were non-working by Указ № 242.
    assert counting.add_working_days(date(2021, 4, 30), 1) == date(2021, 5, 4)
    assert skipping.add_working_days(date(2021, 4, 30), 1) == date(2021, 5, 11)
    assert skipping.working_days_in_year(2020) == 248 - 29
    assert skipping.working_days_in_year(2021) == 247 - 7


def test_a_working_day_override_beats_a_holiday():
    data = load_calendar_file().merged(
        days=[SpecialDay(day=date(2026, 11, 4), kind=DayKind.WORKING_DAY)],
        years=[YearInfo(year=2030, source="test")],
    )
    cal = ProductionCalendar(data)
    assert cal.is_working_day(date(2026, 11, 4))
    assert 2030 in cal.covered_years
    # A year declared without rows still has the holidays of ст. 112 ТК РФ.
    assert not cal.is_working_day(date(2030, 1, 1))
    assert cal.special_day(date(2030, 1, 7)).kind is DayKind.HOLIDAY
    assert cal.is_working_day(date(2030, 1, 9))


def test_a_datetime_is_refused_where_a_date_is_expected(cal):
    with pytest.raises(TypeError, match="moscow_date"):
        cal.is_working_day(datetime(2021, 2, 19, 23, tzinfo=UTC))  # type: ignore[arg-type]


def test_moscow_date_refuses_naive_datetimes_and_converts_aware_ones():
    with pytest.raises(ValueError, match="naive"):
        moscow_date(datetime(2021, 2, 19, 12))
    assert moscow_date(datetime(2021, 2, 19, 21, 0, tzinfo=UTC)) == date(2021, 2, 20)
    assert moscow_date(datetime(2021, 2, 19, 23, 0, tzinfo=timezone(timedelta(hours=-5)))) == date(
        2021, 2, 20
    )


def test_day_bounds_are_moscow_midnight_and_one_second_before_the_next():
    assert start_of_day(date(2021, 2, 26)).isoformat() == "2021-02-26T00:00:00+03:00"
    assert end_of_day(date(2021, 2, 26)) + timedelta(seconds=1) == start_of_day(date(2021, 2, 27))
