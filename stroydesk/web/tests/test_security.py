"""Holes found by probing the running system as an attacker would, each closed and kept closed:
guessing passwords, oversized bodies, a shared demo secret, missing transport headers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone

from stroydesk.cases.models import Request

ROOT = Path(__file__).resolve().parents[3]


def _login_form(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_failed_sign_ins_lock_the_name_out_on_the_portal_form(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login_form(client, "operator", "wrong-password").status_code == 200
    assert _login_form(client, "operator", "wrong-password").status_code == 429
    locked = _login_form(client, "operator", "pass-for-tests-1")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username="operator").count() >= 5


def test_failed_token_requests_lock_the_name_out_with_429_and_retry_after(api, operator, settings):
    client = api()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        wrong = client.post(
            "/api/v1/auth/token/", {"username": "operator", "password": "nope"}, format="json"
        )
        # The last failure allowed locks the name out at once.
        assert wrong.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT - 1 else 400)
    locked = client.post(
        "/api/v1/auth/token/",
        {"username": "operator", "password": "pass-for-tests-1"},
        format="json",
    )
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "token" not in locked.json()
    assert AccessAttempt.objects.filter(username="operator").exists()


def test_the_lockout_ends_after_its_cool_off_and_grows_when_repeated(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login_form(client, "operator", "wrong")
    later = timezone.now() + timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert _login_form(client, "operator", "pass-for-tests-1").status_code == 302
        client.logout()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login_form(client, "operator", "wrong")
    # The second lockout of the day lasts twice as long: still locked after 16 minutes (and a try
    # while locked counts as a failure, restarting the wait) ...
    with time_machine.travel(later + timedelta(minutes=16), tick=False):
        assert _login_form(client, "operator", "pass-for-tests-1").status_code == 429
    # ... and over 30 minutes after the last try, open again.
    with time_machine.travel(later + timedelta(minutes=16 + 31), tick=False):
        assert _login_form(client, "operator", "pass-for-tests-1").status_code == 302


def test_a_json_body_over_the_limit_is_refused_before_it_is_parsed(api, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"subject": "x", "text": "' + "я" * 2000 + '"}'
    response = api(operator).post("/api/v1/requests/", body, content_type="application/json")
    assert response.status_code == 413
    assert "1024" in response.json()["detail"]
    assert not Request.objects.exists()


def test_an_upload_over_the_attachment_limit_stops_while_streaming(
    api, applicant_user, directory, settings
):
    settings.ATTACHMENT_MAX_BYTES = 10_000
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * 50_000)
    big.name = "big.pdf"
    response = api(applicant_user).post(
        "/api/v1/requests/",
        {"subject": "Разрешение", "text": "Скан во вложении.", "attachments": [big]},
        format="multipart",
    )
    assert response.status_code == 413
    assert "big.pdf" in response.json()["detail"]
    assert not Request.objects.exists()


def test_every_page_carries_a_policy_without_inline_script(client):
    response = client.get("/healthz")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def _settings_in_a_fresh_process(env: dict[str, str], code: str) -> str:
    # A fresh installation's environment: nothing the test run (or an earlier test) has set.
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "stroydesk.settings", **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_production_mode_passes_djangos_deployment_checks(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "prod-" + "k8Jq2Vx" * 10,
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "1",
        "ALLOWED_HOSTS": "ekc.example.ru",
        "STROYDESK_VAR_DIR": str(tmp_path),
    }
    out = _settings_in_a_fresh_process(
        env,
        "from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING'); "
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS)",
    )
    assert out.splitlines()[-1] == "True True True"


def test_the_demo_without_debug_gets_a_secret_of_its_own(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _settings_in_a_fresh_process(
        {"DEBUG": "0", "STROYDESK_DEMO": "1", "STROYDESK_VAR_DIR": str(tmp_path / "a")}, code
    )
    again = _settings_in_a_fresh_process(
        {"DEBUG": "0", "STROYDESK_DEMO": "1", "STROYDESK_VAR_DIR": str(tmp_path / "a")}, code
    )
    other = _settings_in_a_fresh_process(
        {"DEBUG": "0", "STROYDESK_DEMO": "1", "STROYDESK_VAR_DIR": str(tmp_path / "b")}, code
    )
    assert first == again
    assert first != other
    assert len(first) >= 50
    assert "insecure" not in first
