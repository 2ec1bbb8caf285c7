"""The knowledge-base panel of the staff's request card (portal, reading cases and kb)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from stroydesk.accounts.services import applicant_for_user
from stroydesk.cases.tests.factories import make_request
from stroydesk.kb import services as kb

HTMX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def permit(directory):
    data = kb.ArticleData(
        title="Разрешение на строительство",
        body="Выдаёт **Мосгосстройнадзор** за 5 рабочих дней.",
        summary="Как получить разрешение на строительство.",
    )
    return kb.article_create(data=data, by=None, slug="razreshenie", reviewed=True)


def test_kb_panel_lists_articles_with_insert_buttons(permit, operator):
    case = make_request(subject="Разрешение на строительство дома")
    url = reverse("portal:desk_kb_panel", args=[case.pk])
    response = client_for(operator).get(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "/kb/razreshenie/" in html
    assert "data-kb-insert" in html


def test_kb_panel_is_404_for_outsiders(permit, applicant_user, other_specialist):
    mine = make_request(applicant=applicant_for_user(user=applicant_user))
    url = reverse("portal:desk_kb_panel", args=[mine.pk])
    assert client_for().get(url).status_code == 404
    assert client_for(applicant_user).get(url).status_code == 404
    # A specialist sees only requests escalated to their authority.
    assert client_for(other_specialist).get(url).status_code == 404
