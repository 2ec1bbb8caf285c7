"""Liveness, readiness, metrics and structured logs, as an orchestrator and a collector see them."""

from __future__ import annotations

import json
import logging

import pytest

from stroydesk.ops.logs import JsonFormatter, RequestIdFilter, request_id_var


def test_healthz_answers_without_touching_the_database(client):
    # No database mark: any query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "ok", "queue": "ok", "storage": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_storage_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["database"] == "ok"
    assert body["storage"] != "ok"


@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_read_the_gauges(client):
    client.get("/healthz")
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    counted = [
        line
        for line in text.splitlines()
        if line.startswith('stroydesk_http_requests_total{route="healthz",status="2xx"}')
    ]
    assert counted and int(counted[0].rsplit(" ", 1)[1]) >= 2
    assert "\nstroydesk_queue_depth " in text
    assert "\nstroydesk_escalations_overdue 0" in text
    assert "\nstroydesk_letters_waiting " in text


@pytest.mark.django_db
def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200


def test_the_request_id_is_answered_and_a_bogus_one_replaced(client):
    mine = client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
    assert mine["X-Request-ID"] == "lb-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\r\nSet-Cookie: x"})
    assert forged["X-Request-ID"] != "bad id\r\nSet-Cookie: x"
    assert len(forged["X-Request-ID"]) == 32


def test_a_log_line_is_one_json_object_with_the_request_id():
    record = logging.LogRecord(
        "stroydesk.x", logging.WARNING, __file__, 1, "Заявка %s", ("№1",), None
    )
    record.mailbox = "ekc@example.ru"
    token = request_id_var.set("req-42-abcdef")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Заявка №1"
    assert entry["request_id"] == "req-42-abcdef"
    assert entry["level"] == "WARNING"
    assert entry["mailbox"] == "ekc@example.ru"
