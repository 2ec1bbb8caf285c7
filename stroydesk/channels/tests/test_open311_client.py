"""A GeoReport v2 client from PyPI (``georeport``) against a running stroydesk.

``georeport`` 0.3.1 lists services, reads definitions and reads requests back, in JSON and in
XML; it has no method for POST, so the request is posted to the same client's endpoint with its
key by ``requests`` (the library's own HTTP dependency). The other Open311 clients on PyPI
(``open311`` 1.1, ``three`` 0.8) do not import on Python 3.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from stroydesk.cases.models import Request
from stroydesk.channels.open311 import keys


@pytest.mark.django_db(transaction=True)
def test_georeport_lists_services_posts_and_reads_back(live_server, directory):
    _key, api_key = keys.api_key_issue(name="georeport", rate_limit_per_minute=10)
    client = GeoReport(f"{live_server.url}/open311/v2/", api_key=api_key)

    services = client.get_service_list()
    permit = next(s for s in services if s["service_code"] == "construction-permit")
    assert permit["group"] == "Разрешительная документация"
    definition = client.get_service_definition("construction-permit")
    assert definition["attributes"][0]["code"] == "cadastral_number"

    posted = requests.post(
        f"{client.root_address}/requests.json",
        data={
            "api_key": client.api_key,
            "service_code": "construction-permit",
            "description": "Кран работает над детской площадкой",
            "lat": "55.7512",
            "long": "37.6184",
            "email": "georeport@example.ru",
            "first_name": "Ирина",
            "attribute[cadastral_number]": "77:01:0001001:1234",
            "attribute[publish]": "yes",
        },
        timeout=10,
    )
    assert posted.status_code == 201
    number = posted.json()[0]["service_request_id"]

    read_back = client.get_service_request(number)
    assert read_back["service_request_id"] == number
    assert read_back["status"] == "open"
    assert read_back["description"] == "Кран работает над детской площадкой"
    assert (read_back["lat"], read_back["long"]) == (55.7512, 37.6184)
    listed = client.get_service_requests(service_code="construction-permit", status="open")
    assert [r["service_request_id"] for r in listed] == [number]

    as_xml = GeoReport(f"{live_server.url}/open311/v2", output_format="xml")
    xml_services = as_xml.get_service_list()
    assert {s["service_code"] for s in xml_services} == {s["service_code"] for s in services}
    assert as_xml.get_service_request(number)["status"] == "open"

    request = Request.objects.get(number=number)
    assert request.channel == Request.Channel.OPEN311
    assert request.cadastral_number == "77:01:0001001:1234"
