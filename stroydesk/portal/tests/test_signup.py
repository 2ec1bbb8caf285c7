"""Signing up on the portal: the account waits for its e-mail to be confirmed by a mailed link
(opening it shows a button; only the button's POST confirms, and it signs nobody in), the
sign-in form says so, and a new link can be asked for. Confirming brings the requests written
by e-mail before; a sign-up never confirmed expires; a password reset confirms too."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from stroydesk.accounts import services as accounts
from stroydesk.accounts.models import Applicant, User
from stroydesk.cases.intake import Contact, Intake, register_request
from stroydesk.cases.models import Request
from stroydesk.demo.cases import DEMO_PASSWORD

PASSWORD = "Stroy-2025-secret"


def _fresh_email() -> str:
    # The resend limit counts per address in the shared cache (Redis on the PostgreSQL run).
    return f"{uuid.uuid4().hex[:12]}@example.ru"


def _sign_up(client, capture, email: str):
    data = {
        "kind": "resident",
        "last_name": "Сидоров",
        "first_name": "Пётр",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    with capture(execute=True):
        return client.post(reverse("portal:signup"), data)


def _link_path(letter) -> str:
    line = next(line for line in letter.body.splitlines() if "/accounts/confirm/" in line)
    return line[line.index("/accounts/confirm/") :].strip()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


LOGIN_THEN_ASK = reverse("portal:login") + "?next=%2Fask%2F"


@pytest.mark.django_db
def test_sign_up_mails_the_link_whose_button_confirms_and_then_the_password_signs_in(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    response = _sign_up(client, django_capture_on_commit_callbacks, email)
    assert response.status_code == 302
    assert response.url == reverse("portal:signup_sent")
    page = client.get(response.url).content.decode()
    assert email in page
    assert f'value="{email}"' in page  # the resend form is filled in already
    assert "подтвердите адрес" in page
    assert client.get(reverse("portal:ask")).status_code == 302

    (letter,) = mail.outbox
    assert letter.to == [email]
    path = _link_path(letter)
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert email in body
    assert 'method="post"' in body and "csrfmiddlewaretoken" in body
    assert "Подтвердить адрес" in body

    response = client.post(path)
    assert response.status_code == 302
    assert response.url == LOGIN_THEN_ASK
    assert User.objects.get(username=email).email_confirmed_at is not None
    # Confirmed, not signed in: the password does that.
    assert not _signed_in(client)
    page = client.get(response.url)
    assert "Почта подтверждена. Войдите" in page.content.decode()
    response = client.post(
        LOGIN_THEN_ASK, {"username": email, "password": PASSWORD, "next": reverse("portal:ask")}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:ask")
    assert client.get(reverse("portal:ask")).status_code == 200


@pytest.mark.django_db
def test_opening_the_link_alone_confirms_nothing_and_signs_nobody_in(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, email)
    path = _link_path(mail.outbox[0])
    # A mail scanner opens the link, twice; a link checker only looks.
    scanner = Client()
    assert scanner.get(path).status_code == 200
    assert scanner.get(path).status_code == 200
    assert scanner.head(path).status_code == 405
    assert User.objects.get(username=email).email_confirmed_at is None
    assert not _signed_in(scanner)
    # The link still works for the person.
    assert client.post(path).url == LOGIN_THEN_ASK
    assert User.objects.get(username=email).email_confirmed_at is not None


@pytest.mark.django_db
def test_a_link_passed_on_to_someone_else_confirms_without_signing_them_in(
    client, django_capture_on_commit_callbacks, applicant_user
):
    # Someone signs up with their own mailbox and sends the link on to a signed-out victim.
    _sign_up(client, django_capture_on_commit_callbacks, _fresh_email())
    path = _link_path(mail.outbox[0])
    victim = Client()
    victim.get(path)
    response = victim.post(path)
    assert response.status_code == 302
    assert not _signed_in(victim)
    assert victim.get(reverse("portal:ask")).status_code == 302
    # A victim already signed in stays in their own account.
    victim.force_login(applicant_user)
    _sign_up(Client(), django_capture_on_commit_callbacks, _fresh_email())
    victim.post(_link_path(mail.outbox[1]))
    assert int(victim.session["_auth_user_id"]) == applicant_user.pk


@pytest.mark.django_db
def test_confirming_needs_the_csrf_token_of_the_page(django_capture_on_commit_callbacks):
    email = _fresh_email()
    browser = Client(enforce_csrf_checks=True)
    _sign_up(Client(), django_capture_on_commit_callbacks, email)
    path = _link_path(mail.outbox[0])
    # A page elsewhere cannot post the form for the person.
    assert browser.post(path).status_code == 403
    assert User.objects.get(username=email).email_confirmed_at is None

    page = browser.get(path)
    token = page.context["csrf_token"]
    assert browser.post(path, {"csrfmiddlewaretoken": token}).status_code == 302
    assert User.objects.get(username=email).email_confirmed_at is not None


@pytest.mark.django_db
def test_a_used_link_says_so_and_signs_nobody_in(client, django_capture_on_commit_callbacks):
    email = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, email)
    path = _link_path(mail.outbox[0])
    assert client.post(path).status_code == 302
    first = User.objects.get(username=email).email_confirmed_at

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert response.context["reason"] == "used"
        assert reverse("portal:login") in response.content.decode()
    assert not _signed_in(client)
    assert User.objects.get(username=email).email_confirmed_at == first


@pytest.mark.django_db
def test_tampered_and_expired_links_say_what_happened_and_offer_a_new_one(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, email)
    path = _link_path(mail.outbox[0])

    tampered = path.rstrip("/")[:-3] + "xyz/"
    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 400
        assert response.context["reason"] == "invalid"
        body = response.content.decode()
        assert "неверна или неполна" in body
        assert f'action="{reverse("portal:signup_sent")}"' in body

    later = timezone.now() + accounts.EMAIL_CONFIRMATION_MAX_AGE + timedelta(hours=1)
    with time_machine.travel(later):
        responses = (client.get(path), client.post(path))
    for response in responses:
        assert response.status_code == 400
        assert response.context["reason"] == "expired"
        assert "истёк" in response.content.decode()
    assert client.get(reverse("portal:ask")).status_code == 302
    assert User.objects.get(username=email).email_confirmed_at is None


@pytest.mark.django_db
def test_signing_in_unconfirmed_says_why_and_offers_a_new_link(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, email)
    client.logout()
    mail.outbox.clear()

    response = client.post(reverse("portal:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.non_field_errors().as_data()] == ["unconfirmed"]
    body = response.content.decode()
    assert "ещё не подтверждена" in body
    assert 'id="resend-confirmation"' in body
    assert f'name="email" value="{email}"' in body
    assert f'name="username" value="{email}"' in body  # what was typed stays

    # The offered button sends a new link.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:signup_sent"), {"email": email})
    assert response.status_code == 302
    (letter,) = mail.outbox
    assert client.post(_link_path(letter)).url == LOGIN_THEN_ASK


@pytest.mark.django_db
def test_a_wrong_password_does_not_reveal_an_unconfirmed_account(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, email)
    client.logout()
    response = client.post(reverse("portal:login"), {"username": email, "password": "wrong-1x"})
    form = response.context["form"]
    assert [e.code for e in form.non_field_errors().as_data()] == ["invalid_login"]
    assert 'id="resend-confirmation"' not in response.content.decode()


@pytest.mark.django_db
def test_resend_answers_the_same_for_unknown_confirmed_and_waiting_addresses(
    client, django_capture_on_commit_callbacks, applicant_user
):
    waiting = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, waiting)
    client.logout()
    mail.outbox.clear()
    answers = []
    for email in (_fresh_email(), applicant_user.email, waiting):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("portal:signup_sent"), {"email": email}, follow=True)
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1] == answers[2]
    assert "новая ссылка уже отправлена" in answers[0][0]
    (letter,) = mail.outbox
    assert letter.to == [waiting]


@pytest.mark.django_db
def test_resend_form_shows_errors_next_to_the_field_and_keeps_the_input(client):
    response = client.post(reverse("portal:signup_sent"), {"email": "not-an-address"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email"}
    body = response.content.decode()
    assert 'id="id_email_errors"' in body
    assert 'value="not-an-address"' in body


@pytest.mark.django_db
def test_resend_is_limited_and_says_so_next_to_the_field(client):
    email = _fresh_email()
    for _ in range(accounts.CONFIRMATION_RESEND_LIMIT):
        assert client.post(reverse("portal:signup_sent"), {"email": email}).status_code == 302
    response = client.post(reverse("portal:signup_sent"), {"email": email})
    assert response.status_code == 200
    errors = response.context["form"].errors["email"]
    assert "несколько раз" in errors[0]
    assert f'value="{email}"' in response.content.decode()


@pytest.mark.long
@pytest.mark.django_db
def test_demo_accounts_can_sign_in_without_confirming(directory):
    call_command("demo_data", requests=1, seed=3, stdout=StringIO())
    for username in ("applicant", "developer", "operator", "specialist", "supervisor", "admin"):
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username


# --- The earlier record, the expiry of unconfirmed sign-ups, and the password reset ----------


def _written_by_email(email: str, subject: str = "Забор на стройке") -> Request:
    intake = Intake(channel=Request.Channel.EMAIL, subject=subject, text="Стоит забор.")
    return register_request(intake=intake, contact=Contact(full_name="П. Сидоров", email=email))


def _my_requests(client) -> str:
    response = client.get(reverse("portal:my_requests"))
    assert response.status_code == 200
    return response.content.decode()


def _sign_in(client, email: str) -> None:
    response = client.post(reverse("portal:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302, "signing in failed"


@pytest.mark.django_db
def test_a_request_written_by_email_appears_in_my_requests_only_after_confirming(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    earlier = _written_by_email(email)
    _sign_up(client, django_capture_on_commit_callbacks, email.upper())
    user = User.objects.get(username=email)
    # Signed up, not confirmed: not linked, and no way in to look.
    earlier.applicant.refresh_from_db()
    assert earlier.applicant.user is None
    client.force_login(user)
    assert client.get(reverse("portal:my_requests")).status_code == 302

    client.post(_link_path(mail.outbox[0]))
    _sign_in(client, email)
    body = _my_requests(client)
    assert earlier.number in body
    # What the person asks now is filed under the same record, next to the earlier request.
    assert Applicant.objects.filter(user=user).get() == earlier.applicant


@pytest.mark.django_db
def test_a_stranger_signing_up_with_the_address_sees_nothing_and_the_owner_gets_it_back(
    client, django_capture_on_commit_callbacks, settings
):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    email = _fresh_email()
    earlier = _written_by_email(email)
    _sign_up(client, django_capture_on_commit_callbacks, email)
    stranger = User.objects.get(username=email)
    client.post(reverse("portal:login"), {"username": email, "password": PASSWORD})
    assert not _signed_in(client)
    assert client.get(reverse("portal:my_requests")).status_code == 302
    # The owner writes again meanwhile: filed under their record, not the stranger's sign-up.
    again = _written_by_email(email, subject="Шум ночью")
    assert again.applicant == earlier.applicant
    earlier.applicant.refresh_from_db()
    assert earlier.applicant.user is None

    # The owner cannot sign up while the stranger's account waits...
    owner = Client()
    mail.outbox.clear()
    response = _sign_up(owner, django_capture_on_commit_callbacks, email)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    # ...until it expires; then the address is theirs to sign up with.
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1)):
        call_command("purge_unconfirmed", stdout=StringIO())
    assert not User.objects.filter(pk=stranger.pk).exists()
    assert _sign_up(owner, django_capture_on_commit_callbacks, email).status_code == 302
    owner.post(_link_path(mail.outbox[-1]))
    _sign_in(owner, email)
    body = _my_requests(owner)
    assert earlier.number in body and again.number in body


def _reset_link(client, email: str) -> str:
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": email})
    (letter,) = mail.outbox
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", letter.body).group(1)


@pytest.mark.django_db
def test_resetting_the_password_by_the_mailed_link_confirms_the_email(
    client, django_capture_on_commit_callbacks
):
    email = _fresh_email()
    earlier = _written_by_email(email)
    _sign_up(client, django_capture_on_commit_callbacks, email)
    # The sign-up letter is lost; the person resets the password instead.
    form_page = client.get(_reset_link(client, email), follow=True)
    new = {"new_password1": "Novyi-parol-2025", "new_password2": "Novyi-parol-2025"}
    response = client.post(form_page.redirect_chain[-1][0], new)
    assert response.url == reverse("portal:password_reset_complete")
    user = User.objects.get(username=email)
    assert user.email_confirmed_at is not None
    assert authenticate(username=email, password="Novyi-parol-2025") == user
    client.post(reverse("portal:login"), {"username": email, "password": "Novyi-parol-2025"})
    assert earlier.number in _my_requests(client)


@pytest.mark.django_db
def test_a_wrong_or_abandoned_reset_confirms_nothing(client, django_capture_on_commit_callbacks):
    email = _fresh_email()
    _sign_up(client, django_capture_on_commit_callbacks, email)
    link = _reset_link(client, email)
    forged = link.rstrip("/")[:-3] + "xyz/"
    response = client.get(forged, follow=True)
    assert response.context["validlink"] is False
    form_page = client.get(link, follow=True)
    # Opening the link, or posting a password the form refuses, confirms nothing.
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "a", "new_password2": "b"}
    )
    assert response.status_code == 200
    assert User.objects.get(username=email).email_confirmed_at is None


@pytest.mark.django_db
def test_the_check_your_mail_page_says_when_an_unconfirmed_account_goes(client, settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    body = client.get(reverse("portal:signup_sent")).content.decode()
    assert "Если не подтвердить адрес в течение 7 дней, учётная запись удаляется" in body
