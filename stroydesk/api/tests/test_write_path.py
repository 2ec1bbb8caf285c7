"""The write path of every channel, pinned: registering a request through the API costs six
statements (token, topic, applicant, number, request, history) and no savepoint."""

from __future__ import annotations

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


def test_an_api_registration_takes_six_statements(operator, directory):
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
    assert len(work) == 6, work
