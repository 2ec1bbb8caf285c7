"""The transition matrix: every action from every status, allowed or refused, with its history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from stroydesk.accounts.models import User
from stroydesk.cases import services
from stroydesk.cases.lifecycle import TRANSITIONS
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.tests.factories import make_request

S = Request.Status
ALL_STATUSES = [s.value for s in S]


@pytest.fixture
def cast(operator, operator2, specialist, authority, other_authority, applicant_user):
    """Who performs each action, and how."""

    def run(action: str, request: Request) -> Callable[[], object]:
        calls: dict[str, Callable[[], object]] = {
            "take": lambda: services.request_take(request=request, by=operator),
            "assign": lambda: services.request_assign(
                request=request, by=operator, operator=operator2
            ),
            "answer": lambda: services.request_answer(request=request, by=operator, text="Ответ"),
            "escalate": lambda: services.request_escalate(
                request=request, by=operator, authority=authority, question="Вопрос"
            ),
            "reassign": lambda: services.request_reassign(
                request=request, by=operator, authority=other_authority, reason="Не тот орган"
            ),
            "authority_answer": lambda: services.request_authority_answer(
                request=request, by=specialist, text="Ответ органа"
            ),
            "decline": lambda: services.request_decline(
                request=request, by=specialist, reason="Не наша компетенция"
            ),
            "send_back": lambda: services.request_send_back(
                request=request, by=operator, comment="Неполный ответ"
            ),
            "authority_query": lambda: services.request_authority_query(
                request=request, by=specialist, question="Какой дом имеется в виду?"
            ),
            "authority_query_reply": lambda: _reply_to_a_question(request, operator),
            "ask_clarification": lambda: services.request_ask_clarification(
                request=request, by=operator, question="Уточните адрес"
            ),
            "clarify": lambda: services.request_clarify(
                request=request, by=applicant_user, text="Адрес: ул. Тверская, 13"
            ),
            "close": lambda: services.request_close(request=request, by=operator),
            "reopen": lambda: services.request_reopen(
                request=request, by=applicant_user, reason="Ответ неполный"
            ),
        }
        return calls[action]

    return run


def _reply_to_a_question(request: Request, operator: User) -> object:
    """The reply needs an open question; it is put on the open escalation (if any) directly, so
    that the reply is the only step the matrix sees."""
    Escalation.objects.filter(request=request, status="open").update(
        query="Какой дом?", query_asked_at=timezone.now()
    )
    return services.request_authority_query_reply(
        request=request, by=operator, text="Дом 13 по ул. Тверской"
    )


def _request_in(status: str, *, applicant_user, operator, authority) -> Request:
    return make_request(
        applicant=applicant_user.applicant, status=status, operator=operator, authority=authority
    )


def test_every_action_is_in_the_matrix(cast):
    assert set(TRANSITIONS) == {
        "take",
        "assign",
        "answer",
        "escalate",
        "reassign",
        "authority_answer",
        "decline",
        "send_back",
        "authority_query",
        "authority_query_reply",
        "ask_clarification",
        "clarify",
        "close",
        "reopen",
    }


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_transition_matrix(status, action, cast, applicant_user, operator, authority, specialist):
    request = _request_in(
        status, applicant_user=applicant_user, operator=operator, authority=authority
    )
    transition = TRANSITIONS[action]
    history_before = History.objects.filter(request=request).count()
    version_before = request.version
    if status in transition.sources:
        cast(action, request)()
        request.refresh_from_db()
        # The factory pauses from in_progress, so a clarification returns there; assigning
        # moves only a new request (into work), any other keeps its status.
        expected = transition.target or S.IN_PROGRESS
        if action == "assign" and status != S.REGISTERED:
            expected = status
        assert request.status == expected
        assert request.version == version_before + 1
        last = History.objects.filter(request=request).latest("at", "id")
        assert (last.action, last.from_status, last.to_status) == (action, status, expected)
        assert History.objects.filter(request=request).count() == history_before + 1
    else:
        # A specialist is refused earlier on a request that is with no authority at all.
        refusal = (
            PermissionDenied
            if action in {"authority_answer", "decline", "authority_query"}
            and request.authority_id is None
            else services.TransitionNotAllowed
        )
        with pytest.raises(refusal):
            cast(action, request)()
        request.refresh_from_db()
        assert request.status == status
        assert request.version == version_before
        assert History.objects.filter(request=request).count() == history_before


def test_clarify_returns_to_escalated_when_paused_from_there(
    operator, authority, specialist, applicant_user
):
    request = _request_in(
        S.ESCALATED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    services.request_ask_clarification(request=request, by=operator, question="Кадастровый номер?")
    assert Escalation.objects.get(request=request, status="open").paused_at is not None
    services.request_clarify(request=request, by=applicant_user, text="77:01:0001001:1234")
    request.refresh_from_db()
    assert request.status == S.ESCALATED
    assert request.paused_status == ""
    assert Escalation.objects.get(request=request, status="open").paused_at is None


def test_full_path_with_review_records_every_step(operator, specialist, authority, applicant_user):
    request = _request_in(
        S.REGISTERED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    services.request_take(request=request, by=operator)
    services.request_escalate(request=request, by=operator, authority=authority)
    services.request_authority_answer(request=request, by=specialist, text="Черновик")
    services.request_send_back(request=request, by=operator, comment="Нет ссылки на закон")
    services.request_authority_answer(request=request, by=specialist, text="Ответ со ссылкой")
    services.request_answer(request=request, by=operator, text="Итоговый ответ")
    services.request_close(request=request, by=applicant_user)
    actions = list(History.objects.filter(request=request).values_list("action", "actor__username"))
    assert actions == [
        ("register", None),
        ("take", "operator"),
        ("escalate", "operator"),
        ("authority_answer", "specialist"),
        ("send_back", "operator"),
        ("authority_answer", "specialist"),
        ("answer", "operator"),
        ("close", "ivanov"),
    ]
    escalation = Escalation.objects.get(request=request)
    assert escalation.status == Escalation.Status.ANSWERED
    assert escalation.answered_at is not None


def test_reassign_keeps_the_due_moment_and_the_reason(
    operator, authority, other_authority, applicant_user
):
    request = _request_in(
        S.ESCALATED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    first = Escalation.objects.get(request=request)
    services.request_reassign(
        request=request, by=operator, authority=other_authority, reason="Вопрос о ГПЗУ"
    )
    request.refresh_from_db()
    first.refresh_from_db()
    current = Escalation.objects.get(request=request, status="open")
    assert request.authority == other_authority
    assert current.authority == other_authority
    assert current.due_at == first.due_at == request.due_at
    assert first.status == Escalation.Status.REASSIGNED
    assert first.closing_reason == "Вопрос о ГПЗУ"
    assert History.objects.filter(
        request=request, action="reassign", comment="Вопрос о ГПЗУ"
    ).exists()


def test_decline_returns_to_operator_with_reason(operator, specialist, authority, applicant_user):
    request = _request_in(
        S.ESCALATED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    services.request_decline(request=request, by=specialist, reason="Вопрос ОАТИ")
    request.refresh_from_db()
    assert request.status == S.IN_PROGRESS
    assert request.authority is None and request.due_at is None
    escalation = Escalation.objects.get(request=request)
    assert (escalation.status, escalation.closing_reason) == ("returned", "Вопрос ОАТИ")


def test_specialist_of_other_authority_cannot_answer(
    operator, other_specialist, authority, applicant_user
):
    request = _request_in(
        S.ESCALATED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    with pytest.raises(PermissionDenied):
        services.request_authority_answer(request=request, by=other_specialist, text="Ответ")
    request.refresh_from_db()
    assert request.status == S.ESCALATED


def test_applicant_cannot_act_on_someone_elses_request(
    operator, authority, applicant_user, other_applicant_user
):
    request = _request_in(
        S.ANSWERED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    with pytest.raises(PermissionDenied):
        services.request_reopen(request=request, by=other_applicant_user, reason="Хочу")


def test_applicant_cannot_escalate(operator, authority, applicant_user):
    request = _request_in(
        S.IN_PROGRESS, applicant_user=applicant_user, operator=operator, authority=authority
    )
    with pytest.raises(PermissionDenied):
        services.request_escalate(request=request, by=applicant_user, authority=authority)


def test_stale_copy_loses_to_the_first_writer(operator, operator2, authority, applicant_user):
    request = _request_in(
        S.IN_PROGRESS, applicant_user=applicant_user, operator=operator, authority=authority
    )
    stale = Request.objects.get(pk=request.pk)
    services.request_escalate(request=request, by=operator, authority=authority)
    with pytest.raises(services.ConcurrentChange):
        services.request_answer(request=stale, by=operator2, text="Ответ")
    assert Escalation.objects.filter(request=request).count() == 1
    assert not History.objects.filter(request=request, action="answer").exists()


def test_history_is_append_only(operator, authority, applicant_user):
    request = _request_in(
        S.IN_PROGRESS, applicant_user=applicant_user, operator=operator, authority=authority
    )
    entry = History.objects.filter(request=request).first()
    entry.comment = "переписано"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_empty_answer_is_refused_and_changes_nothing(operator, authority, applicant_user):
    from django.core.exceptions import ValidationError

    request = _request_in(
        S.IN_PROGRESS, applicant_user=applicant_user, operator=operator, authority=authority
    )
    with pytest.raises(ValidationError):
        services.request_answer(request=request, by=operator, text="   ")
    request.refresh_from_db()
    assert request.status == S.IN_PROGRESS


def test_notes_are_internal(operator, authority, applicant_user):
    request = _request_in(
        S.IN_PROGRESS, applicant_user=applicant_user, operator=operator, authority=authority
    )
    note = services.request_add_note(request=request, by=operator, text="Звонил, не дозвонилась")
    assert note.is_public is False
    with pytest.raises(PermissionDenied):
        services.request_add_note(request=request, by=applicant_user, text="x")


@pytest.mark.parametrize("role", [User.Role.SPECIALIST, User.Role.APPLICANT])
def test_roles_outside_the_center_cannot_take(
    role, operator, authority, applicant_user, specialist
):
    request = _request_in(
        S.REGISTERED, applicant_user=applicant_user, operator=operator, authority=authority
    )
    by = specialist if role == User.Role.SPECIALIST else applicant_user
    with pytest.raises(PermissionDenied):
        services.request_take(request=request, by=by)
