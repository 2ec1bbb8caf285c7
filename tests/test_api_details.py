"""Details of the API a first user trips over: offline docs, times, languages, 401."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_api_docs_load_swagger_ui_from_the_installation(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert any("swagger-ui" in a for a in assets), page
    for asset in assets:
        assert finders.find(asset.split("?")[0]), asset


URL = "/api/v1/requests/"


@pytest.mark.django_db
def test_post_and_get_give_registered_at_in_moscow_time(api, applicant_user, directory):
    client = api(applicant_user)
    created = client.post(URL, {"subject": "Забор", "text": "Когда уберут забор?"}, format="json")
    assert created.status_code == 201, created.content
    posted = created.json()["registered_at"]
    got = client.get(created["Location"]).json()["registered_at"]
    assert posted.endswith("+03:00") and got.endswith("+03:00")
    assert posted == got


@pytest.mark.django_db
def test_errors_speak_russian_when_asked(api, operator, directory):
    client = api(operator)
    missing = client.get(f"{URL}999999/", HTTP_ACCEPT_LANGUAGE="ru")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Такого обращения нет."
    broken = client.generic(
        "POST", URL, "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert broken.status_code == 400
    assert "JSON" in broken.json()["detail"] and "parse error" not in broken.json()["detail"]
    assert re.search("[а-я]", broken.json()["detail"])
    english = client.get(f"{URL}999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "No such request."


@pytest.mark.django_db
def test_a_call_without_credentials_gets_401_with_a_challenge(client, operator):
    from rest_framework.test import APIClient

    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    client.force_login(operator)  # the browser's session still works
    assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert finders.find(response.url.removeprefix("/static/"))
    assert 'rel="icon"' in client.get("/").content.decode()
