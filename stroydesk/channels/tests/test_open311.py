"""Open311 GeoReport v2 at /open311/v2/: services, posting, reading, errors, keys, limits."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
import time_machine

from stroydesk.accounts.models import Applicant
from stroydesk.cases.models import Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.channels.models import Open311ApiKey, Open311Submission
from stroydesk.channels.open311 import keys

URL = "/open311/v2"


@pytest.fixture
def api_key(directory) -> str:
    _key, raw = keys.api_key_issue(name="Городское приложение", rate_limit_per_minute=100)
    return raw


def _post(client, key: str | None, **fields):
    data = {"service_code": "construction-permit", "description": "Стройка без ограждения"}
    data |= {"address_string": "ул. Тверская, 1", "email": "citizen@example.ru"}
    data |= fields
    if key is not None:
        data["api_key"] = key
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{URL}/requests.json", data)


def _error(response) -> tuple[int, str]:
    [error] = response.json()
    assert error["code"] == response.status_code
    return response.status_code, error["description"]


def test_discovery_names_the_endpoint_and_formats(client):
    data = client.get(f"{URL}/discovery.json").json()
    [endpoint] = data["endpoints"]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = ET.fromstring(client.get(f"{URL}/discovery.xml").content)
    assert [f.text for f in root.iter("format")] == ["application/json", "text/xml"]


def test_services_are_the_topics_grouped_by_section(client, directory):
    services = client.get(f"{URL}/services.json").json()
    permit = next(s for s in services if s["service_code"] == "construction-permit")
    assert permit["service_name"] == "Разрешение на строительство"
    assert permit["group"] == "Разрешительная документация"
    assert permit["metadata"] is True and permit["type"] == "realtime"
    assert "Мосгосстройнадзор" in permit["description"]
    assert "permits" not in {s["service_code"] for s in services}  # a section is a group

    response = client.get(f"{URL}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert codes == [s["service_code"] for s in services]


def test_service_definition_lists_attributes_and_unknown_code_is_404(client, directory):
    definition = client.get(f"{URL}/services/gpzu.json").json()
    assert definition["service_code"] == "gpzu"
    attribute, publish = definition["attributes"]
    assert (attribute["code"], attribute["datatype"], attribute["required"]) == (
        "cadastral_number",
        "string",
        False,
    )
    assert (publish["code"], publish["datatype"], publish["required"]) == (
        "publish",
        "singlevaluelist",
        False,
    )
    assert [v["key"] for v in publish["values"]] == ["yes", "no"]
    root = ET.fromstring(client.get(f"{URL}/services/gpzu.xml").content)
    assert root.find("attributes/attribute/code").text == "cadastral_number"
    assert _error(client.get(f"{URL}/services/no-such-topic.json"))[0] == 404


def test_post_registers_a_request_through_the_single_intake(client, api_key):
    response = _post(
        client,
        api_key,
        first_name="Анна",
        last_name="Орлова",
        phone="+7 (495) 111-22-33",
        lat="55.757",
        long="37.615",
        **{"attribute[cadastral_number]": "77:01:0001001:1234"},
    )
    assert response.status_code == 201
    [created] = response.json()
    request = Request.objects.get(number=created["service_request_id"])
    assert request.channel == Request.Channel.OPEN311
    assert request.topic.code == "construction-permit"
    assert request.address == "ул. Тверская, 1"
    assert request.cadastral_number == "77:01:0001001:1234"
    assert request.applicant.full_name == "Орлова Анна"
    assert request.applicant.phone == "+74951112233"
    submission = Open311Submission.objects.get(request=request)
    assert (str(submission.lat), str(submission.long)) == ("55.757000", "37.615000")
    assert created["service_notice"]


def test_post_answers_in_xml_too(client, api_key):
    data = {
        "api_key": api_key,
        "service_code": "gpzu",
        "description": "Нужен ГПЗУ",
        "lat": "55.7",
        "long": "37.6",
        "email": "xml@example.ru",
    }
    response = client.post(f"{URL}/requests.xml", data)
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    number = root.findtext("request/service_request_id")
    assert Request.objects.get(number=number).address == "55.700000, 37.600000"


@pytest.mark.parametrize(
    ("key", "fields", "status", "fragment"),
    [
        (None, {}, 403, "api_key was not provided"),
        ("o311_wrong", {}, 403, "invalid"),
        ("ok", {"service_code": None}, 400, "service_code was not provided"),
        ("ok", {"service_code": "no-such-topic"}, 400, "no-such-topic was not found"),
        ("ok", {"address_string": None}, 400, "location is required"),
        ("ok", {"lat": "95", "long": "37"}, 400, "lat must be between"),
        ("ok", {"lat": "55.7"}, 400, "together"),
        ("ok", {"description": ""}, 400, "description is required"),
        ("ok", {"description": "x" * 4001}, 400, "longer than 4000"),
        ("ok", {"email": None}, 400, "email or phone"),
        ("ok", {"email": "not-an-email"}, 400, "email"),
        ("ok", {"attribute[colour]": "red"}, 400, "Unknown attribute colour"),
        ("ok", {"attribute[cadastral_number]": "12345"}, 400, "77:01:0001001:1234"),
        ("ok", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_bad_posts_get_the_spec_error_and_store_nothing(
    client, api_key, settings, key, fields, status, fragment
):
    settings.LANGUAGE_CODE = "en"
    response = _post(client, api_key if key == "ok" else key, **fields)
    code, description = _error(response)
    assert code == status
    assert fragment in description
    assert Request.objects.count() == 0
    assert Applicant.objects.count() == 0


def test_errors_are_in_xml_for_xml_calls(client, directory):
    response = client.post(f"{URL}/requests.xml", {"service_code": "gpzu"})
    assert response.status_code == 403
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "403"


def test_revoked_key_is_refused(client, api_key):
    key = Open311ApiKey.objects.get()
    keys.api_key_revoke(key=key)
    assert _error(_post(client, api_key))[0] == 403


def test_body_over_the_limit_is_413(client, api_key, settings):
    settings.OPEN311_MAX_BODY_BYTES = 2000
    response = _post(client, api_key, description="Я" * 3000)
    assert _error(response)[0] == 413
    assert Request.objects.count() == 0


def test_rate_limit_per_key(client, directory):
    _key, slow = keys.api_key_issue(name="slow", rate_limit_per_minute=2)
    _key, other = keys.api_key_issue(name="other", rate_limit_per_minute=2)
    with time_machine.travel("2025-10-14 10:00:05+03:00", tick=False):
        assert _post(client, slow).status_code == 201
        assert _post(client, slow, email="b@example.ru").status_code == 201
        refused = _post(client, slow, email="c@example.ru")
        assert _error(refused)[0] == 429
        assert refused["Retry-After"] == "55"
        assert _post(client, other).status_code == 201  # each key counts on its own
    with time_machine.travel("2025-10-14 10:01:01+03:00", tick=False):
        assert _post(client, slow, email="d@example.ru").status_code == 201
    assert Request.objects.count() == 4


def test_get_request_reads_back_status_without_personal_data(client, api_key, operator):
    [created] = _post(
        client, api_key, first_name="Анна", phone="+74951112233", **{"attribute[publish]": "yes"}
    ).json()
    number = created["service_request_id"]
    [found] = client.get(f"{URL}/requests/{number}.json").json()
    assert found["service_request_id"] == number
    assert found["status"] == "open"
    assert found["service_code"] == "construction-permit"
    assert found["description"] == "Стройка без ограждения"
    text = json.dumps(found, ensure_ascii=False)
    for private in ("Анна", "citizen@example.ru", "4951112233"):
        assert private not in text

    request = Request.objects.get(number=number)
    from stroydesk.cases import services

    services.request_take(request=request, by=operator)
    services.request_answer(request=request, by=operator, text="Ограждение установят.")
    [found] = client.get(f"{URL}/requests/{number}.json").json()
    assert found["status"] == "closed"
    root = ET.fromstring(client.get(f"{URL}/requests/{number}.xml").content)
    assert root.findtext("request/status") == "closed"


def test_requests_from_other_channels_are_not_shown(client, directory):
    portal = make_request()
    assert _error(client.get(f"{URL}/requests/{portal.number}.json"))[0] == 404
    assert client.get(f"{URL}/requests.json").json() == []


def _listed(client, **query) -> list[str]:
    return [r["service_request_id"] for r in client.get(f"{URL}/requests.json", query).json()]


def test_list_filters(client, api_key, operator):
    with time_machine.travel("2025-09-01 12:00:00+03:00"):
        old = _post(client, api_key, service_code="gpzu").json()[0]["service_request_id"]
    with time_machine.travel("2025-10-10 12:00:00+03:00"):
        new = _post(client, api_key).json()[0]["service_request_id"]
        other = _post(client, api_key, service_code="pzz").json()[0]["service_request_id"]
    with time_machine.travel("2025-10-14 12:00:00+03:00"):
        assert _listed(client) == [other, new, old]
        assert _listed(client, service_code="gpzu,pzz") == [other, old]
        assert _listed(client, start_date="2025-10-01T00:00:00Z") == [other, new]
        assert _listed(client, end_date="2025-09-30T00:00:00+03:00") == [old]
        assert _listed(client, service_request_id=f"{old},{new}") == [new, old]
        assert _listed(client, status="closed") == []
        assert _listed(client, status="open") == [other, new, old]
        assert _listed(client, page_size="1", page="2") == [new]
        for bad in (
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-10-01T00:00:00Z"},
            {"start_date": "yesterday"},
            {"status": "pending"},
            {"page_size": "0"},
            {"page_size": "²"},
            {"page": "٣"},
            {"start_date": "9999-12-31"},
            {"end_date": "0001-01-01"},
        ):
            assert _error(client.get(f"{URL}/requests.json", bad))[0] == 400


def test_unknown_resource_and_method_are_spec_errors(client, directory):
    assert _error(client.get(f"{URL}/tokens/1.json"))[0] == 404
    response = client.delete(f"{URL}/services.json")
    assert _error(response)[0] == 405
    assert response["Allow"] == "GET"


def test_public_list_shows_no_text_or_place_unless_the_applicant_agreed(client, api_key):
    """GeoReport v2 needs the service, the status and the dates; the text and the place are
    the applicant's own (a home's address, a name in the question) and shown only on consent."""
    hidden = _post(client, api_key, lat="55.757", long="37.615", media_url="https://x.ru/a.jpg")
    hidden_number = hidden.json()[0]["service_request_id"]
    shown = _post(
        client, api_key, description="Кран над тротуаром", **{"attribute[publish]": "yes"}
    )
    shown_number = shown.json()[0]["service_request_id"]
    listed = {r["service_request_id"]: r for r in client.get(f"{URL}/requests.json").json()}
    private = listed[hidden_number]
    assert (private["status"], private["service_code"]) == ("open", "construction-permit")
    assert private["requested_datetime"]
    for field in ("description", "address", "address_id", "lat", "long", "media_url"):
        assert private[field] is None, field
    assert "Стройка без ограждения" not in client.get(f"{URL}/requests.json").content.decode()
    [one] = client.get(f"{URL}/requests/{hidden_number}.json").json()
    assert one["description"] is None and one["address"] is None
    public = listed[shown_number]
    assert (public["description"], public["address"]) == ("Кран над тротуаром", "ул. Тверская, 1")
    refused = _post(client, api_key, **{"attribute[publish]": "maybe"})
    assert _error(refused)[0] == 400


def test_anonymous_reads_are_rate_limited(client, api_key, settings):
    settings.OPEN311_ANONYMOUS_READS_PER_MINUTE = 3
    number = _post(client, api_key).json()[0]["service_request_id"]
    with time_machine.travel("2025-10-14 10:00:05+03:00", tick=False):
        assert client.get(f"{URL}/requests.json").status_code == 200
        assert client.get(f"{URL}/requests/{number}.json").status_code == 200
        assert client.get(f"{URL}/requests.xml").status_code == 200
        refused = client.get(f"{URL}/requests.json")
        assert _error(refused)[0] == 429
        assert refused["Retry-After"] == "55"
        # Another address counts on its own; a keyed client counts against its key.
        assert client.get(f"{URL}/requests.json", REMOTE_ADDR="10.0.0.9").status_code == 200
        assert client.get(f"{URL}/requests.json", {"api_key": api_key}).status_code == 200


def test_control_characters_leave_the_xml_list_well_formed(client, api_key, directory):
    """One \\x01 in a description made the XML list unreadable for every client."""
    _post(client, api_key, description="Шум\x01 ночью\x0b", **{"attribute[publish]": "yes"})
    # A text stored by another way keeps its bytes; the list must still parse.
    request = make_request()
    Request.objects.filter(pk=request.pk).update(text="Адрес\x01\x02\x1f конец")
    key = Open311ApiKey.objects.get()
    Open311Submission.objects.create(
        request=request, api_key=key, service_code="gpzu", publish_details=True
    )
    root = ET.fromstring(client.get(f"{URL}/requests.xml").content)
    texts = sorted(r.findtext("description") for r in root.findall("request"))
    assert texts == ["Адрес конец", "Шум ночью"]
    assert Request.objects.get(channel=Request.Channel.OPEN311).text == "Шум ночью"


def test_key_limit_holds_across_cache_clients():
    """The per-key count is one atomic increment in the shared cache: ten calls at once from
    ten threads (each its own cache client, a Redis connection of its own with REDIS_URL) let
    exactly the key's five through."""
    from stroydesk.core.testing import in_threads

    key = Open311ApiKey(name="burst", key_hash="f" * 64, rate_limit_per_minute=5)
    results, errors = in_threads(10, lambda i: keys._rate_limit_wait(key))
    assert errors == []
    assert sum(wait is None for wait in results) == 5
