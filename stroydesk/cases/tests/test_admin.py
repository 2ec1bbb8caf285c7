"""Admin of requests: ratings are listed and opened, never added, changed or deleted."""

from __future__ import annotations

import pytest

from stroydesk.cases import services
from stroydesk.cases.models import Rating
from stroydesk.cases.tests.factories import make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status="answered", operator=operator)
    rating = services.request_rate(request=case, by=applicant_user, score=4, comment="Хорошо")
    return case, rating


@pytest.mark.parametrize("model", ["rating"])
def test_logs_are_listed_and_opened_read_only(client, admin_user, rated, model):
    case, rating = rated
    pk = rating.pk
    client.force_login(admin_user)
    listing = client.get(f"/admin/cases/{model}/")
    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    page = client.get(f"/admin/cases/{model}/{pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(f"/admin/cases/{model}/add/").status_code == 403
    assert client.post(f"/admin/cases/{model}/{pk}/change/", {}).status_code == 403
    assert client.post(f"/admin/cases/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert Rating.objects.get().score == 4


def test_operators_do_not_get_into_the_admin(client, operator, rated):
    client.force_login(operator)
    response = client.get("/admin/cases/rating/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
