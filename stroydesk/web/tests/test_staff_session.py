"""Staff sessions end after a time without activity and some hours after signing in; an
applicant's session lasts its days. Time is moved, not waited for."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

PASSWORD = "pass-for-tests-1"


def _sign_in(client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_a_staff_session_left_idle_ends(client, operator, directory, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, "operator")
        assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get("/desk/").status_code == 200
    # 35 minutes after the start, but 15 after the last request: still in.
    with time_machine.travel(start + timedelta(minutes=35), tick=False):
        assert client.get("/desk/").status_code == 200
    idle = start + timedelta(minutes=35 + settings.STAFF_SESSION_IDLE_MINUTES + 1)
    with time_machine.travel(idle, tick=False):
        response = client.get("/desk/")
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=/desk/"
        assert "_auth_user_id" not in client.session
        # The API by the same cookie is refused as anonymous.
        assert client.get("/api/v1/requests/").status_code in (401, 403)


def test_a_staff_session_ends_hours_after_signing_in_however_busy(
    client, operator, directory, settings
):
    settings.STAFF_SESSION_MAX_HOURS = 1
    start = timezone.now()
    for minutes in (0, 25, 50):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            if minutes == 0:
                _sign_in(client, "operator")
            assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=75), tick=False):
        assert client.get("/desk/").status_code == 302
        assert "_auth_user_id" not in client.session


def test_the_server_side_session_of_staff_expires_with_the_idle_time(client, operator, settings):
    _sign_in(client, "operator")
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_MINUTES * 60


def test_an_applicants_session_lasts_days(client, applicant_user, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, "ivanov")
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    with time_machine.travel(start + timedelta(days=3), tick=False):
        assert client.get("/my/").status_code == 200
