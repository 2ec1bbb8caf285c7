"""Batches: registering many requests at once, and a bulk block's history written together."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stroydesk.cases import numbering, services, steps
from stroydesk.cases.events import RequestEvent, request_events
from stroydesk.cases.models import History, Rating, Request
from stroydesk.cases.tests.factories import ApplicantFactory, make_request

pytestmark = pytest.mark.django_db

S = Request.Status


@pytest.fixture
def heard():
    events: list[RequestEvent] = []
    request_events.subscribe(events.append)
    yield events
    request_events.unsubscribe(events.append)


def registration(n: int, **extra) -> services.Registration:
    return services.Registration(
        applicant=ApplicantFactory(),
        channel=Request.Channel.EMAIL,
        subject=f"  Вопрос {n}  ",
        text="Как получить разрешение на строительство?",
        **extra,
    )


def test_numbers_are_reserved_in_a_block_without_gaps():
    with transaction.atomic():
        assert numbering.next_number(year=2024) == 1
        assert numbering.next_numbers(year=2024, count=3) == range(2, 5)
        assert numbering.next_number(year=2024) == 5
        assert numbering.next_numbers(year=2025, count=2) == range(1, 3)


def test_a_batch_is_registered_in_order_in_three_statements(
    directory, django_capture_on_commit_callbacks, heard
):
    first = services.request_register(
        applicant=ApplicantFactory(), channel="portal", subject="Первый", text="Текст"
    )
    batch = [registration(n) for n in range(5)]
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        registered = services.request_register_many(batch)
    work = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(work) == 3, work  # the numbers, the requests, their history
    assert [r.sequence for r in registered] == [first.sequence + n for n in range(1, 6)]
    stored = Request.objects.filter(pk__in=[r.pk for r in registered]).order_by("sequence")
    assert [(r.subject, r.status) for r in stored] == [
        (f"Вопрос {n}", S.REGISTERED) for n in range(5)
    ]
    rows = History.objects.filter(request__in=registered).order_by("id")
    assert [(row.request_id, row.action, row.to_status) for row in rows] == [
        (r.pk, "register", S.REGISTERED) for r in registered
    ]
    assert [e.history_id for e in heard] == [row.pk for row in rows]


def test_a_batch_with_one_bad_request_registers_none(directory):
    future = timezone.now() + timedelta(days=1)
    batch = [registration(0), registration(1, registered_at=future)]
    with pytest.raises(ValidationError):
        services.request_register_many(batch)
    assert not Request.objects.exists()
    with transaction.atomic():
        assert numbering.next_number(year=timezone.now().year) == 1  # no number was spent


def test_a_bulk_block_writes_its_history_together_at_the_end(
    operator, django_capture_on_commit_callbacks, heard
):
    case = make_request()
    before = History.objects.count()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with steps.bulk(batch_history=True):
            services.request_take(request=case, by=operator)
            with steps.bulk():  # a plain block inside keeps to the batch
                services.request_answer(request=case, by=operator, text="Ответ")
            assert History.objects.count() == before  # not yet
        assert History.objects.count() == before + 2
    actions = list(
        History.objects.filter(request=case).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["register", "take", "answer"]
    assert [e.action for e in heard] == ["take", "answer"]


def test_a_quiet_bulk_block_records_the_history_and_tells_nobody(
    operator, django_capture_on_commit_callbacks, heard
):
    case = make_request()
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        steps.bulk(publish=False),
    ):
        services.request_take(request=case, by=operator)
    assert History.objects.filter(request=case, action="take").exists()
    assert heard == []


def test_a_failed_bulk_block_writes_none_of_its_history(operator):
    case = make_request()
    with (
        pytest.raises(services.TransitionNotAllowed),
        transaction.atomic(),
        steps.bulk(batch_history=True),
    ):
        services.request_take(request=case, by=operator)
        services.request_close(request=case, by=operator)  # not answered: refused
    assert list(History.objects.filter(request=case).values_list("action", flat=True)) == [
        "register"
    ]
    assert Request.objects.get(pk=case.pk).status == S.REGISTERED


def _register(n: int) -> Request:
    return services.request_register(
        applicant=ApplicantFactory(), channel=Request.Channel.API, subject=f"Вопрос {n}", text="?"
    )


def test_one_registration_numbers_writes_and_publishes_as_the_three_steps_do(
    heard, django_capture_on_commit_callbacks
):
    # PostgreSQL takes one statement for the number, the request and its history row; the
    # other databases three. What is written and told is the same.
    from stroydesk.cases.models import RequestNumberCounter

    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        RequestNumberCounter.objects.filter(year=year).delete()  # the year's first request
        first = _register(1)
        RequestNumberCounter.objects.filter(year=year).update(last=999_998)
        second, third = _register(2), _register(3)
    assert first.number == numbering.number_text(year=year, sequence=1)
    assert (second.sequence, third.sequence) == (999_999, 1_000_000)
    for request in (first, second, third):
        stored = Request.objects.get(pk=request.pk)
        assert (stored.number, stored.sequence) == (request.number, request.sequence)
        row = History.objects.get(request=stored)
        assert (row.action, row.to_status, row.actor_id) == ("register", S.REGISTERED, None)
        assert row.at == stored.registered_at
        assert row.data == {"channel": Request.Channel.API, "attachments": 0}
    assert third.number.endswith("-1000000")  # six digits at least, never cut
    assert [e.history_id for e in heard] == [
        History.objects.get(request_id=r.pk).pk for r in (first, second, third)
    ]


def test_one_registration_on_postgresql_is_one_statement():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no data-modifying WITH")
    applicant = ApplicantFactory()
    _register(0)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        services.request_register(applicant=applicant, channel="api", subject="В", text="?")
    work = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(work) == 1 and work[0].startswith("WITH"), work


# --- Lifecycle steps for many requests ----------------------------------------------------


def _rows(case: Request) -> list[tuple]:
    """A request's state and history as the commands left them, without keys and clock."""
    case.refresh_from_db()
    history = History.objects.filter(request=case).exclude(action="register").order_by("id")
    return [
        (case.status, case.version, case.operator_id, case.authority_id, case.due_at),
        (case.answered_at, case.closed_at),
        *[(h.action, h.from_status, h.to_status, h.actor_id, h.at, h.data) for h in history],
        *[
            (e.status, e.authority_id, e.question, e.due_at, e.answered_at, e.answered_by_id)
            for e in case.escalations.order_by("id")
        ],
        *[
            (a.kind, a.text, a.author_id, a.created_at, a.escalation is not None)
            for a in case.answers.order_by("id")
        ],
    ]


def test_the_commands_for_many_leave_what_the_commands_for_one_leave(
    operator, specialist, authority
):
    at = timezone.now() - timedelta(days=3)
    one, many = make_request(), [make_request() for _ in range(3)]
    moments = [at + timedelta(hours=h) for h in range(4)]
    services.request_take(request=one, by=operator, at=moments[0])
    services.request_escalate(
        request=one, by=operator, authority=authority, question="Вопрос", at=moments[1]
    )
    services.request_authority_answer(
        request=one, by=specialist, text="Ответ органа", at=moments[2]
    )
    services.request_answer(request=one, by=operator, text="Ответ", at=moments[3])
    services.request_close(request=one, by=operator, at=moments[3] + timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        services.request_take_many([services.Step(c, operator, moments[0]) for c in many])
    work = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(work) == 2, work  # one compare-and-set for all, their history rows
    services.request_escalate_many(
        [services.Escalating(c, operator, authority, moments[1], "Вопрос") for c in many]
    )
    services.request_authority_answer_many(
        [services.Step(c, specialist, moments[2], "Ответ органа") for c in many]
    )
    services.request_answer_many([services.Step(c, operator, moments[3], "Ответ") for c in many])
    services.request_close_many(
        [services.Step(c, operator, moments[3] + timedelta(hours=1)) for c in many]
    )
    expected = _rows(one)
    assert expected[0][0] == S.CLOSED
    for case in many:
        assert _rows(case) == expected
        assert case.version == Request.objects.get(pk=case.pk).version  # the copies kept up


def test_a_batch_with_one_request_in_the_wrong_status_moves_none(operator):
    ready, taken = make_request(), make_request(status=S.IN_PROGRESS, operator=operator)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_take_many(
            [
                services.Step(ready, operator, timezone.now()),
                services.Step(taken, operator, timezone.now()),
            ]
        )
    assert Request.objects.get(pk=ready.pk).status == S.REGISTERED
    assert not History.objects.filter(action="take", request=ready).exists()


def test_a_batch_with_one_request_changed_by_someone_else_moves_none(operator, operator2):
    first, second = make_request(), make_request()
    stale = Request.objects.get(pk=second.pk)
    services.request_take(request=second, by=operator2)  # someone else was faster
    with pytest.raises(services.ConcurrentChange):
        services.request_take_many(
            [
                services.Step(first, operator, timezone.now()),
                services.Step(stale, operator, timezone.now()),
            ]
        )
    assert Request.objects.get(pk=first.pk).status == S.REGISTERED
    assert Request.objects.get(pk=second.pk).operator == operator2


def test_a_batch_is_refused_to_a_role_that_may_not_take_the_step(operator, specialist):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    with pytest.raises(PermissionDenied):
        services.request_answer_many([services.Step(case, specialist, timezone.now(), "Ответ")])
    assert Request.objects.get(pk=case.pk).status == S.IN_PROGRESS


def test_the_authority_answers_only_what_is_escalated_to_it(operator, specialist, authority):
    escalated = make_request(status=S.IN_PROGRESS, operator=operator)
    services.request_escalate(request=escalated, by=operator, authority=authority)
    in_work = make_request(status=S.IN_PROGRESS, operator=operator)
    with pytest.raises(PermissionDenied):  # not with the specialist's authority
        services.request_authority_answer_many(
            [
                services.Step(escalated, specialist, timezone.now(), "Ответ"),
                services.Step(in_work, specialist, timezone.now(), "Ответ"),
            ]
        )
    assert escalated.escalations.get().status == "open"


def test_a_bulk_block_writes_its_history_in_the_order_asked(operator):
    cases = [make_request(), make_request()]
    with (
        transaction.atomic(),
        steps.bulk(batch_history=True, history_order=lambda row: row.request_id),
    ):
        for case in reversed(cases):
            services.request_take(request=case, by=operator)
        for case in reversed(cases):
            services.request_answer(request=case, by=operator, text="Ответ")
    rows = History.objects.filter(action__in=["take", "answer"]).order_by("id")
    assert [(row.request_id, row.action) for row in rows] == [
        (cases[0].pk, "take"),
        (cases[0].pk, "answer"),
        (cases[1].pk, "take"),
        (cases[1].pk, "answer"),
    ]


def test_ratings_for_many_rate_each_last_answer_once(
    applicant_user, other_applicant_user, operator
):
    at = timezone.now() - timedelta(days=1)
    mine = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    services.request_reopen(request=mine, by=operator, reason="Дополнить")
    services.request_answer(request=mine, by=operator, text="Дополненный ответ")
    theirs = make_request(
        applicant=other_applicant_user.applicant, status=S.CLOSED, operator=operator
    )
    ratings = services.request_rate_many(
        [
            services.Rate(mine, applicant_user, 5, at, "  Спасибо "),
            services.Rate(theirs, other_applicant_user, 2, at),
        ]
    )
    assert [(r.answer.text, r.score, r.comment) for r in Rating.objects.order_by("id")] == [
        ("Дополненный ответ", 5, "Спасибо"),
        ("Ответ заявителю.", 2, ""),
    ]
    assert [r.pk for r in ratings] == list(
        Rating.objects.order_by("id").values_list("pk", flat=True)
    )
    rows = History.objects.filter(action="rated").order_by("id")
    assert [(row.request_id, row.actor_id, row.data) for row in rows] == [
        (mine.pk, applicant_user.pk, {"score": 5}),
        (theirs.pk, other_applicant_user.pk, {"score": 2}),
    ]
    with pytest.raises(services.TransitionNotAllowed), transaction.atomic():
        services.request_rate_many([services.Rate(theirs, other_applicant_user, 3, at)])
    with pytest.raises(PermissionDenied):  # not their request
        services.request_rate_many([services.Rate(mine, other_applicant_user, 3, at)])
    assert Rating.objects.count() == 2
