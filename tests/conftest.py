"""A small populated center for the cross-app security tests: one persona of every role and an
outsider of each kind, and one object of each kind that has a page or an endpoint.

Whose is what: the applicant ``ivanov`` owns a request escalated to the first authority (with a
file), a consultation booking and a saved plan; the mover owns a relocation order; the other
applicant and the other authority's specialist own nothing of these (the outsiders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.accounts.tokens import api_token_issue
from stroydesk.cases.models import Attachment, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.consultations import services as consultations
from stroydesk.consultations.models import Subject
from stroydesk.consultations.services import Details
from stroydesk.consultations.slots import MOSCOW
from stroydesk.consultations.tests.conftest import make_expert
from stroydesk.kb import services as kb
from stroydesk.procedures import services as procedures
from stroydesk.relocation import rules
from stroydesk.relocation import services as relocation
from stroydesk.relocation.models import Building, Crew, Dispatcher, Household
from stroydesk.workcalendar import selectors as workdays

PASSWORD = "pass-for-tests-1"


@dataclass
class World:
    """The personas (None: anonymous) and the objects the URLs' parameters are filled with."""

    personas: dict[str, User | None]
    objects: dict[str, Any] = field(default_factory=dict)


def _account(username: str, role: str, **extra: Any) -> User:
    return user_create(
        username=username, password=PASSWORD, role=role, email=f"{username}@example.ru", **extra
    )


def _developer() -> User:
    user = _account("developer1", User.Role.APPLICANT)
    applicant = applicant_for_user(user=user)
    applicant.kind = "developer"
    applicant.organisation_name = "ООО «Стройка»"
    applicant.inn = "7707083893"
    applicant.ogrn = "1027700132195"
    applicant.save()
    return user


def _mover_with_order() -> tuple[User, Any, Crew]:
    today = timezone.localdate()
    old = Building.objects.create(kind=Building.Kind.OLD, address="ул. Старая, 1", district="Д")
    new = Building.objects.create(kind=Building.Kind.NEW, address="ул. Новая, 2", district="Д")
    household = Household.objects.create(
        old_building=old,
        old_flat="7",
        new_building=new,
        new_flat="107",
        head_name="Семья 7",
        phone="+79161234567",
        email="family7@example.ru",
        contract_signed_on=today - timedelta(days=30),
        window_start=today + timedelta(days=1),
        window_end=today + timedelta(days=40),
    )
    mover = _account("mover", User.Role.APPLICANT)
    applicant_for_user(user=mover)
    code = relocation.household_issue_code(household=household)
    relocation.household_bind(user=mover, old_building_id=old.pk, flat="7", code=code)
    crew = Crew.objects.create(name="Бригада 1", district="Д")
    start = today + timedelta(days=1)
    day = rules.bookable_days(start=start, end=start + timedelta(days=40), today=today)[0]
    details = relocation.OrderDetails(
        rooms=2,
        floor_from=5,
        floor_to=9,
        lift_from=False,
        lift_to=True,
        contact_phone="+79161234567",
        contact_name="Михаил",
        special_items=[],
    )
    order = relocation.order_create(
        by=mover, kind="move", day=day, window="09:00-13:00", details=details
    )
    return mover, order, crew


def _booking(applicant: User, topic: Any) -> Any:
    subject = Subject.objects.create(
        code="permit-remarks",
        title="Замечания по отказу",
        topic=topic,
        online=True,
        in_person=True,
        duration_minutes=30,
        min_notice_minutes=60,
        horizon_days=60,
        daily_quota=8,
        max_active_per_applicant=3,
        max_active_per_organisation=3,
    )
    expert = make_expert("expert1", subjects=[subject])
    day = datetime.now(MOSCOW).date() + timedelta(days=2)
    while not workdays.is_working_day(day):
        day += timedelta(days=1)
    start = datetime.combine(day, time(11), MOSCOW)
    booking = consultations.booking_create(
        by=applicant, subject=subject, fmt="online", start=start, details=Details(question="?")
    )
    return booking, expert


@pytest.fixture
def world(
    applicant_user,
    other_applicant_user,
    operator,
    specialist,
    other_specialist,
    supervisor,
    admin_user,
    authority,
    topic,
) -> World:
    dispatcher = _account("dispatcher", User.Role.OPERATOR)
    Dispatcher.objects.create(user=dispatcher)
    mover, order, crew = _mover_with_order()
    escalated = make_request(
        applicant=applicant_user.applicant,
        status=Request.Status.ESCALATED,
        operator=operator,
        authority=authority,
    )
    attachment = Attachment.objects.create(
        request=escalated,
        file=ContentFile(b"%PDF-1.4 test", name="plan.pdf"),
        original_name="plan.pdf",
        content_type="application/pdf",
        size=13,
    )
    booking, expert = _booking(applicant_user, topic)
    plan = procedures.plan_save(
        owner=applicant_user,
        profile={
            "object_type": "residential_multi",
            "floors": 17,
            "connections": ["water"],
            "expertise": "state",
        },
        start_date=date(2027, 2, 15),
        title="ЖК",
    )
    article = kb.article_create(
        data=kb.ArticleData(title="Разрешение", body="Как получить разрешение.", audience="public"),
        by=None,
        slug="razreshenie",
        reviewed=True,
    )
    personas: dict[str, User | None] = {
        "anonymous": None,
        "applicant": applicant_user,
        "developer": _developer(),
        "mover": mover,
        "operator": operator,
        "dispatcher": dispatcher,
        "specialist": specialist,
        "supervisor": supervisor,
        "admin": admin_user,
        # The outsiders: the same roles as owners, none of their objects.
        "other_applicant": other_applicant_user,
        "other_specialist": other_specialist,
    }
    api_token, _key = api_token_issue(user=personas["applicant"])
    return World(
        personas=personas,
        objects={
            "api_token": api_token,
            "request": escalated,
            "attachment": attachment,
            "booking": booking,
            "expert": expert,
            "plan": plan,
            "order": order,
            "crew": crew,
            "article": article,
            "topic": topic,
            "authority": authority,
        },
    )
