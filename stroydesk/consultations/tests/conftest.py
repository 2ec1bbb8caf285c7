"""Fixtures of consultations: subjects, experts with hours, a shared room, handy times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.consultations.models import Expert, Office, Room, Subject, WorkingHours
from stroydesk.consultations.services import Details
from stroydesk.consultations.slots import MOSCOW
from stroydesk.workcalendar import selectors as workdays


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), MOSCOW)


def details(question: str = "Как устранить замечания по отказу?") -> Details:
    return Details(question=question)


def next_working_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not workdays.is_working_day(day):
        day += timedelta(days=1)
    return day


def make_expert(username: str, *, subjects, room=None, weekdays=range(5), hours=(10, 17)):
    user = user_create(
        username=username,
        password="pass-for-tests-1",
        role=User.Role.OPERATOR,
        email=f"{username}@example.ru",
        last_name=username.title(),
    )
    expert = Expert.objects.create(user=user, room=room)
    expert.subjects.set(subjects)
    for weekday in weekdays:
        WorkingHours.objects.create(
            expert=expert, weekday=weekday, start=time(hours[0]), end=time(hours[1])
        )
    return expert


@pytest.fixture
def room(db) -> Room:
    office = Office.objects.create(
        name="Приёмная", address="Москва, ул. Тверская, 1", what_to_bring="Паспорт"
    )
    return Room.objects.create(office=office, name="каб. 214")


@pytest.fixture
def subject(topic) -> Subject:
    return Subject.objects.create(
        code="permit-remarks",
        title="Замечания по отказу в разрешении",
        topic=topic,
        online=True,
        in_person=True,
        duration_minutes=30,
        buffer_after_minutes=15,
        min_notice_minutes=60,
        horizon_days=60,
        daily_quota=8,
        max_active_per_applicant=3,
        max_active_per_organisation=3,
    )


@pytest.fixture
def expert(subject, room) -> Expert:
    return make_expert("expert1", subjects=[subject], room=room)


@pytest.fixture
def anyday_expert(subject, room) -> Expert:
    """Works every day the calendar makes a working day, Saturdays and Sundays included."""
    return make_expert("expert7", subjects=[subject], room=room, weekdays=range(7))


@pytest.fixture
def soon() -> date:
    """A working day at least two days ahead of today (Moscow)."""
    today = datetime.now(MOSCOW).date()
    return next_working_day(today + timedelta(days=1))


@pytest.fixture
def developer_user(db) -> User:
    user = user_create(
        username="developer1",
        password="pass-for-tests-1",
        role=User.Role.APPLICANT,
        email="dev1@example.ru",
    )
    applicant = applicant_for_user(user=user)
    applicant.kind = "developer"
    applicant.organisation_name = "ООО «Стройка»"
    applicant.inn = "7707083893"
    applicant.ogrn = "1027700132195"
    applicant.save()
    return user
