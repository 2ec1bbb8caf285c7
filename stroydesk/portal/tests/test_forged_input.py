"""Input crafted to break the server rather than the form: forged cursors (valid base64 JSON
with wrong values), Unicode digits at sign-up. Each answers a page, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from stroydesk.accounts.models import User


def _forge(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


FORGED = [
    {"id": 10**30},
    {"id": -(10**30)},
    {"id": 5, "due": 123},
    {"id": 5, "due": ["2021-01-01"]},
    {"id": 5, "due": "2021-13-45T10:00:00"},
    {"id": 5, "due": "9999-12-31T23:59:59-12:00"},
    {"id": 5, "due": "0001-01-01T00:00:00+14:00"},
]


@pytest.fixture
def staff(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("values", FORGED, ids=lambda v: json.dumps(v)[:40])
@pytest.mark.parametrize("sort", ["new", "old", "due"])
def test_queue_survives_a_forged_cursor(staff, directory, values, sort):
    response = staff.get(reverse("portal:queue"), {"sort": sort, "cursor": _forge(values)})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("values", FORGED[:2], ids=["huge", "negative"])
def test_audit_log_survives_a_forged_cursor(staff, values):
    assert staff.get(reverse("portal:audit"), {"cursor": _forge(values)}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("values", FORGED[:2], ids=["huge", "negative"])
def test_my_requests_survive_a_forged_cursor(client, applicant_user, values):
    client.force_login(applicant_user)
    page = client.get(reverse("portal:my_requests"), {"cursor": _forge(values)})
    assert page.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("inn", "ogrn", "phone"),
    [("²" * 10, "1027700132195", ""), ("7707083893", "²" * 13, ""), ("", "", "+7²²²²²²²²²²")],
)
def test_sign_up_refuses_unicode_digits_with_a_form_error(client, inn, ogrn, phone):
    data = {
        "kind": "developer" if inn or ogrn else "resident",
        "last_name": "Кузнецов",
        "first_name": "Алексей",
        "email": "dev@example.ru",
        "organisation_name": "ООО «СтройИнвест»",
        "inn": inn,
        "ogrn": ogrn,
        "phone": phone,
        "password1": "Stroy-2025-secret",
        "password2": "Stroy-2025-secret",
        "consent": "on",
    }
    response = client.post(reverse("portal:signup"), data)
    assert response.status_code == 200
    assert (
        set(response.context["form"].errors) == {"inn" if inn.startswith("²") else "ogrn"}
        if (inn or ogrn)
        else {"phone"}
    )
    assert not User.objects.filter(username="dev@example.ru").exists()
