"""Slots computed from the rules: production calendar (holidays, transfers, working Saturdays,
short days), hours, absences, buffers, notice, horizon, and the applicant's own zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from stroydesk.consultations import services
from stroydesk.consultations.models import Absence, Format
from stroydesk.consultations.slots import MOSCOW, free_slots
from stroydesk.consultations.tests.conftest import at, details, make_expert
from stroydesk.consultations.views import calendar_of
from stroydesk.workcalendar.services import calendar_day_set


def days_with_slots(subject, expert, first, last, now, fmt=Format.ONLINE):
    found = free_slots(subject=subject, fmt=fmt, first=first, last=last, expert=expert, now=now)
    return sorted({s.start.astimezone(MOSCOW).date() for s in found})


def test_new_year_holidays_2027_and_the_transferred_31_december_2026_have_no_slots(
    subject, anyday_expert
):
    now = at(date(2026, 12, 20), 9)
    days = days_with_slots(subject, anyday_expert, date(2026, 12, 28), date(2027, 1, 12), now)
    # 31.12.2026 is a day off moved from Sun 04.01 (Постановление № 1466); 01–08.01.2027 are
    # the New Year holidays (ст. 112 ТК РФ); 09–10.01.2027 a weekend.
    assert days == [
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2027, 1, 11),
        date(2027, 1, 12),
    ]


@pytest.mark.parametrize(
    ("day", "neighbour"),
    [
        (date(2026, 1, 9), date(2026, 1, 12)),
        (date(2026, 3, 9), date(2026, 3, 10)),
        (date(2026, 5, 11), date(2026, 5, 12)),
    ],
)
def test_transferred_days_off_of_2026_have_no_slots(subject, expert, day, neighbour):
    now = at(day - timedelta(days=10), 9)
    assert days_with_slots(subject, expert, day, day, now) == []
    assert days_with_slots(subject, expert, neighbour, neighbour, now) == [neighbour]


def test_a_working_saturday_has_slots_only_for_an_expert_with_saturday_hours(subject, room):
    saturday = date(2026, 11, 28)
    calendar_day_set(day=saturday, kind="working_weekend", note="test transfer")
    weekdays_only = make_expert("weekdays", subjects=[subject])
    with_saturday = make_expert("saturdays", subjects=[subject], weekdays=range(6), hours=(10, 14))
    now = at(date(2026, 11, 20), 9)
    assert days_with_slots(subject, weekdays_only, saturday, saturday, now) == []
    found = free_slots(
        subject=subject, fmt="online", first=saturday, last=saturday, expert=with_saturday, now=now
    )
    # The Saturday row's hours, 10–14: 30-minute meetings every quarter hour up to 13:30.
    assert found[0].start == at(saturday, 10) and found[-1].start == at(saturday, 13, 30)
    ordinary = date(2026, 12, 5)
    assert days_with_slots(subject, with_saturday, ordinary, ordinary, now) == []


def test_the_real_working_saturday_of_1_november_2025(subject):
    expert = make_expert("sat2025", subjects=[subject], weekdays=range(6), hours=(10, 12))
    day = date(2025, 11, 1)
    assert days_with_slots(subject, expert, day, date(2025, 11, 4), at(date(2025, 10, 25), 9)) == [
        day
    ]  # 02.11 Sunday, 03.11 transferred day off, 04.11 holiday


def test_a_shortened_pre_holiday_day_ends_an_hour_earlier(subject, expert):
    day = date(2026, 4, 30)
    found = free_slots(
        subject=subject, fmt="online", first=day, last=day, expert=expert, now=at(day, 0)
    )
    day_before = at(date(2026, 4, 28), 0)
    assert found[-1].end == at(day, 16)
    normal = date(2026, 4, 29)
    found = free_slots(
        subject=subject, fmt="online", first=normal, last=normal, expert=expert, now=day_before
    )
    assert found[-1].end == at(normal, 17)


def test_absence_notice_and_horizon_remove_slots(subject, expert):
    day = date(2026, 12, 14)
    Absence.objects.create(expert=expert, start=at(day, 12), end=at(day, 14), reason="обучение")
    found = free_slots(
        subject=subject, fmt="online", first=day, last=day, expert=expert, now=at(day, 10, 10)
    )
    starts = {s.start for s in found}
    # 60 minutes' notice from 10:10: the first is 11:15; none overlaps 12:00–14:00.
    assert min(starts) == at(day, 11, 15)
    assert at(day, 11, 30) in starts and at(day, 11, 45) not in starts
    assert at(day, 13, 45) not in starts and at(day, 14) in starts
    far = day + timedelta(days=subject.horizon_days + 1)
    assert days_with_slots(subject, expert, far, far, at(day, 9)) == []


def test_buffers_keep_the_expert_free_around_a_meeting(subject, expert, applicant_user):
    day = date(2026, 12, 15)
    now = at(day - timedelta(days=3), 9)
    subject.buffer_before_minutes = 15
    subject.save()
    services.booking_create(
        by=applicant_user,
        subject=subject,
        fmt="online",
        start=at(day, 11),
        details=details(),
        now=now,
    )
    starts = {
        s.start for s in free_slots(subject=subject, fmt="online", first=day, last=day, now=now)
    }
    # The meeting 11:00–11:30 holds 10:45–11:45 (15 before, 15 after); a neighbour's own
    # buffers must fit outside that too: the latest before ends 10:30 (+15 after = 10:45), the
    # earliest after starts 12:00 (its 15 before = 11:45).
    assert at(day, 10) in starts and at(day, 10, 15) not in starts
    assert at(day, 11, 45) not in starts and at(day, 12) in starts


def test_times_are_shown_in_a_daylight_saving_zone_next_to_moscow(subject, expert):
    # Berlin moves to summer time on 29.03.2026: 10:00 Moscow is 08:00 before, 09:00 after.
    before, after = date(2026, 3, 27), date(2026, 3, 30)
    now = at(date(2026, 3, 20), 9)
    found = free_slots(
        subject=subject, fmt="online", first=before, last=after, expert=expert, now=now
    )
    days = calendar_of(found, "Europe/Berlin")
    first_times = {d["day"]: d["times"][0] for d in days}
    assert first_times[before]["moscow"].strftime("%H:%M") == "10:00"
    assert first_times[before]["own"].strftime("%H:%M %Z") == "08:00 CET"
    assert first_times[after]["own"].strftime("%H:%M %Z") == "09:00 CEST"
    assert first_times[after]["own_label"] == "09:00"
    same = calendar_of(found, "Europe/Moscow")
    assert same[0]["times"][0]["own"] is None
    assert calendar_of(found, "Not/AZone")[0]["times"][0]["own"] is None


def test_slots_come_as_aware_moscow_datetimes(subject, expert):
    day = date(2026, 12, 16)
    found = free_slots(
        subject=subject, fmt="online", first=day, last=day, expert=expert, now=at(day, 0)
    )
    assert all(
        isinstance(s.start, datetime) and s.start.utcoffset() == timedelta(hours=3) for s in found
    )
