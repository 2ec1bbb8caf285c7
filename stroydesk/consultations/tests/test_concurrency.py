"""Many applicants racing for one slot on PostgreSQL, with real threads and connections: the
unique constraint on the held steps lets exactly one win; the others get a 409-type refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.consultations import services
from stroydesk.consultations.models import Booking, SlotUnit
from stroydesk.consultations.tests.conftest import at, details, make_expert
from stroydesk.core.testing import in_threads

DAY = date(2026, 12, 15)
NOW = at(DAY - timedelta(days=3), 9)


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_many_threads_booking_one_slot_one_wins(subject, room):
    _postgres_only()
    _race_for_one_slot(subject, room)


@pytest.mark.django_db(transaction=True)
def test_many_threads_booking_one_slot_one_wins_on_either_database(subject, room):
    """The same race on the database of the run (on SQLite the IMMEDIATE transactions queue;
    the unique constraint still decides)."""
    _race_for_one_slot(subject, room, threads=6)


def _race_for_one_slot(subject, room, threads: int = 12) -> None:
    make_expert("racer", subjects=[subject], room=room)
    users = []
    for i in range(threads):
        user = user_create(
            username=f"racer{i}",
            password="pass-for-tests-1",
            role=User.Role.APPLICANT,
            email=f"racer{i}@example.ru",
        )
        applicant_for_user(user=user)
        users.append(user)

    def race(i: int) -> str:
        try:
            services.booking_create(
                by=users[i],
                subject=subject,
                fmt="online",
                start=at(DAY, 11),
                details=details(),
                now=NOW,
            )
        except services.SlotTaken as exc:
            return f"taken:{exc.stage}:{len(exc.alternatives)}"
        return "won"

    results, errors = in_threads(threads, race)
    assert errors == []
    assert results.count("won") == 1
    assert sorted(set(results) - {"won"}) == ["taken:expert:5"]
    assert Booking.objects.count() == 1
    assert SlotUnit.objects.count() == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_experts_racing_for_one_room_one_wins(subject, room):
    _postgres_only()
    experts = [make_expert(f"room{i}", subjects=[subject], room=room) for i in range(2)]
    users = []
    for i in range(8):
        user = user_create(
            username=f"inperson{i}",
            password="pass-for-tests-1",
            role=User.Role.APPLICANT,
            email=f"inperson{i}@example.ru",
        )
        applicant_for_user(user=user)
        users.append(user)

    def race(i: int) -> str:
        try:
            services.booking_create(
                by=users[i],
                subject=subject,
                fmt="in_person",
                start=at(DAY, 11),
                expert=experts[i % 2],
                details=details(),
                now=NOW,
            )
        except services.SlotTaken as exc:
            return exc.stage
        return "won"

    results, errors = in_threads(8, race)
    assert errors == []
    assert results.count("won") == 1
    assert Booking.objects.filter(format="in_person").count() == 1
