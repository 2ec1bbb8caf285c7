"""Consent to the processing of personal data: asked at sign-up and with each question from the
portal, recorded with the version of the wording shown and the moment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stroydesk.accounts import consents
from stroydesk.accounts.models import Consent, ConsentText, User
from stroydesk.cases.models import Request

SIGN_UP = {
    "kind": "resident",
    "last_name": "Сидоров",
    "first_name": "Пётр",
    "email": "sidorov@example.ru",
    "password1": "Stroy-2025-secret",
    "password2": "Stroy-2025-secret",
}
QUESTION = {"subject": "Разрешение", "text": "Как получить разрешение на строительство?"}


@pytest.mark.django_db
def test_sign_up_without_consent_is_refused_and_nothing_is_kept(client):
    response = client.post(reverse("portal:signup"), SIGN_UP)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"consent"}
    assert not User.objects.filter(username="sidorov@example.ru").exists()


@pytest.mark.django_db
def test_sign_up_shows_the_wording_and_records_its_version(client):
    version, text = consents.WORDINGS[ConsentText.Purpose.ACCOUNT][-1]
    page = client.get(reverse("portal:signup")).content.decode()
    assert text[:60] in page and f'value="{version}"' in page
    data = {**SIGN_UP, "consent": "on", "consent_version": version}
    assert client.post(reverse("portal:signup"), data).status_code == 302
    consent = Consent.objects.select_related("text", "applicant").get()
    assert consent.applicant.email == "sidorov@example.ru"
    assert (consent.text.purpose, consent.text.version) == ("account", version)
    assert consent.text.text == text  # the wording itself is on record, not only its number
    assert consent.given_at is not None and consent.context == "sign-up"


@pytest.mark.django_db
def test_a_forged_version_is_refused(client):
    data = {**SIGN_UP, "consent": "on", "consent_version": "1999-01-1"}
    response = client.post(reverse("portal:signup"), data)
    assert set(response.context["form"].errors) == {"consent_version"}
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_each_portal_question_records_the_consent(client, applicant_user, directory):
    client.force_login(applicant_user)
    refused = client.post(reverse("portal:ask"), QUESTION)
    assert set(refused.context["form"].errors) == {"consent"}
    assert not Request.objects.exists()
    assert client.post(reverse("portal:ask"), {**QUESTION, "consent": "on"}).status_code == 302
    created = Request.objects.get()
    consent = Consent.objects.select_related("text").get()
    assert consent.applicant_id == created.applicant_id
    assert consent.text.purpose == "request" and consent.context == created.number


@pytest.mark.django_db
def test_a_consent_keeps_the_wording_it_was_given_to(applicant_user, monkeypatch):
    applicant = applicant_user.applicant
    P = ConsentText.Purpose
    old_version, old_text = consents.WORDINGS[P.ACCOUNT][-1]
    first = consents.consent_record(applicant=applicant, purpose=P.ACCOUNT, version=old_version)
    newer = [*consents.WORDINGS[P.ACCOUNT], ("2099-01-1", "Новая редакция.")]
    monkeypatch.setitem(consents.WORDINGS, P.ACCOUNT, newer)
    second = consents.consent_record(applicant=applicant, purpose=P.ACCOUNT, version="2099-01-1")
    first.refresh_from_db()
    assert first.text.text == old_text and second.text.text == "Новая редакция."


@pytest.mark.django_db
def test_the_audit_page_counts_the_applicants_of_a_list(client, supervisor, operator):
    from stroydesk.accounts.audit import access_record
    from stroydesk.accounts.models import Applicant

    people = [Applicant.objects.create(full_name=f"Заявитель {i}", phone="") for i in range(3)]
    access_record(actor=operator, applicants=people, context="admin applicant list")
    client.force_login(supervisor)
    page = client.get(reverse("portal:audit"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Заявитель 0" in page and "и ещё 2" in page
