"""Demo of the relocation help: a block in resettlement with its families, three crews, a resident
``mover`` bound to a flat whose move window starts within a week, a ``dispatcher``, and a few
orders of neighbours so that the day plan and the heat-map are not empty."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.core.errors import Refused
from stroydesk.demo.cases import DEMO_PASSWORD
from stroydesk.relocation import rules, services
from stroydesk.relocation.models import Building, Crew, Dispatcher, Household, Window
from stroydesk.workcalendar.selectors import moscow_date

DISTRICT = "Измайлово"
OLD = "Москва, ул. Константина Федина, д. 5"
NEW = "Москва, 9-я Парковая ул., д. 60"
FAMILIES = [
    ("Соколова Нина Петровна", "12"),
    ("Кузнецов Андрей Ильич", "14"),
    ("Морозова Елена Викторовна", "15"),
    ("Волков Сергей Николаевич", "21"),
    ("Лебедева Ольга Андреевна", "22"),
    ("Новиков Пётр Сергеевич", "27"),
    ("Фёдорова Анна Михайловна", "31"),
    ("Егоров Иван Павлович", "33"),
]


def _account(username: str, role: str, first: str, last: str, password: str | None) -> User:
    return User.objects.filter(username=username).first() or user_create(
        username=username,
        password=password,
        role=role,
        email=f"{username}@demo.stroydesk.local",
        first_name=first,
        last_name=last,
    )


@transaction.atomic
def demo_seed() -> str | None:
    if Building.objects.filter(address=OLD).exists():
        return None
    today = moscow_date(timezone.now())
    old = Building.objects.create(kind=Building.Kind.OLD, address=OLD, district=DISTRICT)
    new = Building.objects.create(kind=Building.Kind.NEW, address=NEW, district=DISTRICT)
    for number, truck in enumerate(["А123ВС 777", "В456ЕК 799", "Е789МН 777"], start=1):
        Crew.objects.create(
            name=f"Бригада {number}", district=DISTRICT, truck=truck, foreman_phone="+74950000000"
        )
    households = []
    for index, (name, flat) in enumerate([("Переездов Михаил Юрьевич", "7"), *FAMILIES]):
        households.append(
            Household.objects.create(
                old_building=old,
                old_flat=flat,
                new_building=new,
                new_flat=str(100 + index),
                head_name=name,
                phone=f"+7916000{index:04d}",
                email=f"family{index}@demo.stroydesk.local",
                contract_signed_on=today - timedelta(days=20 + index),
                keys_handed_on=today - timedelta(days=10),
                window_start=today + timedelta(days=3),
                window_end=today + timedelta(days=60),
            )
        )
    mover = _account("mover", User.Role.APPLICANT, "Михаил", "Переездов", DEMO_PASSWORD)
    applicant_for_user(user=mover)
    code = services.household_issue_code(household=households[0])
    services.household_bind(user=mover, old_building_id=old.pk, flat="7", code=code)
    dispatcher = _account("dispatcher", User.Role.OPERATOR, "Денис", "Диспетчеров", DEMO_PASSWORD)
    Dispatcher.objects.get_or_create(user=dispatcher)
    days = rules.bookable_days(
        start=today + timedelta(days=3), end=today + timedelta(days=20), today=today
    )
    orders = 0
    for index, household in enumerate(households[1:]):
        neighbour = _account(
            f"resident-{household.old_flat}",
            User.Role.APPLICANT,
            "Житель",
            household.old_flat,
            None,
        )
        code = services.household_issue_code(household=household)
        services.household_bind(
            user=neighbour, old_building_id=old.pk, flat=household.old_flat, code=code
        )
        try:
            order = services.order_create(
                by=neighbour,
                kind="move",
                day=days[index // 3],
                window=Window.values[index % 2],
                details=services.OrderDetails(
                    rooms=1 + index % 3,
                    floor_from=1 + index,
                    floor_to=3 + index,
                    lift_from=index % 2 == 0,
                    lift_to=True,
                    special_items=["piano"] if index == 2 else [],
                    contact_name=household.head_name,
                    contact_phone=household.phone,
                ),
            )
        except Refused:
            continue
        orders += 1
        if index % 2 == 0:
            services.order_confirm(order=order, by=dispatcher)
    return (
        f"relocation: {OLD} with {len(households)} families, 3 crews, {orders} orders; "
        f"accounts mover and dispatcher ({DEMO_PASSWORD})"
    )
