"""Demo consultations: two experts (the demo operators), three subjects linked to directory
topics, an office with two rooms, weekday hours. Free slots are computed, so a fresh demo always
offers times on the coming working days, whatever today's date."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from stroydesk.accounts.models import User
from stroydesk.consultations import services
from stroydesk.consultations.models import Expert, Format, Office, Room, Subject, WorkingHours
from stroydesk.consultations.slots import free_slots
from stroydesk.directory.selectors import topic_list

SUBJECTS = [
    # code, title, topic code, online, in person, duration, buffer after, quota
    (
        "permit-remarks",
        "Устранение замечаний по отказу в разрешении на строительство",
        "construction-permit",
        True,
        True,
        45,
        15,
        6,
    ),
    ("gpzu-limits", "Ограничения ГПЗУ и ПЗЗ для земельного участка", "gpzu", True, True, 30, 0, 8),
    (
        "commissioning",
        "Ввод объекта в эксплуатацию",
        "commissioning-permit",
        True,
        False,
        30,
        15,
        6,
    ),
]

EXPERTS = [
    # username, position, subjects, room name, weekday hours (Mon–Fri), Saturday hours
    (
        "operator",
        "Эксперт ЕКЦ по разрешительной документации",
        ["permit-remarks", "commissioning"],
        "каб. 214",
        (time(10), time(17)),
        (time(10), time(14)),
    ),
    (
        "operator2",
        "Эксперт ЕКЦ по градостроительному зонированию",
        ["gpzu-limits", "permit-remarks"],
        "каб. 214",
        (time(9), time(13)),
        None,
    ),
]


@transaction.atomic
def demo_seed() -> str | None:
    """Create the demo experts and rules once; the slots follow from them."""
    if Subject.objects.exists():
        return None
    topics = {t.code: t for t in topic_list()}
    office, _ = Office.objects.get_or_create(
        name="ЕКЦ Стройкомплекса, приёмная",
        defaults={
            "address": "Москва, ул. Брестская 2-я, д. 8",
            "what_to_bring": "Паспорт; документы по объекту (ГПЗУ, отказ, проектная документация).",
        },
    )
    rooms = {
        name: Room.objects.get_or_create(office=office, name=name)[0]
        for name in ("каб. 214", "каб. 215")
    }
    subjects = {}
    for position, (code, title, topic, online, in_person, duration, after, quota) in enumerate(
        SUBJECTS
    ):
        subjects[code] = Subject.objects.create(
            code=code,
            title=title,
            topic=topics.get(topic),
            online=online,
            in_person=in_person,
            duration_minutes=duration,
            buffer_after_minutes=after,
            daily_quota=quota,
            min_notice_minutes=120,
            horizon_days=30,
            position=position,
        )
    made = 0
    for username, title, codes, room, weekdays, saturday in EXPERTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        expert = Expert.objects.create(user=user, title=title, room=rooms[room])
        expert.subjects.set([subjects[c] for c in codes])
        for weekday in range(5):
            WorkingHours.objects.create(
                expert=expert, weekday=weekday, start=weekdays[0], end=weekdays[1]
            )
        if saturday:
            WorkingHours.objects.create(
                expert=expert, weekday=5, start=saturday[0], end=saturday[1]
            )
        made += 1
    booked = _demo_bookings(subjects)
    return f"{made} consultation experts, {len(subjects)} subjects, {booked} bookings"


def _demo_bookings(subjects: dict[str, Subject]) -> int:
    """The demo developer and resident have an upcoming consultation each, so that «my
    consultations» and the experts' agenda show something; taken through the service."""
    today = timezone.localdate()
    made = 0
    for username, code, fmt, question in [
        (
            "developer",
            "permit-remarks",
            Format.IN_PERSON,
            "Получили отказ в выдаче разрешения на строительство склада: как устранить замечания?",
        ),
        (
            "applicant",
            "gpzu-limits",
            Format.ONLINE,
            "Можно ли построить на участке двухэтажный дом по действующему ГПЗУ?",
        ),
    ]:
        user = User.objects.filter(username=username, role=User.Role.APPLICANT).first()
        if user is None:
            continue
        found = free_slots(
            subject=subjects[code], fmt=fmt, first=today, last=today + timedelta(days=14)
        )
        if not found:
            continue
        slot = found[min(len(found) - 1, 3)]
        services.booking_create(
            by=user,
            subject=subjects[code],
            fmt=fmt,
            start=slot.start,
            details=services.Details(question=question),
        )
        made += 1
    return made
