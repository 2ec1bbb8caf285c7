"""The applicant's portal: sign-up, asking, my requests, and the steps on one request."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases import services
from stroydesk.cases.models import History, Rating, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.kb.models import SuggestionImpression
from stroydesk.notifications.models import OutgoingMessage

S = Request.Status
PASSWORD = "pass-for-tests-1"


@pytest.fixture
def applicant_client(client, applicant_user):
    client.force_login(applicant_user)
    return client


def _ask(client, **extra):
    data = {
        "subject": "Разрешение на строительство",
        "text": "Как получить разрешение?",
        "consent": "on",
        **extra,
    }
    return client.post(reverse("portal:ask"), data)


# --- Sign up and sign in -------------------------------------------------------------------


@pytest.mark.django_db
def test_resident_signs_up_and_confirms_the_email_before_asking(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:signup"),
            {
                "kind": "resident",
                "last_name": "Сидоров",
                "first_name": "Пётр",
                "email": "Sidorov@Example.ru",
                "phone": "8 (495) 123-45-67",
                "password1": "Stroy-2025-secret",
                "password2": "Stroy-2025-secret",
                "consent": "on",
            },
        )
    assert response.status_code == 302
    assert response.url == reverse("portal:signup_sent")
    user = User.objects.get(username="sidorov@example.ru")
    assert user.role == User.Role.APPLICANT
    assert user.applicant.phone == "+74951234567"
    assert user.email_confirmed_at is None
    # Not signed in until the link from the letter is followed.
    assert client.get(reverse("portal:ask")).status_code == 302
    (letter,) = mail.outbox
    link = next(line for line in letter.body.splitlines() if "/accounts/confirm/" in line)
    path = link[link.index("/accounts/confirm/") :]
    assert client.get(path).status_code == 200  # the page with the button
    response = client.post(path)  # the button: confirms, and the password then signs in
    assert response.url.startswith(reverse("portal:login"))
    assert client.get(reverse("portal:ask")).status_code == 302
    client.post(reverse("portal:login"), {"username": user.email, "password": "Stroy-2025-secret"})
    assert client.get(reverse("portal:ask")).status_code == 200


@pytest.mark.django_db
def test_developer_sign_up_checks_inn_and_ogrn_and_keeps_what_was_typed(client):
    data = {
        "kind": "developer",
        "last_name": "Кузнецов",
        "first_name": "Алексей",
        "email": "dev@example.ru",
        "organisation_name": "ООО «СтройИнвест»",
        "inn": "7707083894",  # wrong check digit
        "ogrn": "1027700132196",  # wrong check digit
        "password1": "Stroy-2025-secret",
        "password2": "Stroy-2025-secret",
        "consent": "on",
    }
    response = client.post(reverse("portal:signup"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"inn", "ogrn"}
    assert 'value="ООО «СтройИнвест»"' in response.content.decode()
    assert not User.objects.filter(username="dev@example.ru").exists()

    data.update(inn="7707083893", ogrn="1027700132195")
    assert client.post(reverse("portal:signup"), data).status_code == 302
    applicant = Applicant.objects.get(email="dev@example.ru")
    assert applicant.kind == Applicant.Kind.DEVELOPER
    assert applicant.inn == "7707083893"


@pytest.mark.django_db
def test_developer_needs_organisation_fields(client):
    response = client.post(
        reverse("portal:signup"),
        {
            "kind": "developer",
            "last_name": "А",
            "first_name": "Б",
            "email": "x@example.ru",
            "password1": "Stroy-2025-secret",
            "password2": "Stroy-2025-secret",
            "consent": "on",
        },
    )
    assert set(response.context["form"].errors) == {"organisation_name", "inn", "ogrn"}


@pytest.mark.django_db
def test_sign_up_refuses_a_taken_email_and_mismatched_passwords(client, applicant_user):
    User.objects.filter(pk=applicant_user.pk).update(username="ivanov@example.ru")
    response = client.post(
        reverse("portal:signup"),
        {
            "kind": "resident",
            "last_name": "И",
            "first_name": "И",
            "email": "IVANOV@example.ru",
            "password1": "Stroy-2025-secret",
            "password2": "Stroy-2025-other",
            "consent": "on",
        },
    )
    assert set(response.context["form"].errors) == {"email", "password2"}


@pytest.mark.django_db
def test_sign_in_by_email_lands_on_my_requests(client, applicant_user):
    User.objects.filter(pk=applicant_user.pk).update(username="ivanov@example.ru")
    response = client.post(
        reverse("portal:login"), {"username": "Ivanov@Example.RU", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("portal:my_requests")


@pytest.mark.django_db
def test_pages_need_sign_in(client):
    response = client.get(reverse("portal:ask"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


@pytest.mark.django_db
def test_staff_cannot_use_the_applicant_pages(client, operator):
    client.force_login(operator)
    assert client.get(reverse("portal:ask")).status_code == 403


# --- Asking ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ask_registers_a_portal_request_and_shows_number_and_promise(applicant_client, topic):
    response = _ask(applicant_client, topic=topic.pk, address="Москва, ул. Тверская, 1")
    assert response.status_code == 302
    created = Request.objects.get()
    assert created.channel == Request.Channel.PORTAL
    assert created.topic == topic
    page = applicant_client.get(response.url).content.decode()
    assert created.number in page
    assert "не позднее" in page  # the promised date, worded as a condition


@pytest.mark.django_db
def test_ask_records_the_knowledge_base_submission(applicant_client):
    applicant_client.get(reverse("portal:ask"))
    session_key = applicant_client.session.session_key
    SuggestionImpression.objects.create(session_key=session_key, query="разрешение")
    _ask(applicant_client)
    impression = SuggestionImpression.objects.get()
    assert impression.submitted_request_number == Request.objects.get().number


@pytest.mark.django_db
def test_ask_shows_errors_next_to_fields_and_keeps_the_text(applicant_client):
    response = _ask(applicant_client, subject="", cadastral_number="77-01")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "cadastral_number"}
    body = response.content.decode()
    assert "Как получить разрешение?" in body
    assert 'aria-invalid="true"' in body
    assert not Request.objects.exists()


@pytest.mark.django_db
def test_ask_refuses_a_wrong_file_type_with_a_message(applicant_client):
    fake_pdf = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = _ask(applicant_client, attachments=[fake_pdf])
    errors = response.context["form"].errors["attachments"]
    assert "plan.pdf" in errors[0]
    assert not Request.objects.exists()


@pytest.mark.django_db
def test_ask_refuses_a_file_over_the_limit(applicant_client, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 " + b"x" * 100, "application/pdf")
    response = _ask(applicant_client, attachments=[big])
    assert "scan.pdf" in response.context["form"].errors["attachments"][0]


@pytest.mark.django_db
def test_ask_stores_attachments_and_only_the_owner_downloads_them(
    applicant_client, client, other_applicant_user, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", "application/pdf")
    _ask(applicant_client, attachments=[pdf])
    attachment = Request.objects.get().attachments.get()
    url = reverse("portal:attachment", args=[attachment.pk])
    response = applicant_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    client.force_login(other_applicant_user)
    assert client.get(url).status_code == 404


# --- My requests and the card ----------------------------------------------------------------


@pytest.mark.django_db
def test_my_requests_lists_only_mine(applicant_client, applicant_user, other_applicant_user):
    mine = make_request(applicant=applicant_user.applicant, subject="Мой вопрос")
    make_request(applicant=other_applicant_user.applicant, subject="Чужой вопрос")
    body = applicant_client.get(reverse("portal:my_requests")).content.decode()
    assert mine.number in body
    assert "Чужой вопрос" not in body


@pytest.mark.django_db
def test_other_applicants_request_is_not_found(applicant_client, other_applicant_user):
    other = make_request(applicant=other_applicant_user.applicant)
    assert applicant_client.get(reverse("portal:my_request", args=[other.pk])).status_code == 404
    response = applicant_client.post(
        reverse("portal:my_request_rate", args=[other.pk]), {"score": 5}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_card_hides_internal_notes(applicant_client, applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)
    services.request_add_note(request=case, by=operator, text="Заявитель звонил трижды")
    body = applicant_client.get(reverse("portal:my_request", args=[case.pk])).content.decode()
    assert "Заявитель звонил трижды" not in body
    assert "Обращение" in body or case.number in body


@pytest.mark.django_db
def test_applicant_answers_a_clarification(applicant_client, applicant_user, operator):
    case = make_request(
        applicant=applicant_user.applicant, status=S.WAITING_APPLICANT, operator=operator
    )
    url = reverse("portal:my_request", args=[case.pk])
    assert "Уточните адрес" in applicant_client.get(url).content.decode()
    response = applicant_client.post(
        reverse("portal:my_request_add", args=[case.pk]), {"text": "ул. Тверская, 1"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_empty_clarification_is_refused_next_to_the_field(
    applicant_client, applicant_user, operator
):
    case = make_request(
        applicant=applicant_user.applicant, status=S.WAITING_APPLICANT, operator=operator
    )
    response = applicant_client.post(
        reverse("portal:my_request_add", args=[case.pk]), {"text": "  "}
    )
    assert response.status_code == 422
    assert "text" in response.context["add_form"].errors


@pytest.mark.django_db
def test_applicant_rates_the_answer_once(applicant_client, applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    url = reverse("portal:my_request_rate", args=[case.pk])
    response = applicant_client.post(url, {"score": 4, "comment": "Понятно, спасибо"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == (4, "Понятно, спасибо")
    assert History.objects.filter(request=case, action="rated").count() == 1
    again = applicant_client.post(url, {"score": 1}, HTTP_HX_REQUEST="true")
    assert again.status_code == 409
    assert Rating.objects.count() == 1


@pytest.mark.django_db
def test_rating_outside_1_to_5_is_refused(applicant_client, applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    response = applicant_client.post(
        reverse("portal:my_request_rate", args=[case.pk]), {"score": 9}
    )
    assert response.status_code == 422
    assert "score" in response.context["rate_form"].errors
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_reopen_within_the_window(applicant_client, applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    response = applicant_client.post(
        reverse("portal:my_request_reopen", args=[case.pk]), {"reason": "Не ответили про сроки"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_reopen_after_the_window_is_refused_with_a_message(
    applicant_client, applicant_user, operator, settings
):
    settings.REOPEN_WINDOW_WORKING_DAYS = 0
    case = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    Request.objects.filter(pk=case.pk).update(answered_at="2024-01-09T10:00:00+03:00")
    card = applicant_client.get(reverse("portal:my_request", args=[case.pk]))
    assert card.context["can_reopen"] is False
    response = applicant_client.post(
        reverse("portal:my_request_reopen", args=[case.pk]), {"reason": "Ещё вопрос"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.ANSWERED
    follow = applicant_client.get(response.url).content.decode()
    assert "message-error" in follow


@pytest.mark.django_db
def test_closing_from_the_wrong_status_is_a_409_for_htmx(applicant_client, applicant_user):
    case = make_request(applicant=applicant_user.applicant)
    response = applicant_client.post(
        reverse("portal:my_request_close", args=[case.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    assert "message-error" in response.content.decode()


@pytest.mark.django_db
def test_html_in_the_request_text_is_shown_as_text(applicant_client, applicant_user):
    services.request_register(
        applicant=applicant_user.applicant,
        channel="portal",
        subject="<b>bold</b>",
        text='<script>alert("x")</script><img src=x onerror=alert(1)>',
    )
    case = Request.objects.get()
    body = applicant_client.get(reverse("portal:my_request", args=[case.pk])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "<img src=x" not in body


# --- Track without an account -----------------------------------------------------------------


@pytest.mark.django_db
def test_track_by_number_and_emailed_code(
    client, applicant_user, django_capture_on_commit_callbacks
):
    case = make_request(applicant=applicant_user.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:track"), {"number": case.number.lower(), "email": "ivanov@example.ru"}
        )
    assert len(mail.outbox) == 1
    assert OutgoingMessage.objects.get(event="track_code").body == ""  # the code is not kept
    code = next(word for word in mail.outbox[0].body.split() if word.isdigit() and len(word) == 6)
    assert (
        client.post(
            reverse("portal:track_code"), {"code": "000000" if code != "000000" else "111111"}
        ).status_code
        == 200
    )
    response = client.post(reverse("portal:track_code"), {"code": code})
    assert response.status_code == 302
    assert case.number in client.get(reverse("portal:track_view")).content.decode()


@pytest.mark.django_db
def test_track_with_a_wrong_email_sends_nothing_and_reveals_nothing(
    client, applicant_user, django_capture_on_commit_callbacks
):
    case = make_request(applicant=applicant_user.applicant)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("portal:track"), {"number": case.number, "email": "stranger@example.ru"}
        )
    assert response.status_code == 302  # the same answer as for a match
    # The web request only queues the job, match or not: its timing tells nothing.
    assert len(queued) == 1
    for job in queued:
        job()
    assert mail.outbox == []
    # A guessed code gets nowhere: no letter was sent for this pair.
    assert client.post(reverse("portal:track_code"), {"code": "123456"}).status_code == 200
    assert client.get(reverse("portal:track_view")).status_code == 302
    assert client.get(reverse("portal:track_view")).status_code == 302


@pytest.mark.django_db
def test_my_requests_are_paged(applicant_client, applicant_user, monkeypatch):
    from stroydesk.portal import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    made = [make_request(applicant=applicant_user.applicant) for _ in range(3)]
    first = applicant_client.get(reverse("portal:my_requests")).context["page"]
    assert [c.pk for c in first.items] == [made[2].pk, made[1].pk]
    second = applicant_client.get(reverse("portal:my_requests"), {"cursor": first.next_cursor})
    assert [c.pk for c in second.context["page"].items] == [made[0].pk]


@pytest.mark.django_db
def test_password_reset_by_emailed_link(client, applicant_user, django_capture_on_commit_callbacks):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": applicant_user.email})
    (letter,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", letter.body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Novyi-parol-2025", "new_password2": "Novyi-parol-2025"},
    )
    assert response.status_code == 302
    applicant_user.refresh_from_db()
    assert applicant_user.check_password("Novyi-parol-2025")
