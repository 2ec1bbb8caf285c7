"""Smaller things a first day tripped over: phones, the sign-in reason, one length limit, who
answered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stroydesk.cases import services
from stroydesk.cases.models import QUESTION_MAX_LENGTH
from stroydesk.cases.tests.factories import ApplicantFactory, make_request
from stroydesk.portal.forms import AskForm
from stroydesk.portal.templatetags.portal import phone


@pytest.mark.parametrize(
    "raw,shown",
    [("+74951112233", "+7 495 111-22-33"), ("", ""), ("+7495", "+7495"), ("12345", "12345")],
)
def test_phones_are_shown_grouped(raw, shown):
    assert phone(raw) == shown


@pytest.mark.django_db
def test_staff_card_shows_the_phone_grouped(client, operator):
    case = make_request(applicant=ApplicantFactory(phone="+74951112233"))
    client.force_login(operator)
    page = client.get(reverse("portal:desk_card", args=[case.pk])).content.decode()
    assert "+7 495 111-22-33" in page and "+74951112233" not in page


@pytest.mark.django_db
def test_anonymous_ask_lands_on_a_sign_in_that_says_why(client, directory):
    response = client.get(reverse("portal:ask"), follow=True, HTTP_ACCEPT_LANGUAGE="ru")
    page = response.content.decode()
    assert 'id="why-sign-in"' in page
    assert f'href="{reverse("portal:signup")}"' in page and f'href="{reverse("kb:index")}"' in page
    plain = client.get(reverse("portal:login")).content.decode()
    assert 'id="why-sign-in"' not in plain


@pytest.mark.django_db
def test_one_limit_for_the_question_with_a_counter_and_a_message(client, api, applicant_user):
    html = str(AskForm()["text"])
    assert "maxlength" not in html  # the browser cut a paste silently
    assert f'data-max-length="{QUESTION_MAX_LENGTH}"' in html
    too_long = "Я" * (QUESTION_MAX_LENGTH + 1)
    form = AskForm(data={"subject": "Тема", "text": too_long})
    assert not form.is_valid() and str(QUESTION_MAX_LENGTH) in str(form.errors["text"])
    response = api(applicant_user).post(
        "/api/v1/requests/", {"subject": "Тема", "text": too_long}, format="json"
    )
    assert response.status_code == 400 and "text" in response.json()["errors"]


@pytest.mark.django_db
def test_the_applicant_is_told_which_authority_answered(
    client, applicant_user, operator, specialist, authority
):
    case = make_request(
        applicant=applicant_user.applicant,
        status="under_review",
        operator=operator,
        authority=authority,
    )
    services.request_answer(request=case, by=operator, text="Ответ по существу.")
    own = make_request(applicant=applicant_user.applicant, status="answered", operator=operator)
    client.force_login(applicant_user)
    page = client.get(reverse("portal:my_request", args=[case.pk])).content.decode()
    assert authority.name in page
    page = client.get(reverse("portal:my_request", args=[own.pk])).content.decode()
    assert 'class="answer-source"' in page and authority.name not in page
