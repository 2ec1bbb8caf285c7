"""The write path of every channel, pinned: registering a request through the API costs six
statements (token, topic, applicant, number, request, history) and no savepoint — four on
PostgreSQL, where the number, the request and its history row are one statement."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from stroydesk.accounts.tokens import api_token_issue

BODY = {
    "subject": "Шум от стройки ночью",
    "text": "После 23:00 работает техника.",
    "channel": "phone",
    "topic": "night-works",
    "applicant": {"full_name": "Сидоров Пётр", "email": "sidorov@example.ru"},
}


def test_an_api_registration_takes_six_statements_four_on_postgresql(operator, directory):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=operator)[1]}")
    assert client.post("/api/v1/requests/", BODY, format="json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/requests/", BODY, format="json")
    assert response.status_code == 201
    statements = [q["sql"] for q in queries.captured_queries]
    # The test's own transaction wraps the view's in one savepoint pair; the view adds none.
    work = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) - len(work) <= 2, statements
    assert len(work) == (4 if connection.vendor == "postgresql" else 6), work


def test_a_topic_code_no_database_can_take_is_refused_as_invalid(operator, directory):
    # A lone surrogate is valid JSON but no database encodes it; NUL PostgreSQL refuses in text.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=operator)[1]}")
    for code in ("\ud800", "night\x00works", ["night-works"], True):
        body = json.dumps({**BODY, "topic": code})
        response = client.post("/api/v1/requests/", body, content_type="application/json")
        assert response.status_code == 400, (code, response.content)
        assert "topic" in response.json()["errors"], code
    unknown = client.post("/api/v1/requests/", {**BODY, "topic": 404}, format="json")
    assert unknown.status_code == 400 and "topic" in unknown.json()["errors"]
