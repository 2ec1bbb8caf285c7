"""Every Open311 JSON answer conforms to the GeoReport v2 JSON Schemas published by the Open311
project (open311/schema-validation, schema/georeport-v2; copied in the shared reference folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4 as _DRAFT4

from stroydesk.cases.tests.factories import make_request
from stroydesk.channels.open311 import keys as open311_keys

URL = "/open311/v2"
SCHEMAS = Path(__file__).resolve().parent / "open311_schemas"
FILES = [
    "services.json",
    "service.json",
    "service-definition.json",
    "requests.json",
    "request.json",
]
# The answer to POST requests.json has no schema file in that folder: its fields as the
# GeoReport v2 specification gives them (a service_request_id or a token, a notice, an account).
POST_ANSWER = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
            "service_notice": {"type": ["string", "null"]},
            "account_id": {"type": ["string", "null"]},
        },
    },
}


def _schemas() -> dict[str, dict]:
    return {name: json.loads((SCHEMAS / name).read_text()) for name in FILES}


def conforms(data, schema_name: str | None = None, schema: dict | None = None) -> None:
    schemas = _schemas()
    registry = Registry().with_resources(
        (name, Resource.from_contents(body, default_specification=_DRAFT4))
        for name, body in schemas.items()
    )
    validator = Draft4Validator(
        schema or schemas[schema_name], registry=registry, format_checker=FormatChecker()
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


@pytest.fixture
def api_key(directory) -> str:
    _key, raw = open311_keys.api_key_issue(name="Проверка схем", rate_limit_per_minute=100)
    return raw


def _post(client, key, **fields):
    data = {
        "api_key": key,
        "service_code": "construction-permit",
        "description": "Стройка без ограждения",
        "lat": "55.7512",
        "long": "37.6184",
        "email": "citizen@example.ru",
        "media_url": "https://example.ru/photo.jpg",
        "attribute[publish]": "yes",
    } | fields
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{URL}/requests.json", data)


def test_services_and_a_service_definition_conform(client, directory):
    conforms(client.get(f"{URL}/services.json").json(), "services.json")
    conforms(client.get(f"{URL}/services/gpzu.json").json(), "service-definition.json")


def test_post_answer_conforms(client, api_key):
    response = _post(client, api_key)
    assert response.status_code == 201
    conforms(response.json(), schema=POST_ANSWER)


def test_one_request_and_the_list_conform_with_numbers_for_coordinates(client, api_key):
    [created] = _post(client, api_key).json()
    _post(client, api_key, lat=None, long=None, address_string="ул. Тверская, 1", media_url="")
    _post(client, api_key, **{"attribute[publish]": None})  # not published: nulls in its place
    make_request()  # another channel's request is not listed, but must not break the list
    [found] = client.get(f"{URL}/requests/{created['service_request_id']}.json").json()
    assert found["lat"] == pytest.approx(55.7512) and isinstance(found["lat"], float)
    assert found["long"] == pytest.approx(37.6184)
    conforms([found], "requests.json")
    listed = client.get(f"{URL}/requests.json").json()
    assert len(listed) == 3
    conforms(listed, "requests.json")


def test_a_long_question_from_another_channel_is_kept_within_the_schema(client, api_key):
    [created] = _post(client, api_key).json()
    from stroydesk.cases.models import Request

    # A question longer than the schema's 4000 characters (the portal allows more).
    Request.objects.filter(number=created["service_request_id"]).update(text="Текст. " * 900)
    [found] = client.get(f"{URL}/requests/{created['service_request_id']}.json").json()
    assert len(found["description"]) <= 4000
    conforms([found], "requests.json")
