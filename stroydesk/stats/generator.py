"""Demo history: a past year of requests created through the same services as real ones.

``generate_history(year=2021, count=34744, seed=1)`` registers exactly ``count`` requests with
``cases.services.request_register_many`` and walks each one through its life with the lifecycle
services (take, answer, escalate, the authority's answer, clarifications, declines,
reassignments, closing, reopening), each step with its moment in the past (``at=``). Nothing is
written around the services, so the statistics of the generated year are what real work would
have produced.

What makes it look like a year of the center:
- the number of requests per day is planned up front (``plan_year``): month seasonality, busy
  Mondays, quiet weekends and holidays (from the production calendar), a little noise; the
  plan's days add up to ``count`` exactly (largest remainders);
- the channel mix and the share escalated to authorities drift from year to year (more portal,
  more escalations, fewer overdue answers each year after 2020);
- authorities answer within 0–4 working days, some after the due moment;
- applicants come from a pool, so some ask more than once; about one in eight is a developer;
  two in three have a portal account, and some of those rate the answer (1–5).

The same ``seed`` gives the same history. Each day is one batch: its requests registered by
one ``request_register_many``; each request's life drawn in turn (its steps, moments and texts),
then the day's steps taken round by round — the first step of every request, then the second…
— each kind of step by its command for many requests where ``cases`` has one (take, escalate,
the authority's answer, answer, rate, close: one statement per kind of row for the round), the
rare ones one by one; in ``steps.bulk``, with the history rows written together at the day's
end in the order of a one-by-one walk, and no events published (letters about 2020 to people
who do not exist). What the accounts' services queue for the applicant pool goes to a
throwaway in-memory queue while it runs. ``benchmarks/generator.py --digest`` prints a digest
of the generated rows, to check that a change to the generator makes the same history.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from stroydesk.accounts.models import Applicant, User
from stroydesk.accounts.services import applicant_create, user_create
from stroydesk.cases import services as cases
from stroydesk.cases import steps
from stroydesk.cases.models import History, Request
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import topic_competent_authorities
from stroydesk.directory.services import directory_seed, specialist_appoint
from stroydesk.stats.samples import NAMES, QUESTIONS, STREETS, SURNAMES
from stroydesk.stats.services import rollups_refresh
from stroydesk.workcalendar import selectors as workdays
from stroydesk.workcalendar.calendar import MOSCOW

MONTH_WEIGHTS = (0.93, 0.97, 1.06, 1.08, 0.96, 0.98, 0.90, 0.92, 1.06, 1.11, 1.07, 0.96)
WEEKDAY_WEIGHTS = (1.22, 1.18, 1.12, 1.08, 1.00, 0.34, 0.22)
OFF_DAY_WEIGHT = 0.26  # a holiday on a weekday is as quiet as a Sunday
TOPIC_WEIGHTS = {
    "relocation": 3.0,
    "shareholder-rights": 2.5,
    "construction-permit": 2.0,
    "site-violations": 2.0,
    "night-works": 1.8,
    "problem-objects": 1.6,
    "gpzu": 1.5,
    "center-work": 0.6,
}
OPERATORS = 8
RATING_COMMENTS = (
    "Спасибо, ответ понятный.",
    "Ответили быстро, всё подробно.",
    "Ответ формальный, по существу ничего нового.",
    "Пришлось ждать дольше обещанного.",
)


class GenerationRefused(Exception):
    """The year cannot be generated (not in the past, or it has requests already)."""


@dataclass(frozen=True)
class YearProfile:
    """How the center worked in a year: what drifts from 2020 on."""

    escalation_share: float
    overdue_share: float
    channels: tuple[tuple[str, float], ...]
    rating_share: float  # of answers to applicants with an account
    scores: tuple[float, ...]  # weights of the marks 1–5


def year_profile(year: int) -> YearProfile:
    step = year - 2020
    return YearProfile(
        escalation_share=min(0.5, max(0.2, 0.31 + 0.05 * step)),
        overdue_share=min(0.3, max(0.04, 0.14 - 0.04 * step)),
        channels=(
            ("portal", 46 + 4 * step),
            ("email", 22 - 2 * step),
            ("phone", 24 - 2 * step),
            ("api", 2 + step * 0.5),
            ("in_person", 4.0),
            ("open311", 2.0),
        ),
        rating_share=min(0.6, 0.3 + 0.04 * step),
        scores=(0.07, max(0.01, 0.06 - 0.01 * step), 0.14, 0.3, 0.43 + 0.02 * step),
    )


def plan_year(*, year: int, count: int, seed: int) -> list[tuple[date, int]]:
    """Requests per day of the year, adding up to ``count`` exactly (reads the calendar)."""
    rng = random.Random(f"plan-{year}-{seed}")
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
    days = [d for d in days if d.year == year]
    weights = []
    for d in days:
        if workdays.is_working_day(d):  # a transferred working Saturday is busy like a Friday
            weekday = WEEKDAY_WEIGHTS[min(d.weekday(), 4)]
        elif d.weekday() >= 5:
            weekday = WEEKDAY_WEIGHTS[d.weekday()]
        else:
            weekday = OFF_DAY_WEIGHT
        weights.append(MONTH_WEIGHTS[d.month - 1] * weekday * rng.uniform(0.9, 1.1))
    total = sum(weights)
    exact = [count * w / total for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(days)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


@dataclass(frozen=True)
class GenerationResult:
    year: int
    created: int
    seconds: float
    service_calls: int


def generate_history(
    *,
    year: int,
    count: int,
    seed: int = 1,
    scale: float = 1.0,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerationResult:
    """Create a year of history (``count`` × ``scale`` requests) and refresh the rollups."""
    now = now or timezone.now()
    if not 2000 <= year < workdays.moscow_date(now).year:
        raise GenerationRefused(f"History can be generated for a past year, not {year}.")
    covered = [info.year for info in workdays.covered_years()]
    if year not in covered:
        raise GenerationRefused(
            f"There is no production calendar for {year} (covered: {covered[0]}–{covered[-1]})."
        )
    if not 0 < scale <= 1:
        raise GenerationRefused("The scale must be above 0 and at most 1.")
    if count < 1:
        raise GenerationRefused("The count must be at least 1.")
    existing = Request.objects.filter(year=year).count()
    if existing:
        raise GenerationRefused(
            f"{year} has {existing} requests already; the generator only fills an empty year."
        )
    started = time.perf_counter()
    planned_total = round(count * scale)
    plan = plan_year(year=year, count=planned_total, seed=seed)
    walker = _Walker(random.Random(f"history-{year}-{seed}"), _cast(seed, planned_total), year)
    created = 0
    with _notifications_dropped():
        for day, planned in plan:
            # A day in one transaction: its requests registered together, their history rows
            # written together at the end, and no letters about them (nobody to write to).
            with (
                transaction.atomic(),
                steps.bulk(batch_history=True, publish=False, history_order=_walk_order),
            ):
                created += walker.day(walker.arrivals(day, planned))
            if progress and (day + timedelta(days=1)).day == 1:
                progress(f"{day:%Y-%m}: {created} requests, {time.perf_counter() - started:.0f} s")
    rollups_refresh()
    return GenerationResult(year, created, time.perf_counter() - started, walker.calls)


# --- Who works and who asks -----------------------------------------------------------------


@dataclass
class _Cast:
    operators: list[User]
    specialists: dict[int, User]
    residents: list[Applicant]
    developers: list[Applicant]
    questions: list[tuple[Topic, str, str]]
    weights: list[float]
    authorities: dict[int, list[Authority]]
    all_authorities: list[Authority]


def _cast(seed: int, count: int) -> _Cast:
    """The operators, one specialist per authority, and the applicant pool (made once, reused)."""
    directory_seed()
    operators = [
        _user(f"history-operator-{n}", User.Role.OPERATOR, "Оператор", f"№{n}")
        for n in range(1, OPERATORS + 1)
    ]
    specialists = {}
    for authority in Authority.objects.order_by("pk"):
        user = _user(f"history-spec-{authority.code}", User.Role.SPECIALIST, "Специалист", "")
        if getattr(user, "specialist", None) is None:
            specialist_appoint(user=user, authority=authority)
        specialists[authority.pk] = user
    topics = {t.code: t for t in Topic.objects.filter(is_active=True)}
    questions = [(topics[code], s, t) for code, s, t in QUESTIONS if code in topics]
    authorities = {topic.pk: topic_competent_authorities(topic=topic) for topic, _, _ in questions}
    return _Cast(
        operators=operators,
        specialists=specialists,
        residents=_pool(Applicant.Kind.RESIDENT, max(50, count // 5), seed),
        developers=_pool(Applicant.Kind.DEVELOPER, max(10, count // 80), seed),
        questions=questions,
        weights=[TOPIC_WEIGHTS.get(topic.code, 1.0) for topic, _, _ in questions],
        authorities=authorities,
        all_authorities=list(Authority.objects.filter(is_active=True).order_by("pk")),
    )


def _user(
    username: str,
    role: str,
    first: str,
    last: str,
    email: str = "",
    known: dict[str, User] | None = None,
) -> User:
    """The generated person's login, made on first use; ``known`` the logins looked up already."""
    existing = (
        known.get(username) if known is not None else User.objects.filter(username=username).first()
    )
    if existing is not None:
        return existing
    return user_create(
        username=username,
        password=None,  # nobody signs in as a generated person
        role=role,
        email=email or f"{username}@history.stroydesk.local",
        first_name=first,
        last_name=last,
    )


def _pool(kind: str, size: int, seed: int) -> list[Applicant]:
    rng = random.Random(f"pool-{kind}-{seed}")
    emails = [f"history-{kind}-{n}@example.ru" for n in range(size)]
    known = {a.email: a for a in Applicant.objects.filter(email__in=emails)}
    logins = {
        u.username: u
        for u in User.objects.filter(username__in=[f"history-{kind}-{n}" for n in range(size)])
    }
    pool = []
    for n, email in enumerate(emails):
        if email in known:
            pool.append(known[email])
            continue
        name = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}"
        profile: dict[str, str] = {}
        if kind == Applicant.Kind.DEVELOPER:
            profile = {
                "organisation_name": f"ООО «Строй-{n:04d}»",
                "inn": _inn(rng),
                "ogrn": _ogrn(rng),
            }
        phone = f"+7916{rng.randint(1000000, 9999999)}"
        # Two in three have a portal account (they can rate answers); the rest write or call.
        account = (
            _user(f"history-{kind}-{n}", User.Role.APPLICANT, name, "", email=email, known=logins)
            if n % 3
            else None
        )
        pool.append(
            applicant_create(
                user=account,
                full_name=name,
                email=email,
                phone=phone,
                kind=kind,
                organisation_name=profile.get("organisation_name", ""),
                inn=profile.get("inn", ""),
                ogrn=profile.get("ogrn", ""),
            )
        )
    return pool


def _inn(rng: random.Random) -> str:
    digits = "77" + "".join(str(rng.randint(0, 9)) for _ in range(7))
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return digits + str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def _ogrn(rng: random.Random) -> str:
    digits = "1" + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return digits + str(int(digits) % 11 % 10)


# --- One request's life ---------------------------------------------------------------------


class _Walker:
    """Walks requests through the lifecycle services with moments drawn for a year profile."""

    def __init__(self, rng: random.Random, cast: _Cast, year: int) -> None:
        self.rng = rng
        self.cast = cast
        self.profile = year_profile(year)
        self.calls = 0
        self.life: list[tuple[Callable[..., object], dict[str, Any]]] = []

    def arrivals(self, day: date, planned: int) -> list[tuple[str, datetime]]:
        """The channels and registration moments of one day's requests, in time order."""
        names = [name for name, _ in self.profile.channels]
        weights = [weight for _, weight in self.profile.channels]
        channels = self.rng.choices(names, weights, k=planned)
        return sorted(
            ((channel, self._arrival(day, channel)) for channel in channels), key=lambda x: x[1]
        )

    def _arrival(self, day: date, channel: str) -> datetime:
        if channel in ("phone", "in_person"):
            hours = self.rng.uniform(9, 20 if channel == "phone" else 18)
        elif self.rng.random() < 0.8:
            hours = self.rng.uniform(8, 23)
        else:
            hours = self.rng.uniform(0, 24)
        return workdays.start_of_day(day) + timedelta(hours=hours)

    def day(self, arrivals: list[tuple[str, datetime]]) -> int:
        """Register a day's requests in one batch, then walk each through its life."""
        rng, cast = self.rng, self.cast
        drafts = []
        for channel, at in arrivals:
            topic, subject, text = rng.choices(cast.questions, cast.weights)[0]
            pool = cast.developers if rng.random() < 0.12 else cast.residents
            operator = rng.choice(cast.operators)
            registration = cases.Registration(
                applicant=rng.choice(pool),
                channel=channel,
                subject=subject,
                text=text,
                topic=topic,
                address=f"{rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
                if rng.random() < 0.6
                else "",
                registered_at=at,
                created_by=operator if channel in ("phone", "in_person") else None,
            )
            drafts.append((registration, operator))
        requests = cases.request_register_many([registration for registration, _ in drafts])
        self.calls += 1  # one call registers the day
        lives = []
        for request, (registration, operator) in zip(requests, drafts, strict=True):
            assert registration.registered_at is not None
            self.life = []
            self._walk(request, operator, registration.registered_at)
            lives.append(self.life)
        self._live(lives)
        return len(requests)

    def _live(self, lives: list[list[tuple[Callable[..., object], dict[str, Any]]]]) -> None:
        """Take the day's steps: the n-th step of every request together, each kind of step by
        its command for many requests where there is one (one statement per kind of row for
        the day, not one per request), the rest one by one. A request's steps keep their
        order; the moments and texts were drawn before, in the order of the one-by-one walk,
        and nothing drawn depends on a step's result, so the history is the same."""
        for n in range(max(map(len, lives), default=0)):
            kinds: dict[Callable[..., object], list[dict[str, Any]]] = {}
            for life in lives:
                if n < len(life):
                    service, kwargs = life[n]
                    kinds.setdefault(service, []).append(kwargs)
            for service, calls in kinds.items():
                batched = _BATCHED.get(service)
                if batched is not None:
                    many, item = batched
                    many([item(**kwargs) for kwargs in calls])
                    self.calls += 1
                    continue
                for kwargs in calls:
                    service(**kwargs)
                    self.calls += 1

    def _walk(self, request: Request, operator: User, at: datetime) -> None:
        rng, cast = self.rng, self.cast
        topic = request.topic
        assert topic is not None
        at = self._step(at, 0.1, 3)
        self._call(cases.request_take, request=request, by=operator, at=at)
        if rng.random() < 0.05:
            at = self._clarification(request, operator, self._step(at, 0.5, 3))
        authorities = cast.authorities.get(topic.pk) or []
        if authorities and rng.random() < self.profile.escalation_share:
            at = self._escalated(request, operator, authorities, self._step(at, 0.3, 6))
        else:
            at = self._step(at, 0.3, 20)
        self._call(cases.request_answer, request=request, by=operator, at=at, text=_answer(request))
        self._after_answer(request, operator, at)

    def _escalated(self, request, operator, authorities, at: datetime) -> datetime:
        """Escalate, maybe decline/reassign/pause, get the authority's answer; return its moment."""
        rng = self.rng
        authority = authorities[0] if rng.random() < 0.8 else rng.choice(authorities)
        question = "Просим дать разъяснение по существу обращения."
        self._call(
            cases.request_escalate,
            request=request,
            by=operator,
            authority=authority,
            question=question,
            at=at,
        )
        others = [a for a in self.cast.all_authorities if a.pk != authority.pk]
        roll = rng.random()
        if roll < 0.04:  # not this authority's competence: returned, escalated elsewhere
            at = self._step(at, 4, 30)
            self._call(
                cases.request_decline,
                request=request,
                by=self.cast.specialists[authority.pk],
                reason="Вопрос не относится к компетенции органа.",
                at=at,
            )
            authority = rng.choice(others)
            at = self._step(at, 0.5, 4)
            self._call(
                cases.request_escalate,
                request=request,
                by=operator,
                authority=authority,
                question=question,
                at=at,
            )
        elif roll < 0.07:  # the operator sees the wrong authority and moves it, due kept
            authority = rng.choice(others)
            at = self._step(at, 0.5, 8)
            self._call(
                cases.request_reassign,
                request=request,
                by=operator,
                authority=authority,
                reason="Передано по компетенции.",
                at=at,
            )
        if rng.random() < 0.03:
            at = self._clarification(request, operator, self._step(at, 2, 24))
        at = self._authority_moment(at)
        self._call(
            cases.request_authority_answer,
            request=request,
            by=self.cast.specialists[authority.pk],
            text=f"Сообщаем по обращению {request.number}: вопрос рассмотрен, разъяснение дано.",
            at=at,
        )
        return self._step(at, 0.5, 8)

    def _authority_moment(self, after: datetime) -> datetime:
        """A moment k working days after ``after``'s day: 0–4 in time, 5–10 overdue."""
        rng = self.rng
        if rng.random() < self.profile.overdue_share:
            k = rng.randint(5, 10)
        else:
            k = rng.choices((0, 1, 2, 3, 4), (0.05, 0.17, 0.28, 0.28, 0.22))[0]
        day = workdays.add_working_days(workdays.moscow_date(after), k)
        moment = workdays.start_of_day(day) + timedelta(hours=rng.uniform(9, 18))
        return moment if moment > after else after + timedelta(minutes=rng.uniform(20, 180))

    def _clarification(self, request, operator, at: datetime) -> datetime:
        self._call(
            cases.request_ask_clarification,
            request=request,
            by=operator,
            question="Уточните, пожалуйста, адрес объекта и кадастровый номер.",
            at=at,
        )
        at = self._step(at, 2, 60)
        self._call(
            cases.request_clarify,
            request=request,
            by=operator,
            text="Заявитель сообщил адрес и кадастровый номер по телефону.",
            at=at,
        )
        return at

    def _after_answer(self, request, operator, at: datetime) -> None:
        rng = self.rng
        if rng.random() < 0.03:
            at = self._step(at, 4, 72)
            self._call(
                cases.request_reopen,
                request=request,
                by=operator,
                reason="Заявитель просит дополнить ответ.",
                at=at,
            )
            at = self._step(at, 1, 24)
            self._call(
                cases.request_answer, request=request, by=operator, at=at, text=_answer(request)
            )
        if request.applicant.user_id and rng.random() < self.profile.rating_share:
            at = self._step(at, 0.5, 30)
            self._call(
                cases.request_rate,
                request=request,
                by=request.applicant.user,
                score=rng.choices((1, 2, 3, 4, 5), self.profile.scores)[0],
                comment=rng.choice(RATING_COMMENTS) if rng.random() < 0.2 else "",
                at=at,
            )
        if rng.random() < 0.75:
            self._call(cases.request_close, request=request, by=operator, at=self._step(at, 1, 72))

    def _step(self, at: datetime, low_hours: float, high_hours: float) -> datetime:
        """A later moment in working hours (08–21 Moscow); the night moves to next morning."""
        moment = at + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        local = moment.astimezone(MOSCOW)
        if local.hour < 8 or local.hour >= 21:
            day = workdays.moscow_date(moment) + timedelta(days=1 if local.hour >= 21 else 0)
            moment = workdays.start_of_day(day) + timedelta(hours=self.rng.uniform(8, 11))
        return moment

    def _call(self, service: Callable[..., object], **kwargs: Any) -> None:
        """A step of the request being walked, taken later with the day's others (``_live``)."""
        self.life.append((service, kwargs))


# The commands for one request that have a command for many, with the item it takes.
_BATCHED: dict[Callable[..., object], tuple[Callable[[list[Any]], object], type]] = {
    cases.request_take: (cases.request_take_many, cases.Step),
    cases.request_answer: (cases.request_answer_many, cases.Step),
    cases.request_close: (cases.request_close_many, cases.Step),
    cases.request_escalate: (cases.request_escalate_many, cases.Escalating),
    cases.request_authority_answer: (cases.request_authority_answer_many, cases.Step),
    cases.request_rate: (cases.request_rate_many, cases.Rate),
}


def _walk_order(row: History) -> tuple[bool, int]:
    """The day's history as the one-by-one walk wrote it: the registrations, then each request's
    life in turn (requests are numbered, and so keyed, in the order of the day)."""
    return row.action != History.Action.REGISTER, row.request_id


def _answer(request: Request) -> str:
    return (
        f"По вашему обращению {request.number} «{request.subject}»: порядок и сроки установлены "
        "Градостроительным кодексом РФ и нормативными актами города Москвы."
    )


@contextmanager
def _notifications_dropped() -> Iterator[None]:
    """Queue the transitions' notifications into a throwaway in-memory queue, not the real one."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    saved = HUEY.storage, HUEY._immediate
    HUEY.storage, HUEY._immediate = MemoryStorage(HUEY.name), False
    try:
        yield
    finally:
        HUEY.storage, HUEY._immediate = saved
