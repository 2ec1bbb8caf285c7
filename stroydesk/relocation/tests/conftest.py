"""Fixtures of the relocation tests: a block in resettlement, crews, a bound family."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.relocation import rules, services
from stroydesk.relocation.models import Building, Crew, Dispatcher, Household
from stroydesk.workcalendar.selectors import moscow_date

DISTRICT = "Измайлово"
PHONE = "+79161234567"


def today() -> date:
    return moscow_date(timezone.now())


def service_days(n: int, *, after: date | None = None) -> list[date]:
    """The next ``n`` days the service runs, from tomorrow (or the day after ``after``)."""
    start = (after or today()) + timedelta(days=1)
    return rules.bookable_days(start=start, end=start + timedelta(days=40), today=today())[:n]


class CaptureSms:
    """An SMS gateway that keeps what it was given (set as SMS_BACKEND)."""

    sent: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> str:
        CaptureSms.sent.append((phone, text))
        return f"test-{len(CaptureSms.sent)}"


@pytest.fixture(autouse=True)
def english():
    """Services called directly speak English here (the messages the tests match); pages and
    the API still answer in the reader's language through the middleware."""
    with translation.override("en"):
        yield


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "stroydesk.relocation.tests.conftest.CaptureSms"
    CaptureSms.sent = []
    return CaptureSms.sent


@pytest.fixture
def buildings(db):
    old = Building.objects.create(
        kind=Building.Kind.OLD, address="Москва, ул. Старая, д. 1", district=DISTRICT
    )
    new = Building.objects.create(
        kind=Building.Kind.NEW, address="Москва, ул. Новая, д. 2", district=DISTRICT
    )
    return old, new


def make_household(buildings, flat: str, *, window_days: int = 40, **extra) -> Household:
    old, new = buildings
    values = {
        "old_building": old,
        "old_flat": flat,
        "new_building": new,
        "new_flat": f"1{flat}",
        "head_name": f"Семья {flat}",
        "phone": PHONE,
        "email": f"family{flat}@example.ru",
        "contract_signed_on": today() - timedelta(days=30),
        "window_start": today() + timedelta(days=1),
        "window_end": today() + timedelta(days=window_days),
    }
    values.update(extra)
    return Household.objects.create(**values)


def bind(household: Household, user: User) -> Household:
    code = services.household_issue_code(household=household)
    return services.household_bind(
        user=user, old_building_id=household.old_building_id, flat=household.old_flat, code=code
    )


@pytest.fixture
def crews(db) -> list[Crew]:
    return [Crew.objects.create(name=f"Бригада {i}", district=DISTRICT) for i in (1, 2)]


@pytest.fixture
def household(buildings, applicant_user) -> Household:
    return bind(make_household(buildings, "10"), applicant_user)


@pytest.fixture
def other_household(buildings, other_applicant_user) -> Household:
    return bind(make_household(buildings, "11"), other_applicant_user)


@pytest.fixture
def dispatcher(db) -> User:
    user = user_create(
        username="dispatcher",
        password="pass-for-tests-1",
        role=User.Role.OPERATOR,
        email="dispatcher@example.ru",
    )
    Dispatcher.objects.create(user=user)
    return user


def resident(username: str) -> User:
    user = user_create(
        username=username,
        password="pass-for-tests-1",
        role=User.Role.APPLICANT,
        email=f"{username}@example.ru",
    )
    applicant_for_user(user=user)
    return user


def details(**extra) -> services.OrderDetails:
    values = {
        "rooms": 2,
        "floor_from": 5,
        "floor_to": 9,
        "lift_from": False,
        "lift_to": True,
        "contact_phone": PHONE,
        "contact_name": "Иван",
        "special_items": ["piano"],
    }
    values.update(extra)
    return services.OrderDetails(**values)


def order(user: User, day: date, window: str = "09:00-13:00", kind: str = "move"):
    return services.order_create(by=user, kind=kind, day=day, window=window, details=details())
