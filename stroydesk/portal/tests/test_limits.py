"""Hole 10 and the portal's rate limits: the tracking code's tries hold under parallel guesses,
letters are throttled per address, and the public forms answer 429 with Retry-After."""

from __future__ import annotations

import copy

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.urls import reverse

from stroydesk.cases.tests.factories import make_request
from stroydesk.core.ratelimit import Limit
from stroydesk.portal import services
from stroydesk.portal.views import applicant as applicant_views
from stroydesk.portal.views import public


@pytest.mark.django_db
def test_parallel_guesses_with_one_session_are_each_counted(
    applicant_user, monkeypatch, django_capture_on_commit_callbacks
):
    """Ten requests sent at once with one session cookie each load the session as it was
    before any of them saved it. With the count of tries kept in the session, every one saw
    0 tries and was allowed to compare its code; the count in the shared cache gives each a
    number of its own, so only the first five compare, and a right code in the eleventh
    is refused."""
    case = make_request(applicant=applicant_user.applicant)
    monkeypatch.setattr(services.secrets, "randbelow", lambda _n: 424242)
    session = SessionStore()
    with django_capture_on_commit_callbacks(execute=False):
        services.track_code_send(session=session, number=case.number, email="ivanov@example.ru")
    loaded_at_once = [copy.deepcopy(dict(session)) for _ in range(11)]
    outcomes = [
        services.track_code_check(session=copy_, code="000000")  # type: ignore[arg-type]
        for copy_ in loaded_at_once[:10]
    ]
    assert outcomes == [False] * 10
    assert services.track_code_check(session=loaded_at_once[10], code="424242") is False  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_new_code_in_each_session_does_not_give_more_guesses(
    applicant_user, monkeypatch, django_capture_on_commit_callbacks, settings
):
    """Asking a fresh code (in a fresh session) per five guesses gave unlimited tries at one
    request: the guesses per request are counted across sessions."""
    case = make_request(applicant=applicant_user.applicant)
    monkeypatch.setattr(services, "TRACK_LETTERS_PER_ADDRESS", Limit("tl", 100, 900))
    monkeypatch.setattr(services, "TRACK_LETTERS_PER_NUMBER", Limit("tn", 100, 900))
    monkeypatch.setattr(services.secrets, "randbelow", lambda _n: 424242)
    tried = 0
    for _ in range(3):
        session = SessionStore()
        with django_capture_on_commit_callbacks(execute=False):
            services.track_code_send(session=session, number=case.number, email="ivanov@example.ru")
        for _ in range(services.TRACK_MAX_ATTEMPTS - 1):
            services.track_code_check(session=session, code="000000")  # type: ignore[arg-type]
            tried += 1
    assert tried > services.TRACK_GUESSES_PER_NUMBER.count
    session = SessionStore()
    with django_capture_on_commit_callbacks(execute=False):
        services.track_code_send(session=session, number=case.number, email="ivanov@example.ru")
    assert services.track_code_check(session=session, code="424242") is False  # type: ignore[arg-type]


@pytest.mark.django_db
def test_tracking_letters_are_limited_per_address(
    client, applicant_user, django_capture_on_commit_callbacks
):
    case = make_request(applicant=applicant_user.applicant)
    data = {"number": case.number, "email": "ivanov@example.ru"}
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(services.TRACK_LETTERS_PER_ADDRESS.count):
            assert client.post(reverse("portal:track"), data).status_code == 302
        refused = client.post(reverse("portal:track"), data)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 900
    assert len(mail.outbox) == services.TRACK_LETTERS_PER_ADDRESS.count
    # From another address too: the limit is per request number as well.
    other = client.post(reverse("portal:track"), {**data, "email": "x@example.ru"})
    assert other.status_code == 429


@pytest.mark.django_db
def test_password_reset_letters_are_limited_per_address(
    client, applicant_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            response = client.post(reverse("portal:password_reset"), {"email": "IVANOV@example.ru"})
            assert response.status_code == 302  # the same answer, letter or not
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_sign_up_letter_counts_with_the_resends(client, django_capture_on_commit_callbacks):
    data = {
        "kind": "resident",
        "last_name": "Сидоров",
        "first_name": "Пётр",
        "email": "sidorov@example.ru",
        "password1": "Dlinnyi-parol-42",
        "password2": "Dlinnyi-parol-42",
        "consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("portal:signup"), data).status_code == 302
        for _ in range(3):
            client.post(reverse("portal:signup_sent"), {"email": "sidorov@example.ru"})
    assert len(mail.outbox) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "limit", "data"),
    [
        ("portal:login", public.LOGIN_PER_ADDRESS, {"password": "x"}),
        ("portal:signup", public.SIGNUP_PER_ADDRESS, {"email": "bad"}),
        ("portal:track", public.TRACK_PER_ADDRESS, {"number": "x", "email": "bad"}),
        ("portal:password_reset", public.PASSWORD_RESET_PER_ADDRESS, {"email": "bad"}),
    ],
)
def test_public_forms_answer_429_per_client_address(client, url, limit, data):
    # One moment throughout: on a loaded machine the posts may otherwise cross a window's end.
    with time_machine.travel("2025-10-14 10:00:05+03:00", tick=False):
        _posts_until_refused(client, url, limit, data)


def _posts_until_refused(client, url, limit, data):
    for i in range(limit.count):
        # A new name each time: the lockout per name (django-axes) is another rule.
        response = client.post(reverse(url), {**data, "username": f"guess{i}"})
        assert response.status_code != 429
    refused = client.post(reverse(url), {**data, "username": "guess-last"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= limit.seconds
    assert client.post(reverse(url), data, REMOTE_ADDR="10.1.2.3").status_code != 429
    assert client.get(reverse(url)).status_code == 200  # reading the form is not counted


@pytest.fixture
def applicant_client(client, applicant_user):
    client.force_login(applicant_user)
    return client


@pytest.mark.django_db
def test_the_ask_form_is_limited_per_applicant_and_keeps_what_was_typed(
    applicant_client, monkeypatch, topic
):
    monkeypatch.setattr(applicant_views, "ASK_PER_USER", Limit("test-ask", 1, 3600))
    data = {
        "subject": "Забор",
        "text": "Стройка без ограждения на углу",
        "topic": topic.pk,
        "consent": "on",
    }
    assert applicant_client.post(reverse("portal:ask"), data).status_code == 302
    refused = applicant_client.post(reverse("portal:ask"), data)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Стройка без ограждения на углу" in refused.content.decode()
