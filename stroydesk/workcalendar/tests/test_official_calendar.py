"""The shipped data reproduces the official production calendars.

Yearly totals of working days for the five-day week are the ones published with each year's
production calendar (КонсультантПлюс «Производственный календарь на YYYY год», built on the
Government decrees named in the data file's header):
2020: 248 (Пост. № 875 от 10.07.2019), 2021: 247 (№ 1648 от 10.10.2020), 2022: 247
(№ 1564 от 16.09.2021), 2023: 247 (№ 1505 от 29.08.2022), 2024: 248 (№ 1314 от 10.08.2023),
2025: 247 (№ 1335 от 04.10.2024), 2026: 247 (№ 1466 от 24.09.2025), 2027: 247 (№ 1187 от
17.09.2026; 118 days off, 4 shortened days, 1972 hours for the 40-hour week).
"""

from datetime import date, timedelta

import pytest

from stroydesk.workcalendar import selectors
from stroydesk.workcalendar.calendar import DayKind, ProductionCalendar, load_calendar_file

OFFICIAL_TOTALS = {
    2020: 248,
    2021: 247,
    2022: 247,
    2023: 247,
    2024: 248,
    2025: 247,
    2026: 247,
    2027: 247,
}

FIXED_HOLIDAYS = [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]


@pytest.fixture(scope="module")
def file_calendar() -> ProductionCalendar:
    return ProductionCalendar.from_file()


@pytest.mark.parametrize(("year", "total"), sorted(OFFICIAL_TOTALS.items()))
def test_file_reproduces_official_yearly_total(file_calendar, year, total):
    assert file_calendar.working_days_in_year(year) == total


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "total"), sorted(OFFICIAL_TOTALS.items()))
def test_cached_calendar_reproduces_official_yearly_total(year, total):
    assert selectors.working_days_between(date(year, 1, 1), date(year, 12, 31)) == total


def test_every_covered_year_names_its_decree_and_none_is_provisional():
    data = load_calendar_file()
    assert sorted(data.years) == list(range(2020, 2028))
    for year in range(2020, 2028):
        assert data.years[year].source.startswith("Постановление Правительства РФ от "), year
    assert not [y for y, info in data.years.items() if info.provisional]
    assert "17.09.2026 № 1187" in data.years[2027].source


def test_2027_follows_decree_1187(file_calendar):
    # Сб 02.01 → пт 05.11, вс 03.01 → пт 31.12, сб 20.02 → пн 22.02 (20.02 is worked);
    # 01.05, 09.05 and 12.06 move to the next Monday by ч. 2 ст. 112 ТК РФ.
    assert file_calendar.is_working_day(date(2027, 2, 20))
    for day_off in [(2, 22), (5, 3), (5, 10), (6, 14), (11, 5), (11, 6), (12, 31)]:
        assert not file_calendar.is_working_day(date(2027, *day_off)), day_off
    short = {d.day for d in load_calendar_file().days.values() if d.kind is DayKind.SHORT_DAY}
    assert {d for d in short if d.year == 2027} == {
        date(2027, 4, 30),
        date(2027, 6, 11),
        date(2027, 11, 3),
    }  # and Sat 20.02, a working weekend whose note says it is shortened
    assert "сокращённый" in file_calendar.special_day(date(2027, 2, 20)).note
    hours = 8 * file_calendar.working_days_in_year(2027) - 4  # four days one hour shorter
    assert hours == 1972


@pytest.mark.django_db
def test_deadlines_across_the_2027_transfers():
    # Escalated on the working Saturday 20.02: 22.02 and 23.02 are off, day 4 is Monday 01.03.
    assert selectors.add_working_days(date(2027, 2, 20), 4) == date(2027, 3, 1)
    assert selectors.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    # Wed 03.11: 04.11 holiday, 05.11 transferred from 02.01, then the weekend.
    assert selectors.add_working_days(date(2027, 11, 3), 4) == date(2027, 11, 11)
    assert selectors.working_days_between(date(2027, 11, 1), date(2027, 11, 30)) == 20
    # 31.12 is off: a deadline from Tue 28.12 needs 2028, not covered yet, instead of 31.12.
    assert selectors.add_working_days(date(2027, 12, 28), 2) == date(2027, 12, 30)
    with pytest.raises(selectors.CalendarRangeError, match="no production calendar for 2028"):
        selectors.add_working_days(date(2027, 12, 28), 3)
    assert selectors.working_days_between(date(2027, 12, 1), date(2027, 12, 31)) == 22


@pytest.mark.parametrize("year", range(2020, 2028))
def test_every_fixed_holiday_of_article_112_is_listed(year):
    days = load_calendar_file().days
    for month, day in FIXED_HOLIDAYS:
        assert days[date(year, month, day)].kind is DayKind.HOLIDAY


def test_every_transfer_is_balanced_within_its_year():
    """Transferred days off = weekend holidays moved + working weekends (nothing is invented)."""
    days = load_calendar_file().days
    for year in range(2020, 2028):
        of_year = [d for d in days.values() if d.day.year == year]
        moved = sum(1 for d in of_year if d.kind is DayKind.TRANSFERRED_DAY_OFF)
        weekend_holidays = sum(
            1 for d in of_year if d.kind is DayKind.HOLIDAY and d.day.weekday() >= 5
        )
        working_weekends = sum(1 for d in of_year if d.kind is DayKind.WORKING_WEEKEND)
        # Jan 7 2023 and Jan 8 2022 fell on Saturdays and were not moved (only two January
        # days may be transferred by decree).
        unmoved = {2022: 1, 2023: 1}.get(year, 0)
        assert moved == weekend_holidays - unmoved + working_weekends, year


def test_decreed_days_are_only_the_weekdays_of_the_presidential_decrees():
    days = load_calendar_file().days
    decreed = sorted(d.day for d in days.values() if d.kind is DayKind.DECREED_DAY_OFF)
    expected: list[date] = []
    for start, end in [
        (date(2020, 3, 30), date(2020, 4, 30)),  # Указы № 206, № 239
        (date(2020, 5, 6), date(2020, 5, 8)),  # Указ № 294
        (date(2020, 6, 24), date(2020, 6, 24)),  # Указ № 345
        (date(2020, 7, 1), date(2020, 7, 1)),  # Указ № 354
        (date(2021, 5, 4), date(2021, 5, 7)),  # Указ № 242
        (date(2021, 11, 1), date(2021, 11, 3)),  # Указ № 595 (30.10–07.11)
    ]:
        day = start
        while day <= end:
            if day.weekday() < 5:
                expected.append(day)
            day += timedelta(days=1)
    assert decreed == expected
    assert len(decreed) == 36


def test_short_days_are_working_days(file_calendar):
    days = load_calendar_file().days
    short = [d.day for d in days.values() if d.kind is DayKind.SHORT_DAY]
    assert date(2026, 11, 3) in short
    assert all(file_calendar.is_working_day(day) for day in short)
