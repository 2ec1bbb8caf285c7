"""The REST API of requests: creation, validation, listing, actions and their HTTP answers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stroydesk.accounts.models import Applicant, PersonalDataAccess
from stroydesk.cases.models import Attachment, History, Request
from stroydesk.cases.tests.factories import make_request

URL = "/api/v1/requests/"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def test_applicant_creates_a_request_for_themselves(api, applicant_user, topic):
    response = api(applicant_user).post(
        URL,
        {
            "subject": "Разрешение на строительство",
            "text": "Какие документы нужны?",
            "topic": topic.code,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("ЕКЦ-")
    assert body["status"] == "registered"
    assert body["channel"] == "api"
    assert body["topic"] == topic.code
    assert response["Location"] == body["url"] == f"{URL}{body['id']}/"
    assert Request.objects.get(pk=body["id"]).applicant.user == applicant_user
    detail = api(applicant_user).get(body["url"]).json()
    assert [h["action"] for h in detail["history"]] == ["register"]


def test_operator_registers_a_callers_request_matching_a_known_applicant(api, operator, directory):
    known = Applicant.objects.create(full_name="Сидоров П. П.", phone="+74951234567")
    response = api(operator).post(
        URL,
        {
            "subject": "Шум на стройке ночью",
            "text": "Работают после 23:00",
            "channel": "phone",
            "registered_at": "2026-11-20T10:15:00+03:00",
            "applicant": {"full_name": "Сидоров Пётр", "phone": "8 (495) 123-45-67"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Request.objects.get(pk=response.json()["id"])
    assert created.applicant == known
    assert created.channel == "phone"
    assert created.created_by == operator
    assert created.registered_at.isoformat() == "2026-11-20T07:15:00+00:00"


def test_developer_organisation_needs_valid_inn_and_ogrn(api, operator, directory):
    payload = {
        "subject": "ГПЗУ",
        "text": "Срок выдачи ГПЗУ",
        "channel": "phone",
        "applicant": {
            "full_name": "Петров А. А.",
            "email": "dev@example.ru",
            "kind": "developer",
            "organisation_name": "ООО «СтройИнвест»",
            "inn": "7707083894",  # check digit wrong (the valid one ends in 3)
            "ogrn": "1027700132195",
        },
    }
    response = api(operator).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "inn" in response.json()["errors"]
    assert not Request.objects.exists()
    payload["applicant"]["inn"] = "7707083893"
    assert api(operator).post(URL, payload, format="json").status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "Тема", "text": "Текст", "colour": "red"}, "colour"),
        ({"subject": "Тема", "text": "Текст", "topic": "no-such-topic"}, "topic"),
        ({"text": "Текст"}, "subject"),
        ({"subject": "Тема", "text": "Текст", "cadastral_number": "кадастр"}, "cadastral_number"),
        ({"subject": "Тема", "text": "Текст", "channel": "phone"}, "channel"),
    ],
)
def test_bad_input_is_refused_per_field(api, applicant_user, directory, payload, field):
    response = api(applicant_user).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["detail"]
    assert not Request.objects.exists()


def test_operator_must_say_who_the_caller_is(api, operator, directory):
    response = api(operator).post(URL, {"subject": "Тема", "text": "Текст"}, format="json")
    assert response.status_code == 400
    assert "applicant" in response.json()["errors"]


def test_attachment_is_stored_with_the_request(api, applicant_user, directory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("план.pdf", PDF, content_type="application/pdf")
    response = api(applicant_user).post(
        URL, {"subject": "Тема", "text": "Текст", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.original_name == "план.pdf"
    assert attachment.size == len(PDF)
    detail = api(applicant_user).get(response.json()["url"]).json()
    assert detail["attachments"][0]["original_name"] == "план.pdf"


def test_too_large_attachment_is_413_and_nothing_is_left(
    api, applicant_user, directory, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.pdf", PDF + b"x" * 200, content_type="application/pdf")
    response = api(applicant_user).post(
        URL, {"subject": "Тема", "text": "Текст", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 413
    assert "big.pdf" in response.json()["detail"]
    assert not Request.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))


def test_forbidden_attachment_type_is_400(api, applicant_user, directory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    exe = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    disguised = SimpleUploadedFile(
        "scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    for upload in (exe, disguised):
        response = api(applicant_user).post(
            URL, {"subject": "Тема", "text": "Текст", "attachments": [upload]}, format="multipart"
        )
        assert response.status_code == 400, response.content
    assert not Request.objects.exists()
    assert not any(tmp_path.rglob("*"))


def test_failed_registration_after_files_were_stored_removes_them(
    applicant_user, directory, settings, tmp_path, monkeypatch
):
    from stroydesk.cases import registration, services
    from stroydesk.cases.attachments import check_attachment

    settings.MEDIA_ROOT = tmp_path

    def broken_record(*args, **kwargs):
        raise RuntimeError("database went away")

    # The history row is written after the files are stored: it fails, the files must go.
    monkeypatch.setattr(registration, "record_many", broken_record)
    upload = SimpleUploadedFile("план.pdf", PDF)
    checked = check_attachment(name="план.pdf", size=len(PDF), file=upload)
    with pytest.raises(RuntimeError):
        services.request_register(
            applicant=applicant_user.applicant,
            channel="portal",
            subject="Тема",
            text="Текст",
            attachments=[checked],
        )
    assert not Request.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_wrong_state_transition_is_409_with_message(api, operator, applicant_user, directory):
    request = make_request(applicant=applicant_user.applicant)
    response = api(operator).post(f"{URL}{request.pk}/answer/", {"text": "Ответ"}, format="json")
    assert response.status_code == 409
    assert "Registered" in response.json()["detail"] or "Зарегистр" in response.json()["detail"]
    assert History.objects.filter(request=request).count() == 1


def test_escalate_through_the_api_shows_the_due_moment(api, operator, applicant_user, authority):
    request = make_request(
        applicant=applicant_user.applicant, status="in_progress", operator=operator
    )
    response = api(operator).post(
        f"{URL}{request.pk}/escalate/",
        {"authority": authority.code, "question": "Сроки?"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "escalated"
    assert body["due_at"].endswith("23:59:59+03:00")
    assert body["escalations"][0]["authority"]["code"] == authority.code
    assert body["history"][-1]["action"] == "escalate"


def test_unknown_authority_is_400(api, operator, applicant_user, directory):
    request = make_request(
        applicant=applicant_user.applicant, status="in_progress", operator=operator
    )
    response = api(operator).post(
        f"{URL}{request.pk}/escalate/", {"authority": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "authority" in response.json()["errors"]


def test_list_filters_and_cursor_pagination(api, operator, applicant_user, authority):
    escalated = make_request(
        applicant=applicant_user.applicant,
        status="escalated",
        operator=operator,
        authority=authority,
    )
    for _ in range(4):
        make_request(applicant=applicant_user.applicant)
    client = api(operator)
    page = client.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    second = client.get(page["next"]).json()
    third = client.get(second["next"]).json()
    seen = [r["id"] for r in page["results"] + second["results"] + third["results"]]
    assert len(seen) == len(set(seen)) == 5
    by_status = client.get(URL, {"status": "escalated"}).json()["results"]
    assert [r["id"] for r in by_status] == [escalated.pk]
    by_authority = client.get(URL, {"authority": authority.code}).json()["results"]
    assert [r["id"] for r in by_authority] == [escalated.pk]
    assert client.get(URL, {"overdue": "true"}).json()["results"] == []
    assert client.get(URL, {"q": escalated.number}).json()["results"][0]["id"] == escalated.pk
    assert client.get(URL, {"status": "bogus"}).status_code == 400
    assert (
        client.get(
            URL, {"registered_from": "2021-02-01", "registered_to": "2021-01-01"}
        ).status_code
        == 400
    )


def test_staff_reading_a_request_is_recorded(api, operator, applicant_user, directory):
    request = make_request(applicant=applicant_user.applicant)
    api(operator).get(f"{URL}{request.pk}/")
    api(applicant_user).get(f"{URL}{request.pk}/")
    accesses = list(PersonalDataAccess.objects.values_list("actor__username", "context"))
    assert accesses == [("operator", request.number)]


def test_token_authentication(api, applicant_user, directory):
    response = api().post(
        "/api/v1/auth/token/", {"username": "ivanov", "password": "pass-for-tests-1"}
    )
    token = response.json()["token"]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(URL).status_code == 200
    assert APIClient().get(URL).status_code in (401, 403)


def test_openapi_schema_and_docs_are_served(api, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/requests/{id}/escalate/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_specialist_may_not_register_a_request_on_someones_behalf(api, specialist, directory):
    before = Request.objects.count()
    response = api(specialist).post(
        URL,
        {
            "subject": "Чужое обращение",
            "text": "Задним числом",
            "channel": "phone",
            "registered_at": "2026-01-01T10:00:00+03:00",
            "applicant": {"full_name": "Иванов И. И.", "email": "victim@example.org"},
        },
        format="json",
    )
    assert response.status_code == 403, response.content
    assert Request.objects.count() == before


def test_intake_refuses_a_specialist_registering_on_behalf(specialist, directory):
    from django.core.exceptions import PermissionDenied

    from stroydesk.cases.intake import Contact, Intake, register_request

    intake = Intake(channel=Request.Channel.PHONE, subject="s", text="t")
    with pytest.raises(PermissionDenied):
        register_request(
            intake=intake, by=specialist, contact=Contact(full_name="Иванов", email="i@example.org")
        )
    assert not Request.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+03:00", "1999-12-31T10:00:00+03:00"])
def test_operator_may_not_back_date_before_the_production_calendar(api, operator, directory, when):
    response = api(operator).post(
        URL,
        {
            "subject": "Задним числом",
            "text": "Год первый",
            "channel": "phone",
            "registered_at": when,
            "applicant": {"full_name": "Иванов И. И.", "email": "i@example.org"},
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "registered_at" in response.json()["errors"]
    assert not Request.objects.exists()


def test_assign_to_a_unicode_digit_operator_is_a_400(api, supervisor, directory):
    case = make_request()
    response = api(supervisor).post(f"{URL}{case.pk}/assign/", {"operator": "²"}, format="json")
    assert response.status_code == 400, response.content
    assert "operator" in response.json()["errors"]


@pytest.mark.parametrize("param", ["registered_from", "registered_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_request_list_date_out_of_range_is_a_400(api, operator, param, day):
    response = api(operator).get(URL, {param: day})
    assert response.status_code == 400, response.content
    assert param in response.json()["errors"]


def test_every_step_answering_the_card_is_logged(api, operator, directory):
    """A step answers the full card with the contacts, so it is a reading like a GET."""
    request = make_request()
    response = api(operator).post(f"{URL}{request.pk}/take/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["applicant"]["email"] == request.applicant.email
    note = api(operator).post(f"{URL}{request.pk}/notes/", {"text": "Перезвонить"}, format="json")
    assert note.status_code == 200
    entries = list(PersonalDataAccess.objects.order_by("id").values_list("actor", "context"))
    assert entries == [(operator.pk, request.number)] * 2
