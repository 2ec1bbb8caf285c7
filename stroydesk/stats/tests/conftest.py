"""A small, hand-checked March 2021 of the center, built through the cases services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from stroydesk.accounts.models import Applicant, User
from stroydesk.accounts.services import applicant_create
from stroydesk.cases import services
from stroydesk.cases.models import Request
from stroydesk.directory.models import Authority, Topic
from stroydesk.stats.services import rollups_refresh
from stroydesk.workcalendar.calendar import MOSCOW

TODAY = date(2021, 4, 30)  # the "today" of the reports over the scenario


def msk(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2021) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


@dataclass
class March:
    """Six requests around March 2021 (see ``march``); the expected March figures are in tests."""

    operator: User
    specialist: User
    authority: Authority
    topic: Topic
    requests: dict[str, Request]


def register(applicant: Applicant, channel: str, at: datetime, topic: Topic | None) -> Request:
    return services.request_register(
        applicant=applicant,
        channel=channel,
        subject="Разрешение на строительство",
        text="Как получить разрешение на строительство?",
        topic=topic,
        registered_at=at,
    )


@pytest.fixture
def march(operator, specialist, authority, topic) -> March:
    """R1 answered by the center on the day (first contact), R2 escalated and answered in time,
    R3 escalated, answered late and reopened, R4 received on 31 March and answered in April,
    R5 received in February and answered on 1 March, R6 received at 01:30 on 1 April Moscow
    time (still 31 March in UTC)."""
    resident = applicant_create(full_name="Иванов Иван", email="ivanov@example.ru")
    developer = applicant_create(
        full_name="Строева Анна",
        email="stroy@example.ru",
        kind=Applicant.Kind.DEVELOPER,
        organisation_name="ООО «СтройИнвест»",
        inn="7707083893",
        ogrn="1027700132195",
    )
    op, spec = operator, specialist
    r1 = register(resident, "phone", msk(3, 1, 10), topic)
    services.request_take(request=r1, by=op, at=msk(3, 1, 10, 5))
    services.request_answer(request=r1, by=op, text="Ответ.", at=msk(3, 1, 15))
    services.request_close(request=r1, by=op, at=msk(3, 2, 9))

    r2 = register(developer, "portal", msk(3, 1, 11), topic)
    services.request_take(request=r2, by=op, at=msk(3, 1, 11, 10))
    services.request_escalate(request=r2, by=op, authority=authority, at=msk(3, 1, 12))
    services.request_authority_answer(request=r2, by=spec, text="Ответ органа.", at=msk(3, 4, 10))
    services.request_answer(request=r2, by=op, text="Ответ.", at=msk(3, 4, 12))
    services.request_close(request=r2, by=op, at=msk(3, 5, 12))

    r3 = register(resident, "email", msk(3, 2, 9), topic)
    services.request_take(request=r3, by=op, at=msk(3, 2, 9, 30))
    services.request_escalate(request=r3, by=op, authority=authority, at=msk(3, 2, 10))
    services.request_authority_answer(request=r3, by=spec, text="Ответ органа.", at=msk(3, 11, 10))
    services.request_answer(request=r3, by=op, text="Ответ.", at=msk(3, 11, 12))
    services.request_reopen(request=r3, by=op, reason="Неполный ответ.", at=msk(3, 12, 10))
    services.request_answer(request=r3, by=op, text="Дополненный ответ.", at=msk(3, 15, 12))

    r4 = register(resident, "api", msk(3, 31, 20), topic)
    services.request_take(request=r4, by=op, at=msk(3, 31, 20, 30))
    services.request_answer(request=r4, by=op, text="Ответ.", at=msk(4, 2, 10))

    r5 = register(resident, "phone", msk(2, 26, 16), topic)
    services.request_take(request=r5, by=op, at=msk(2, 26, 16, 10))
    services.request_answer(request=r5, by=op, text="Ответ.", at=msk(3, 1, 9))

    r6 = register(resident, "portal", msk(4, 1, 1, 30), None)
    rollups_refresh()
    requests = {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5, "r6": r6}
    return March(op, spec, authority, topic, requests)
