"""Admin rows override the data file, without a deploy, and the cache follows them."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from stroydesk.workcalendar import loader, selectors, services
from stroydesk.workcalendar.calendar import MOSCOW, CalendarRangeError
from stroydesk.workcalendar.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def test_a_regional_day_off_entered_in_the_admin_moves_the_deadline():
    assert selectors.add_working_days(date(2021, 2, 19), 4) == date(2021, 2, 26)
    services.calendar_day_set(day=date(2021, 2, 24), kind="holiday", note="региональный праздник")
    assert not selectors.is_working_day(date(2021, 2, 24))
    assert selectors.add_working_days(date(2021, 2, 19), 4) == date(2021, 3, 1)


def test_a_working_day_row_overrides_a_holiday_of_the_file():
    services.calendar_day_set(day=date(2026, 11, 4), kind="working_day")
    assert selectors.is_working_day(date(2026, 11, 4))
    assert selectors.working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 248


def test_deleting_an_override_falls_back_to_the_file():
    row = services.calendar_day_set(day=date(2021, 2, 22), kind="working_day")
    assert selectors.is_working_day(date(2021, 2, 22))
    services.calendar_day_delete(calendar_day=row)
    assert not selectors.is_working_day(date(2021, 2, 22))


def test_a_kind_on_the_wrong_day_of_the_week_is_refused():
    with pytest.raises(ValidationError):
        services.calendar_day_set(day=date(2021, 2, 23), kind="working_weekend")  # a Tuesday
    assert not CalendarDay.objects.exists()


def test_a_year_declared_in_the_admin_extends_the_covered_range():
    with pytest.raises(CalendarRangeError, match="no production calendar for 2028"):
        selectors.is_working_day(date(2028, 3, 1))
    services.calendar_year_save(
        calendar_year=CalendarYear(year=2028, source="Постановление (тест)", is_provisional=True)
    )
    services.calendar_day_set(day=date(2028, 3, 10), kind="transferred_day_off", note="перенос")
    assert selectors.is_working_day(date(2028, 3, 1))
    assert not selectors.is_working_day(date(2028, 3, 8))  # ст. 112 holidays are implied
    assert not selectors.is_working_day(date(2028, 3, 10))
    # 31.12.2027 is off (Постановление № 1187) and 01.01–08.01.2028 are holidays.
    assert selectors.add_working_days(date(2027, 12, 30), 1) == date(2028, 1, 10)
    assert 2028 in [info.year for info in selectors.covered_years()]


def test_decreed_days_are_skipped_only_when_the_setting_says_so(settings):
    escalated = date(2021, 4, 30)
    settings.WORKCALENDAR_SKIP_DECREED_DAYS = False
    assert selectors.add_working_days(escalated, 1) == date(2021, 5, 4)
    assert selectors.working_days_between(date(2020, 1, 1), date(2020, 12, 31)) == 248
    settings.WORKCALENDAR_SKIP_DECREED_DAYS = True
    assert selectors.add_working_days(escalated, 1) == date(2021, 5, 11)
    assert selectors.working_days_between(date(2020, 1, 1), date(2020, 12, 31)) == 219


def test_answer_due_reads_the_promise_from_settings(settings):
    escalated = datetime(2021, 2, 19, 15, tzinfo=MOSCOW)
    settings.ANSWER_DUE_WORKING_DAYS = 4
    assert selectors.answer_due(escalated).isoformat() == "2021-02-26T23:59:59+03:00"
    settings.ANSWER_DUE_WORKING_DAYS = 1
    assert selectors.answer_due(escalated).isoformat() == "2021-02-20T23:59:59+03:00"


def test_a_warm_calendar_answers_without_queries(django_assert_num_queries):
    with django_assert_num_queries(2):  # the build: calendar days and calendar years
        selectors.is_working_day(date(2021, 2, 20))
    with django_assert_num_queries(0):
        for n in range(50):
            selectors.add_working_days(date(2021, 1, 1), n)
        selectors.working_days_between(date(2020, 1, 1), date(2027, 12, 31))


def test_a_row_written_by_another_process_is_seen_after_the_ttl(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(loader.time, "monotonic", lambda: clock[0])
    assert selectors.is_working_day(date(2021, 2, 24))
    # Written behind the cache's back, as another process's admin edit would be.
    CalendarDay.objects.create(date=date(2021, 2, 24), kind="holiday")
    clock[0] += loader.TTL_SECONDS - 1
    assert selectors.is_working_day(date(2021, 2, 24))
    clock[0] += 2
    assert not selectors.is_working_day(date(2021, 2, 24))


def test_an_edit_in_the_admin_changes_the_result(admin_client):
    assert selectors.is_working_day(date(2021, 2, 25))
    response = admin_client.post(
        "/admin/workcalendar/calendarday/add/",
        {"date": "2021-02-25", "kind": "holiday", "note": "день города"},
    )
    assert response.status_code == 302, response.content
    assert not selectors.is_working_day(date(2021, 2, 25))
    row = CalendarDay.objects.get(date=date(2021, 2, 25))
    response = admin_client.post(
        f"/admin/workcalendar/calendarday/{row.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert selectors.is_working_day(date(2021, 2, 25))


def test_the_admin_lists_and_filters_days_by_year_and_kind(admin_client):
    services.calendar_day_set(day=date(2021, 2, 25), kind="holiday", note="день города")
    services.calendar_day_set(day=date(2022, 2, 25), kind="holiday", note="другой")
    response = admin_client.get(
        "/admin/workcalendar/calendarday/", {"year": "2021", "kind": "holiday", "q": "город"}
    )
    assert response.status_code == 200
    assert "день города" in response.content.decode()
    assert "другой" not in response.content.decode()
