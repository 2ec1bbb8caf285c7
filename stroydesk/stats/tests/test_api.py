"""REST API of statistics: shapes, permissions (supervisors and admins only), bad input → 400."""

from __future__ import annotations

import pytest
import time_machine

from stroydesk.accounts.models import Applicant

from .conftest import msk

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/stats/summary/"
YEARLY = "/api/v1/stats/yearly/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(msk(4, 30, 12), tick=False):
        yield


def test_summary_of_a_custom_period(march, api, supervisor):
    response = api(supervisor).get(SUMMARY, {"from": "2021-03-01", "to": "2021-03-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": "2021-03-01", "to": "2021-03-31", "kind": "custom"}
    assert body["figures"]["received"] == 4
    assert body["figures"]["sla_percent"] == 50.0
    assert body["figures"]["answer_days_median"] == 3
    assert body["change"]["previous"] == {
        "from": "2021-01-29",
        "to": "2021-02-28",
        "kind": "custom",
        "received": 1,
    }
    assert body["groups"] == []
    assert body["refreshed_at"] is not None


@pytest.mark.parametrize(
    ("group_by", "keys"),
    [
        ("month", ["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"]),
        ("channel", ["api", "email", "phone", "portal"]),
        ("applicant_type", ["resident", "developer"]),
    ],
)
def test_summary_grouped(march, api, admin_user, group_by, keys):
    params = {"from": "2021-01-01", "to": "2021-04-30", "group_by": group_by}
    groups = api(admin_user).get(SUMMARY, params).json()["groups"]
    assert sorted(g["key"] for g in groups) == sorted(keys)
    assert sum(g["received"] for g in groups) == 6


def test_months_carry_their_month_over_month_change(march, api, supervisor):
    params = {"from": "2021-01-01", "to": "2021-04-30", "group_by": "month"}
    months = api(supervisor).get(SUMMARY, params).json()["groups"]
    assert [m["received"] for m in months] == [0, 1, 4, 1]
    assert [m["mom_percent"] for m in months] == [None, None, 300.0, -75.0]
    assert all(m["mom_percent"] == m["previous_percent"] for m in months)


def test_summary_grouped_by_authority_and_topic(march, api, supervisor):
    params = {"period": "month", "date": "2021-03-15"}
    by_authority = api(supervisor).get(SUMMARY, {**params, "group_by": "authority"}).json()
    rows = {g["label"]: g for g in by_authority["groups"]}
    assert rows["Мосгосстройнадзор"]["sla_due"] == 2
    assert rows["Мосгосстройнадзор"]["received"] == 2
    by_topic = api(supervisor).get(SUMMARY, {**params, "group_by": "topic"}).json()
    assert [g["key"] for g in by_topic["groups"]] == [march.topic.pk]


def test_summary_filters_by_codes(march, api, supervisor):
    params = {"period": "month", "date": "2021-03-15"}
    body = api(supervisor).get(SUMMARY, {**params, "applicant_type": "developer"}).json()
    assert body["figures"]["received"] == 1
    assert list(body["filters"].values()) == [str(Applicant.Kind.DEVELOPER.label)]
    section = march.topic.parent.code
    assert (
        api(supervisor).get(SUMMARY, {**params, "topic": section}).json()["figures"]["received"]
        == 4
    )


def test_yearly(march, api, supervisor):
    response = api(supervisor).get(YEARLY, {"years": "2021,2020"})
    assert response.status_code == 200
    rows = response.json()
    assert [row["year"] for row in rows] == [2020, 2021]
    assert rows[0]["received"] == 0
    assert rows[1]["received"] == 6
    assert rows[1]["yoy_percent"] is None  # nothing to compare with in 2020


@pytest.mark.parametrize("role", ["operator", "specialist", "applicant_user"])
def test_other_roles_are_refused(request, api, role):
    user = request.getfixturevalue(role)
    for url, params in ((SUMMARY, {}), (YEARLY, {"years": "2021"})):
        response = api(user).get(url, params, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403
        assert "supervisors and administrators" in response.json()["detail"]


def test_anonymous_is_refused(api, db):
    assert api().get(SUMMARY).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2021-12-31", "to": "2021-01-01"}, "from", "swap"),
        ({"from": "1921-01-01", "to": "2020-12-31"}, "from", "2000"),  # a hundred years
        ({"from": "2000-01-01", "to": "2020-12-31"}, "from", "5 years"),
        ({"from": "2021-01-01"}, "from", "both dates"),
        ({"from": "2021-13-01", "to": "2021-12-31"}, "from", "date"),
        ({"group_by": "colour"}, "group_by", "colour"),
        ({"period": "decade"}, "period", "decade"),
        ({"channel": "pigeon"}, "channel", "pigeon"),
        ({"authority": "nobody"}, "authority", "nobody"),
        ({"period": "day", "date": "3021-01-01"}, "date", "2000"),
        ({"group": "month"}, "group", "Unknown parameter"),
    ],
)
def test_bad_summary_input_is_a_400_with_a_message(api, supervisor, params, field, words):
    response = api(supervisor).get(SUMMARY, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert words in body["detail"]


@pytest.mark.parametrize(
    ("years", "words"),
    [
        ("", "required"),
        ("2020,twenty", "numbers"),
        ("1900", "outside"),
        ("2999", "outside"),
        (",".join(str(y) for y in range(2000, 2012)), "At most 10"),
    ],
)
def test_bad_yearly_input_is_a_400_with_a_message(api, supervisor, years, words):
    response = api(supervisor).get(YEARLY, {"years": years}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert words in response.json()["detail"]
