"""API keys (hole 5 of the security probe): a new key per sign-in, kept only as a hash, with an
expiry and a scope, listed and revoked by their owner, and all revoked by a change or a reset
of the password; never readable in the admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from stroydesk.accounts.models import ApiToken
from stroydesk.accounts.tokens import api_token_issue

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
PASSWORD = "pass-for-tests-1"


def _sign_in(username: str, **extra) -> dict:
    response = APIClient().post(
        TOKEN_URL, {"username": username, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_each_sign_in_gives_a_new_key_kept_only_as_a_hash(applicant_user, directory):
    first, second = _sign_in("ivanov"), _sign_in("ivanov")
    assert first["token"] != second["token"]
    assert first["scope"] == "write"
    assert first["prefix"] == first["token"][:8]
    for issued in (first, second):
        assert _with(issued["token"]).get("/api/v1/topics/").status_code == 200
    # Nothing stored is the key: a copy of the database opens nothing.
    for row in ApiToken.objects.values():
        assert first["token"] not in [str(value) for value in row.values()]
        assert second["token"] not in [str(value) for value in row.values()]


def test_a_key_expires(applicant_user, directory):
    issued = _sign_in("ivanov", days=1)
    client = _with(issued["token"])
    assert client.get("/api/v1/topics/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1), tick=False):
        response = client.get("/api/v1/topics/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    # The default is 90 days, and no key may be asked for longer than the longest allowed.
    default = ApiToken.objects.get(pk=_sign_in("ivanov")["id"])
    assert round((default.expires_at - default.created_at) / timedelta(days=1)) == 90
    too_long = APIClient().post(
        TOKEN_URL, {"username": "ivanov", "password": PASSWORD, "days": 10000}, format="json"
    )
    assert too_long.status_code == 400
    assert "days" in too_long.json()["errors"]


def test_a_read_only_key_reads_but_does_not_write(applicant_user, directory):
    client = _with(_sign_in("ivanov", scope="read")["token"])
    assert client.get("/api/v1/requests/").status_code == 200
    body = {"subject": "Шум", "text": "Шумят ночью.", "topic": "night-works"}
    refused = client.post("/api/v1/requests/", body, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"]
    # Also where anonymous callers may write: the key says read only.
    assert client.post("/api/v1/procedures/plan/", {}, format="json").status_code == 403
    writer = _with(_sign_in("ivanov", scope="write")["token"])
    assert writer.post("/api/v1/requests/", body, format="json").status_code == 201


def test_the_owner_lists_and_revokes_keys_others_cannot(
    applicant_user, other_applicant_user, directory
):
    mine, other = _sign_in("ivanov", name="скрипт"), _sign_in("petrova")
    client = _with(mine["token"])
    listed = client.get(TOKENS_URL).json()
    assert [t["id"] for t in listed] == [mine["id"]]
    assert listed[0]["name"] == "скрипт"
    assert "token" not in listed[0] and mine["token"] not in str(listed)
    # Another's key is not there to revoke.
    assert client.delete(f"{TOKENS_URL}{other['id']}/").status_code == 404
    assert _with(other["token"]).get("/api/v1/topics/").status_code == 200
    assert _with(other["token"]).delete(f"{TOKENS_URL}{other['id']}/").status_code == 204
    assert _with(other["token"]).get("/api/v1/topics/").status_code == 401
    assert client.get("/api/v1/topics/").status_code == 200


def test_a_password_change_revokes_every_key(applicant_user, directory):
    keys = [_sign_in("ivanov")["token"] for _ in range(2)]
    applicant_user.set_password("Novyi-parol-2026")
    applicant_user.save()
    for key in keys:
        assert _with(key).get("/api/v1/topics/").status_code == 401
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_re_hashing_the_same_password_at_sign_in_revokes_nothing(
    applicant_user, directory, settings
):
    key = _sign_in("ivanov")["token"]
    # A stronger hasher: the next sign-in re-hashes the unchanged password and saves it.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    _sign_in("ivanov")
    applicant_user.refresh_from_db()
    assert applicant_user.password.startswith("pbkdf2_")
    assert _with(key).get("/api/v1/topics/").status_code == 200


def test_the_password_change_page_revokes_keys_and_keeps_the_session(client, applicant_user):
    key = _sign_in("ivanov")["token"]
    client.force_login(applicant_user)
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Novyi-parol-2026",
            "new_password2": "Novyi-parol-2026",
        },
    )
    assert response.status_code == 302
    assert _with(key).get("/api/v1/topics/").status_code == 401
    assert client.get(reverse("portal:security")).status_code == 200


def test_a_password_reset_revokes_every_key(
    client, applicant_user, django_capture_on_commit_callbacks
):
    key = _sign_in("ivanov")["token"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": applicant_user.email})
    (letter,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", letter.body).group(1)
    form_page = client.get(link, follow=True)
    new = {"new_password1": "Novyi-parol-2026", "new_password2": "Novyi-parol-2026"}
    assert client.post(form_page.redirect_chain[-1][0], new).status_code == 302
    assert _with(key).get("/api/v1/topics/").status_code == 401


def test_the_security_page_makes_a_key_shown_once_and_revokes_it(client, applicant_user):
    client.force_login(applicant_user)
    page = client.post(reverse("portal:security"), {"name": "1С", "scope": "read", "days": 30})
    assert page.status_code == 200
    key = page.context["issued"]["key"]
    assert key in page.content.decode()
    assert _with(key).get("/api/v1/topics/").status_code == 200
    again = client.get(reverse("portal:security")).content.decode()
    assert key not in again and key[:8] in again
    token = ApiToken.objects.get(user=applicant_user)
    assert token.scope == "read" and token.name == "1С"
    response = client.post(reverse("portal:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert _with(key).get("/api/v1/topics/").status_code == 401


@pytest.mark.django_db
def test_the_admin_lists_keys_without_the_keys(client, admin_user, operator):
    token, key = api_token_issue(user=operator)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert token.prefix in text and key not in text
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert key not in page.content.decode() and token.key_hash not in page.content.decode()
    # DRF's plain-text keys are gone from the admin.
    assert client.get("/admin/authtoken/").status_code == 404
