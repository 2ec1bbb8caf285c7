"""The public REST endpoints: answers, and 400s with the project's error shape."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_add_answers_the_due_date_to_an_anonymous_client(api):
    response = api.get("/api/v1/workdays/add/", {"date": "2021-02-19", "days": "4"})
    assert response.status_code == 200
    assert response.json() == {"date": "2021-02-26"}


def test_count_answers_the_official_yearly_total(api):
    response = api.get("/api/v1/workdays/count/", {"from": "2021-01-01", "to": "2021-12-31"})
    assert response.status_code == 200
    assert response.json() == {"working_days": 247}


def test_due_answers_end_of_day_in_moscow_time(api):
    response = api.get("/api/v1/workdays/due/?escalated_at=2021-02-19T15:00:00%2B03:00")
    assert response.status_code == 200
    assert response.json() == {"due_at": "2021-02-26T23:59:59+03:00"}


def test_due_takes_an_explicit_number_of_days_and_a_utc_moment(api):
    # 21:30 UTC on 19.02 is Saturday 20.02 in Moscow; day 1 after it is Wed 24.02.
    response = api.get(
        "/api/v1/workdays/due/", {"escalated_at": "2021-02-19T21:30:00Z", "days": "1"}
    )
    assert response.json() == {"due_at": "2021-02-24T23:59:59+03:00"}


@pytest.mark.parametrize(
    ("url", "params", "field", "fragment"),
    [
        ("add", {"date": "2021-02-30", "days": "4"}, "date", "Date has wrong format"),
        ("add", {"date": "2021-02-19", "days": "-1"}, "days", "greater than or equal to 0"),
        ("add", {"date": "2021-02-19", "days": "100000"}, "days", "less than or equal to 1000"),
        ("add", {"date": "2021-02-19"}, "days", "required"),
        ("add", {"date": "2031-02-19", "days": "4"}, "date", "no production calendar for 2031"),
        ("add", {"date": "2027-12-28", "days": "10"}, "date", "no production calendar for 2028"),
        ("count", {"from": "2021-12-31", "to": "2021-01-01"}, "to", "must not be before"),
        ("count", {"from": "2019-12-01", "to": "2020-01-31"}, "from", "for 2019; covered"),
        ("count", {"to": "2021-01-01"}, "from", "required"),
        ("due", {"escalated_at": "yesterday"}, "escalated_at", "wrong format"),
        ("due", {"escalated_at": "2035-01-01T10:00:00Z"}, "escalated_at", "for 2035"),
    ],
)
def test_bad_input_answers_400_with_detail_and_errors(api, url, params, field, fragment):
    response = api.get(f"/api/v1/workdays/{url}/", params)
    assert response.status_code == 400
    body = response.json()
    assert fragment in body["detail"]
    assert body["detail"].startswith(f"{field}: ")
    assert fragment in body["errors"][field][0]


def test_errors_speak_russian_by_default():
    response = APIClient().get("/api/v1/workdays/add/", {"date": "2031-02-19", "days": "4"})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "date: нет производственного календаря на 2031 год; охвачены: 2020–2027"
    )


def test_the_schema_documents_the_query_parameters(api, admin_user):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    count = schema["paths"]["/api/v1/workdays/count/"]["get"]
    assert {p["name"] for p in count["parameters"]} == {"from", "to"}
    due = schema["paths"]["/api/v1/workdays/due/"]["get"]
    assert {p["name"] for p in due["parameters"]} == {"escalated_at", "days"}
    assert "400" in due["responses"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59Z"])
def test_due_date_out_of_range_is_a_400(api, when):
    response = api.get("/api/v1/workdays/due/", {"escalated_at": when})
    assert response.status_code == 400, response.content
    assert "escalated_at" in response.json()["errors"]
