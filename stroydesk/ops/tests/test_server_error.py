"""An unexpected failure with DEBUG off: the API answers its JSON error shape with the request
id (the same id as the log line and the X-Request-ID header), not Django's HTML page."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.urls("stroydesk.ops.tests.boom_urls"), pytest.mark.django_db]


def test_an_api_failure_answers_json_with_the_request_id(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom/", HTTP_X_REQUEST_ID="probe-42")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["request_id"] == "probe-42" == response["X-Request-ID"]
    assert body["errors"] == {} and "probe-42" in body["detail"]


def test_a_page_failure_keeps_the_html_page(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("stroydesk.urls")
def test_an_unknown_api_path_answers_json_and_a_page_html(settings):
    settings.DEBUG = False
    client = Client()
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"] == {}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
