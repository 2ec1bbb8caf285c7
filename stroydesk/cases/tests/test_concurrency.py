"""Many hands at once: numbers stay unique and gap-free, one escalation wins.

These run on both databases with real threads and real connections: on PostgreSQL the row lock
of the counter and the compare-and-set decide; on SQLite the IMMEDIATE transactions queue.
"""

from __future__ import annotations

import pytest

from stroydesk.cases import services
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.tests.factories import ApplicantFactory, make_request
from stroydesk.core.testing import in_threads


@pytest.mark.django_db(transaction=True)
def test_parallel_registration_keeps_numbers_unique_and_gap_free():
    applicants = [ApplicantFactory() for _ in range(8)]

    def register(i: int) -> str:
        created = []
        for k in range(5):
            created.append(
                services.request_register(
                    applicant=applicants[i], channel="api", subject=f"Вопрос {i}-{k}", text="Текст"
                ).number
            )
        return created

    results, errors = in_threads(8, register)
    assert errors == []
    numbers = sorted(n for batch in results for n in batch)
    sequences = sorted(Request.objects.values_list("sequence", flat=True))
    assert len(numbers) == len(set(numbers)) == 40
    assert sequences == list(range(1, 41))


@pytest.mark.django_db(transaction=True)
def test_rolled_back_registration_gives_its_number_back(applicant_user):
    from django.db import transaction

    first = services.request_register(
        applicant=applicant_user.applicant, channel="api", subject="A", text="a"
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_register(
            applicant=applicant_user.applicant, channel="api", subject="B", text="b"
        )
        raise RuntimeError("the caller failed after registering")
    third = services.request_register(
        applicant=applicant_user.applicant, channel="api", subject="C", text="c"
    )
    assert third.sequence == first.sequence + 1


@pytest.mark.django_db(transaction=True)
def test_parallel_escalation_of_one_request_produces_one_escalation(
    operator, operator2, authority, other_authority, applicant_user
):
    request = make_request(
        applicant=applicant_user.applicant, status="in_progress", operator=operator
    )
    operators = [operator, operator2] * 3
    authorities = [authority, other_authority] * 3

    def escalate(i: int) -> str:
        fresh = Request.objects.get(pk=request.pk)
        try:
            services.request_escalate(request=fresh, by=operators[i], authority=authorities[i])
        except services.TransitionNotAllowed:
            return "conflict"
        return "won"

    results, errors = in_threads(6, escalate)
    assert errors == []
    assert sorted(results) == ["conflict"] * 5 + ["won"]
    assert Escalation.objects.filter(request=request).count() == 1
    assert History.objects.filter(request=request, action="escalate").count() == 1
    request.refresh_from_db()
    assert request.authority_id == Escalation.objects.get(request=request).authority_id


@pytest.mark.django_db(transaction=True)
def test_two_operators_through_the_api_one_gets_409(operator, operator2, authority, applicant_user):
    from rest_framework.test import APIClient

    request = make_request(
        applicant=applicant_user.applicant, status="in_progress", operator=operator
    )

    def act(i: int) -> int:
        client = APIClient()
        client.force_authenticate(user=[operator, operator2][i])
        if i == 0:
            url, body = f"/api/v1/requests/{request.pk}/escalate/", {"authority": authority.code}
        else:
            url, body = f"/api/v1/requests/{request.pk}/answer/", {"text": "Ответ"}
        return client.post(url, body, format="json").status_code

    results, errors = in_threads(2, act)
    assert errors == []
    assert sorted(results) in ([200, 409],)
    request.refresh_from_db()
    assert request.status in {"escalated", "answered"}
    assert History.objects.filter(request=request, action__in=["escalate", "answer"]).count() == 1
