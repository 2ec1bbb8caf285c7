"""Search of requests: number fragments in any case, words in any form, applicants' contacts
for the center's staff only; the same in the operator's queue and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stroydesk.cases import services
from stroydesk.cases.search import parse_number, search_text_for
from stroydesk.cases.selectors import RequestFilters, request_list_for
from stroydesk.cases.tests.factories import ApplicantFactory, make_request

pytestmark = pytest.mark.django_db


def _found(user, query: str) -> list[int]:
    return list(
        request_list_for(user=user, filters=RequestFilters(query=query)).values_list(
            "pk", flat=True
        )
    )


def _register(subject: str, text: str, **applicant):
    return services.request_register(
        applicant=ApplicantFactory(**applicant), channel="portal", subject=subject, text=text
    )


@pytest.fixture
def permit(db):
    return _register(
        "Разрешение на строительство",
        "Какие документы нужны для получения разрешений на строительство склада?",
        full_name="Сидоров Пётр Ильич",
        email="sidorov@example.ru",
        phone="+74951112233",
    )


@pytest.fixture
def noise(db):
    return [
        _register(f"Вопрос о благоустройстве двора {n}", "Когда посадят деревья?") for n in range(3)
    ]


def test_search_text_holds_each_lemma_once():
    stored = search_text_for(subject="Разрешения", text="разрешение, РАЗРЕШЕНИЕМ на стройку")
    assert stored.startswith(" ") and stored.endswith(" ")
    assert stored.split().count("разрешение") == 1


@pytest.mark.parametrize(
    "query,sequence,year",
    [
        ("ЕКЦ-2026-000301", 301, 2026),
        ("екц-2026-000301", 301, 2026),
        ("2026-000301", 301, 2026),
        ("000301", 301, None),
        ("301", 301, None),
        (" екц 2026 301 ", 301, 2026),
    ],
)
def test_number_fragments_parse(query, sequence, year):
    number = parse_number(query)
    assert number is not None and (number.sequence, number.year) == (sequence, year)


@pytest.mark.parametrize("query", ["АБВ-2026-000301", "разрешение", "+7 495 111-22-33", ""])
def test_what_is_not_a_number(query):
    assert parse_number(query) is None


def test_number_fragments_find_the_request(operator, permit, noise):
    seq = permit.sequence
    for query in (
        permit.number,
        permit.number.lower(),
        f"{seq:06d}",
        str(seq),
        f"{permit.year}-{seq}",
    ):
        assert _found(operator, query) == [permit.pk], query


@pytest.mark.parametrize(
    "query",
    ["разрешение", "РАЗРЕШЕНИЕ", "Разрешения", "разрешением строительства", "склад", "разреш"],
)
def test_words_in_any_case_and_form_find_the_request(operator, permit, noise, query):
    assert _found(operator, query) == [permit.pk]


def test_every_word_must_match(operator, permit, noise):
    assert _found(operator, "разрешение деревья") == []
    assert len(_found(operator, "деревья")) == 3


@pytest.mark.parametrize(
    "query",
    ["Сидоров", "сидоров пётр", "sidorov@example.ru", "8 (495) 111-22-33", "+7 495 111-22-33"],
)
def test_staff_find_by_applicant_name_email_phone(operator, permit, noise, query):
    assert _found(operator, query) == [permit.pk]


def test_specialist_cannot_search_by_applicant_contacts(operator, specialist, authority, permit):
    services.request_take(request=permit, by=operator)
    services.request_escalate(request=permit, by=operator, authority=authority, question="?")
    assert _found(specialist, "разрешение") == [permit.pk]
    assert _found(specialist, "sidorov@example.ru") == []
    assert _found(specialist, "+7 495 111-22-33") == []


def test_applicant_searches_only_their_own(applicant_user, permit):
    own = make_request(applicant=applicant_user.applicant)
    assert _found(applicant_user, "разрешение") == [own.pk]
    assert _found(applicant_user, str(permit.sequence)) in ([], [own.pk])


def test_queue_and_api_search(client, api, operator, permit, noise):
    client.force_login(operator)
    page = client.get(reverse("portal:queue"), {"view": "all", "q": "РАЗРЕШЕНИЯ"}).context["page"]
    assert [c.pk for c in page.items] == [permit.pk]
    results = api(operator).get("/api/v1/requests/", {"q": f"{permit.sequence:06d}"}).json()
    assert [r["id"] for r in results["results"]] == [permit.pk]
