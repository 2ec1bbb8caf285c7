"""Each test starts and ends with no cached calendar, so no test sees another's rows; and the
calendar as it stood before the 2027 decree, for the import and the notices."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from stroydesk.workcalendar import loader
from stroydesk.workcalendar.calendar import CalendarData, DayKind, SpecialDay, load_calendar_file
from stroydesk.workcalendar.selectors import reset_calendar_cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    reset_calendar_cache()
    yield
    reset_calendar_cache()


def provisional_2027() -> CalendarData:
    """The shipped data with 2027 as it was before the decree (ст. 112 only)."""
    data = load_calendar_file()
    days = dict(data.days)
    for transfer in (date(2027, 2, 20), date(2027, 11, 5)):
        del days[transfer]
    for shortened in (date(2027, 2, 22), date(2027, 12, 31)):
        days[shortened] = SpecialDay(day=shortened, kind=DayKind.SHORT_DAY, note="предварительно")
    years = dict(data.years)
    years[2027] = replace(
        years[2027], source="ст. 112 ТК РФ only", provisional=True, provisional_reason="no decree"
    )
    return CalendarData(days=days, years=years)


@pytest.fixture
def before_the_decree(monkeypatch) -> CalendarData:
    data = provisional_2027()
    monkeypatch.setattr(loader, "file_data", lambda: data)
    reset_calendar_cache()
    return data
