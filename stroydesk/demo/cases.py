"""Demo data: one account per role and a few hundred realistic requests in every status.

Everything is created through the same services as real work (registration through the intake,
each step through ``cases.services`` with its moment in the past), so the demo's history,
deadlines and statistics are what real use would produce.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from stroydesk.accounts.models import Applicant, User
from stroydesk.accounts.services import applicant_create, user_create
from stroydesk.cases import services
from stroydesk.cases.intake import Contact, Intake, register_request
from stroydesk.cases.models import Request
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import topic_competent_authorities
from stroydesk.directory.services import directory_seed, specialist_appoint
from stroydesk.stats.samples import NAMES, QUESTIONS, STREETS, SURNAMES

DEMO_PASSWORD = "stroydesk-demo"

CHANNEL_WEIGHTS = [
    ("portal", 45),
    ("email", 20),
    ("phone", 25),
    ("api", 3),
    ("in_person", 5),
    ("open311", 2),
]


@dataclass
class DemoCast:
    operators: list[User]
    specialists: dict[int, User]  # authority id → a specialist
    applicant_user: User


def demo_users() -> DemoCast:
    """One login per role (idempotent), plus a specialist for every authority."""
    directory_seed()
    people = [
        ("applicant", User.Role.APPLICANT, "Иван", "Петров"),
        ("developer", User.Role.APPLICANT, "Анна", "Строева"),
        ("operator", User.Role.OPERATOR, "Ольга", "Смирнова"),
        ("operator2", User.Role.OPERATOR, "Павел", "Орлов"),
        ("specialist", User.Role.SPECIALIST, "Виктор", "Надзоров"),
        ("supervisor", User.Role.SUPERVISOR, "Марина", "Главная"),
        ("admin", User.Role.ADMIN, "Админ", "Системный"),
    ]
    users = {}
    for username, role, first, last in people:
        user = User.objects.filter(username=username).first() or user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            email=f"{username}@demo.stroydesk.local",
            first_name=first,
            last_name=last,
        )
        users[username] = user
    if not Applicant.objects.filter(user=users["applicant"]).exists():
        applicant_create(
            full_name="Петров Иван",
            email="applicant@demo.stroydesk.local",
            phone="+74951112233",
            user=users["applicant"],
        )
    if not Applicant.objects.filter(user=users["developer"]).exists():
        applicant_create(
            full_name="Строева Анна",
            email="developer@demo.stroydesk.local",
            kind=Applicant.Kind.DEVELOPER,
            organisation_name="ООО «СтройИнвест»",
            inn="7707083893",
            ogrn="1027700132195",
            user=users["developer"],
        )
    specialists: dict[int, User] = {}
    for authority in Authority.objects.order_by("pk"):
        if authority.code == "mosgosstroynadzor":
            user = users["specialist"]
        else:
            username = f"spec-{authority.code}"
            user = User.objects.filter(username=username).first() or user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=User.Role.SPECIALIST,
                email=f"{username}@demo.stroydesk.local",
                first_name="Специалист",
                last_name=authority.short_name[:40],
            )
        specialist_appoint(user=user, authority=authority)
        specialists[authority.pk] = user
    return DemoCast(
        operators=[users["operator"], users["operator2"]],
        specialists=specialists,
        applicant_user=users["applicant"],
    )


def demo_requests(*, count: int, seed: int = 2021, days: int = 45) -> int:
    """Create ``count`` requests spread over the last ``days`` days, in every status."""
    rng = random.Random(seed)
    cast = demo_users()
    topics = {t.code: t for t in Topic.objects.all()}
    now = timezone.now()
    created = 0
    # Registered in the order of their moments, so that numbers follow registration dates.
    moments = sorted(
        now - timedelta(days=days) + timedelta(seconds=rng.uniform(0, days * 86400 - 7200))
        for _ in range(count)
    )
    for i, at in enumerate(moments):
        with transaction.atomic():
            _one_request(rng, cast, topics, at=at, now=now, own=i % OWN_EVERY == 0)
        created += 1
    return created


# Every n-th demo request is the demo applicant's own: their list, ratings and reopens.
OWN_EVERY = 6


def _one_request(
    rng: random.Random,
    cast: DemoCast,
    topics: dict[str, Topic],
    *,
    at: datetime,
    now: datetime,
    own: bool,
) -> Request:
    code, subject, text = rng.choice(QUESTIONS)
    channel = rng.choices([c for c, _ in CHANNEL_WEIGHTS], [w for _, w in CHANNEL_WEIGHTS])[0]
    address = f"{rng.choice(STREETS)}, д. {rng.randint(1, 120)}" if rng.random() < 0.6 else ""
    intake = Intake(
        channel=channel,
        subject=subject,
        text=text,
        topic=topics[code],
        address=address,
        registered_at=at,
    )
    operator = rng.choice(cast.operators)
    if own:
        request = register_request(
            intake=Intake(**{**intake.__dict__, "channel": "portal"}), by=cast.applicant_user
        )
    else:
        surname = rng.choice(SURNAMES)
        contact = Contact(
            full_name=f"{surname} {rng.choice(NAMES)}",
            email=f"{_latin(surname)}{rng.randint(1, 9999)}@example.ru",
            phone=f"+7916{rng.randint(1000000, 9999999)}" if channel == "phone" else "",
        )
        request = register_request(intake=intake, by=operator, contact=contact)
    _advance(rng, cast, request, operator=operator, at=at, now=now)
    return request


def _advance(
    rng: random.Random,
    cast: DemoCast,
    request: Request,
    *,
    operator: User,
    at: datetime,
    now: datetime,
) -> None:
    """Walk the request through a plausible part of its life, never past ``now``."""

    def step(hours: float) -> datetime | None:
        nonlocal at
        at = at + timedelta(hours=hours)
        return at if at < now else None

    if (t := step(rng.uniform(0.1, 6))) is None or rng.random() < 0.06:
        return
    services.request_take(request=request, by=operator, at=t)
    if rng.random() < 0.55:  # the operator answers from the knowledge base
        if (t := step(rng.uniform(0.2, 20))) is None:
            return
        services.request_answer(request=request, by=operator, at=t, text=_answer_text(request))
        if (t := step(rng.uniform(1, 72))) is not None:
            at = _applicant_reacts(rng, cast, request, operator=operator, at=t, now=now) or at
        if rng.random() < 0.7 and (t := step(rng.uniform(1, 72))) is not None:
            services.request_close(request=request, by=operator, at=t)
        return
    assert request.topic is not None
    authorities = topic_competent_authorities(topic=request.topic) or list(
        Authority.objects.all()[:1]
    )
    authority = authorities[0]
    if (t := step(rng.uniform(0.2, 8))) is None:
        return
    services.request_escalate(
        request=request,
        by=operator,
        authority=authority,
        at=t,
        question="Просим дать разъяснение по существу обращения.",
    )
    specialist = cast.specialists[authority.pk]
    if (t := step(rng.uniform(4, 130))) is None or rng.random() < 0.05:
        return
    if rng.random() < 0.08:
        services.request_decline(
            request=request, by=specialist, at=t, reason="Вопрос не относится к компетенции органа."
        )
        return
    services.request_authority_answer(
        request=request, by=specialist, at=t, text="Сообщаем, что " + _answer_text(request).lower()
    )
    if (t := step(rng.uniform(0.5, 20))) is None:
        return
    services.request_answer(request=request, by=operator, at=t, text=_answer_text(request))
    if (t := step(rng.uniform(1, 72))) is not None:
        at = _applicant_reacts(rng, cast, request, operator=operator, at=t, now=now) or at
    if rng.random() < 0.6 and (t := step(rng.uniform(2, 96))) is not None:
        services.request_close(request=request, by=operator, at=t)


def _applicant_reacts(
    rng: random.Random,
    cast: DemoCast,
    request: Request,
    *,
    operator: User,
    at: datetime,
    now: datetime,
) -> datetime | None:
    """The demo applicant, on their own answered request, sometimes reopens it (and gets a
    second answer) and mostly rates the answer: every widget of the statistics has data.
    Returns the moment of the last step taken, or None."""
    if request.applicant.user_id != cast.applicant_user.pk:
        return None
    last = None
    if rng.random() < 0.25:
        services.request_reopen(
            request=request,
            by=cast.applicant_user,
            at=at,
            reason="В ответе нет сроков. Уточните, пожалуйста.",
        )
        last = at
        at = at + timedelta(hours=rng.uniform(1, 24))
        if at >= now:
            return last  # reopened, being worked on again
        services.request_answer(request=request, by=operator, at=at, text=_answer_text(request))
        last = at
        at = at + timedelta(hours=rng.uniform(1, 24))
    if rng.random() < 0.8 and at < now:
        score = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 6])[0]
        comment = "" if score >= 4 else "Ответ общий, без сроков."
        services.request_rate(
            request=request, by=cast.applicant_user, score=score, comment=comment, at=at
        )
        last = at
    return last


def _answer_text(request: Request) -> str:
    return (
        f"По вашему обращению {request.number} «{request.subject}»: порядок и сроки установлены "
        "Градостроительным кодексом РФ и нормативными актами города Москвы. Подробности — "
        "в Базе знаний на портале."
    )


_TRANSLIT = str.maketrans("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "abvgdeejziiklmnoprstufhccss_y_eua")


def _latin(word: str) -> str:
    return word.lower().translate(_TRANSLIT).replace("_", "")
