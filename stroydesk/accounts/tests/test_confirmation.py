"""E-mail confirmation at sign-up: the link works once and for a while, and until it is followed
the account cannot sign in by any way (nor use the API with a token); the letter goes from a
background job that gets only the account's id."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from stroydesk.accounts import services
from stroydesk.accounts.models import User
from stroydesk.accounts.selectors import user_awaiting_confirmation
from stroydesk.accounts.tokens import api_token_issue

PASSWORD = "Stroy-2025-secret"


def _fresh_email() -> str:
    # The resend limit counts per address in the shared cache (Redis on the PostgreSQL run):
    # an address of its own keeps each test from eating another's allowance.
    return f"{uuid.uuid4().hex[:12]}@example.ru"


def _unconfirmed(email: str | None = None) -> User:
    email = email or _fresh_email()
    return services.user_create(
        username=email,
        password=PASSWORD,
        role=User.Role.APPLICANT,
        email=email,
        first_name="Пётр",
        email_confirmed=False,
    )


def _link(user: User) -> dict[str, str]:
    return {
        "uidb64": services.signup_confirmation_uid(user=user),
        "token": services.signup_confirmation_token(user=user),
    }


def _refusal(**link: str) -> str:
    with pytest.raises(ValidationError) as refused:
        services.user_confirm_email(**link)
    return refused.value.code or ""


@pytest.mark.django_db
def test_checking_a_link_changes_nothing_and_refuses_what_confirming_would():
    user = _unconfirmed()
    link = _link(user)
    assert services.user_confirmation_check(**link) == user
    assert services.user_confirmation_check(**link) == user
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    services.user_confirm_email(**link)
    with pytest.raises(ValidationError) as refused:
        services.user_confirmation_check(**link)
    assert refused.value.code == "used"
    forged = {**link, "token": link["token"][:-2] + "xx"}
    with pytest.raises(ValidationError) as refused:
        services.user_confirmation_check(**forged)
    assert refused.value.code == "invalid"


@pytest.mark.django_db
def test_the_link_confirms_once_and_then_says_it_was_used():
    user = _unconfirmed()
    link = _link(user)
    confirmed = services.user_confirm_email(**link)
    assert confirmed == user
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    first = user.email_confirmed_at

    assert _refusal(**link) == "used"
    user.refresh_from_db()
    assert user.email_confirmed_at == first


@pytest.mark.django_db
def test_a_tampered_link_or_one_for_another_account_is_refused():
    user, other = _unconfirmed(), _unconfirmed()
    link = _link(user)
    token = link["token"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert _refusal(uidb64=link["uidb64"], token=forged) == "invalid"
    assert _refusal(uidb64=link["uidb64"], token="") == "invalid"
    # A genuine token of another account does not open this one.
    assert _refusal(uidb64=link["uidb64"], token=_link(other)["token"]) == "invalid"
    assert _refusal(uidb64="not-base64!", token=token) == "invalid"
    nobody = services.signup_confirmation_uid(user=User(pk=987654))
    assert _refusal(uidb64=nobody, token=token) == "invalid"
    user.refresh_from_db()
    assert user.email_confirmed_at is None


@pytest.mark.django_db
def test_an_expired_link_is_refused_with_its_own_message():
    user = _unconfirmed()
    link = _link(user)
    later = timezone.now() + services.EMAIL_CONFIRMATION_MAX_AGE + timedelta(minutes=1)
    with (
        time_machine.travel(later),
        translation.override("ru"),
        pytest.raises(ValidationError) as refused,
    ):
        services.user_confirm_email(**link)
    assert refused.value.code == "expired"
    assert "истёк" in refused.value.messages[0]
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    # Just inside the limit it still works.
    with time_machine.travel(later - timedelta(minutes=2)):
        services.user_confirm_email(**link)


@pytest.mark.django_db
def test_a_link_stops_working_when_the_address_changes():
    user = _unconfirmed()
    link = _link(user)
    User.objects.filter(pk=user.pk).update(email="someone-else@example.ru")
    assert _refusal(**link) == "invalid"


@pytest.mark.django_db
def test_a_blocked_account_cannot_be_confirmed():
    user = _unconfirmed()
    link = _link(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _refusal(**link) == "invalid"


@pytest.mark.django_db
def test_an_unconfirmed_account_cannot_sign_in_by_any_way(client):
    user = _unconfirmed()
    assert authenticate(username=user.username, password=PASSWORD) is None
    # Nor get an API token to ask through the REST API.
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "token" not in response.json()
    # Nor use a token it was given before.
    _, key = api_token_issue(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/topics/").status_code == 401
    # Nor sign in to the admin, staff or not.
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    # Nor keep a session opened some other way.
    client.force_login(user)
    assert client.get(reverse("portal:ask")).status_code == 302
    assert client.get("/admin/").status_code == 302

    services.user_confirm_email(**_link(user))
    assert authenticate(username=user.username, password=PASSWORD) == user
    assert api.get("/api/v1/topics/").status_code == 200
    client.logout()
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_an_api_token_stops_working_when_the_confirmation_is_cleared():
    user = services.user_create(
        username="api-user", password=PASSWORD, role=User.Role.APPLICANT, email="api@example.ru"
    )
    _, key = api_token_issue(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/topics/").status_code == 200

    # An administrator clears the confirmation: the token issued before it is refused.
    User.objects.filter(pk=user.pk).update(email_confirmed_at=None)
    with translation.override("en"):
        response = api.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="en")
    # A refused credential is 401 (with WWW-Authenticate), as every API sign-in failure.
    assert response.status_code == 401
    assert "e-mail is not confirmed" in response.json()["detail"]
    response = api.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 401
    assert "не подтверждена" in response.json()["detail"]
    # A wrong token is still refused as before, and a blocked account too.
    User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now(), is_active=False)
    assert api.get("/api/v1/topics/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get("/api/v1/topics/").status_code == 401


@pytest.mark.django_db
def test_the_sign_in_form_learns_of_an_unconfirmed_account_only_with_the_right_password():
    user = _unconfirmed()
    waiting = user_awaiting_confirmation(username=user.username, password=PASSWORD)
    assert waiting == user
    assert user_awaiting_confirmation(username=user.username, password="wrong-guess-1") is None
    services.user_confirm_email(**_link(user))
    assert user_awaiting_confirmation(username=user.username, password=PASSWORD) is None


@pytest.mark.django_db
def test_staff_and_accounts_made_by_commands_are_confirmed():
    operator = services.user_create(
        username="operator-x", password=PASSWORD, role=User.Role.OPERATOR
    )
    assert operator.email_confirmed_at is not None
    assert authenticate(username="operator-x", password=PASSWORD) == operator
    # createsuperuser and the admin go through the manager: confirmed by the field's default.
    admin = User.objects.create_superuser("root-x", "root@example.ru", PASSWORD)
    assert authenticate(username="root-x", password=PASSWORD) == admin


@pytest.mark.django_db
def test_the_letter_is_in_russian_then_english_and_its_link_confirms(
    settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://ekc.example.ru/"
    user = _unconfirmed()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_send_confirmation(user=user)
    (letter,) = mail.outbox
    assert letter.to == [user.email]
    assert "Подтвердите" in letter.subject and "Confirm" in letter.subject
    body = letter.body
    assert body.index("Здравствуйте") < body.index("Hello")
    assert "Ссылка действует один раз в течение 3 дней." in body
    assert "нажмите «Подтвердить адрес»" in body
    links = [w for w in body.split() if w.startswith("https://ekc.example.ru/accounts/confirm/")]
    assert len(links) == 2 and links[0] == links[1]
    path = links[0].removeprefix("https://ekc.example.ru")
    match = resolve(path)
    assert match.url_name == "signup_confirm"
    services.user_confirm_email(**match.kwargs)
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


@pytest.mark.django_db
def test_resend_mails_only_accounts_that_wait_and_answers_the_same_for_all(
    django_capture_on_commit_callbacks,
):
    waiting = _unconfirmed()
    confirmed = _unconfirmed()
    services.user_confirm_email(**_link(confirmed))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_resend_confirmation(email=_fresh_email()) is True
        assert services.user_resend_confirmation(email=confirmed.email) is True
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_resend_confirmation(email=f"  {waiting.email.upper()} ") is True
    (letter,) = mail.outbox
    assert letter.to == [waiting.email]


@pytest.mark.django_db
def test_resend_is_limited_per_address_whether_or_not_it_has_an_account(
    django_capture_on_commit_callbacks,
):
    waiting = _unconfirmed()
    nobody = _fresh_email()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(services.CONFIRMATION_RESEND_LIMIT):
            assert services.user_resend_confirmation(email=waiting.email) is True
            assert services.user_resend_confirmation(email=nobody) is True
        assert services.user_resend_confirmation(email=waiting.email) is False
        assert services.user_resend_confirmation(email=nobody) is False
    assert len(mail.outbox) == services.CONFIRMATION_RESEND_LIMIT
    # Another address is not held back by these.
    assert services.user_resend_confirmation(email=_fresh_email()) is True
