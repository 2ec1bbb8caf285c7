"""The applicant adds information (text and files) on the "My request" card; the operator sees it
on theirs. Files are checked as on the ask form; a refused one leaves nothing behind."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stroydesk.cases.models import Attachment, History, Request
from stroydesk.cases.tests.factories import make_request

S = Request.Status
TEXT = "Номер разрешения на строительство: 77-123-2024."

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant_client(client, applicant_user):
    client.force_login(applicant_user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case(applicant_user, operator) -> Request:
    return make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)


def _add(client, case: Request, **extra):
    return client.post(reverse("portal:my_request_add", args=[case.pk]), {"text": TEXT, **extra})


def _pdf(name: str = "permit.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 permit", "application/pdf")


def test_the_card_offers_to_add_information(applicant_client, case):
    body = applicant_client.get(reverse("portal:my_request", args=[case.pk])).content.decode()
    assert reverse("portal:my_request_add", args=[case.pk]) in body
    assert 'enctype="multipart/form-data"' in body


def test_applicant_adds_text_and_a_file_seen_by_both_sides(
    applicant_client, client, case, operator, media
):
    response = _add(applicant_client, case, attachments=[_pdf()])
    assert response.status_code == 302
    row = History.objects.filter(request=case).latest("id")
    assert (row.action, row.comment, row.is_public) == ("message", TEXT, True)
    assert row.data["channel"] == "portal"
    assert case.attachments.get().original_name == "permit.pdf"
    mine = applicant_client.get(response.url).content.decode()
    assert TEXT in mine and "permit.pdf" in mine
    client.force_login(operator)
    desk = client.get(reverse("portal:desk_card", args=[case.pk])).content.decode()
    assert TEXT in desk and "permit.pdf" in desk
    assert "Сообщение заявителя" in desk


def test_a_wrong_file_type_is_refused_with_a_message_and_nothing_is_stored(
    applicant_client, case, media
):
    before = History.objects.filter(request=case).count()
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = _add(applicant_client, case, attachments=[fake])
    assert response.status_code == 422
    errors = response.context["add_form"].errors["attachments"]
    assert "plan.pdf" in errors[0]
    body = response.content.decode()
    assert TEXT in body  # what was typed is kept
    assert "message-error" in body
    assert History.objects.filter(request=case).count() == before
    assert not Attachment.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_an_empty_text_is_refused_next_to_the_field(applicant_client, case):
    response = _add(applicant_client, case, text="  ")
    assert response.status_code == 422
    assert "text" in response.context["add_form"].errors
    assert not History.objects.filter(request=case, action="message").exists()


def test_while_waiting_for_the_applicant_it_is_the_clarification(
    applicant_client, applicant_user, operator, media
):
    case = make_request(
        applicant=applicant_user.applicant, status=S.WAITING_APPLICANT, operator=operator
    )
    card = applicant_client.get(reverse("portal:my_request", args=[case.pk])).content.decode()
    assert "Уточните адрес" in card
    assert card.count(reverse("portal:my_request_add", args=[case.pk])) == 1  # one form, not two
    response = _add(applicant_client, case, text="ул. Тверская, 13", attachments=[_pdf()])
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS
    assert History.objects.filter(request=case).latest("id").action == "clarify"
    assert case.attachments.count() == 1


def test_a_closed_request_offers_no_form_and_refuses_with_reopen(
    applicant_client, applicant_user, operator, media
):
    case = make_request(applicant=applicant_user.applicant, status=S.CLOSED, operator=operator)
    card = applicant_client.get(reverse("portal:my_request", args=[case.pk])).content.decode()
    assert reverse("portal:my_request_add", args=[case.pk]) not in card
    before = History.objects.filter(request=case).count()
    response = _add(applicant_client, case, attachments=[_pdf()])
    assert response.status_code == 302
    page = applicant_client.get(response.url).content.decode()
    assert "message-error" in page and "откройте обращение повторно" in page
    assert History.objects.filter(request=case).count() == before
    assert not Attachment.objects.exists()


def test_another_applicants_request_is_not_found(client, other_applicant_user, case):
    client.force_login(other_applicant_user)
    assert _add(client, case).status_code == 404
    assert not History.objects.filter(request=case, action="message").exists()


def test_staff_cannot_use_the_applicants_form(client, operator, case):
    client.force_login(operator)
    assert _add(client, case).status_code == 403
    assert not History.objects.filter(request=case, action="message").exists()
