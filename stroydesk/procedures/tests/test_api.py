"""The REST API: shape, anonymous planning, bad input (400 naming the conflict), what-if,
the catalogue, and an admin edit showing in the next calculation."""

from __future__ import annotations

import pytest

from stroydesk.procedures import services
from stroydesk.procedures.models import Procedure

pytestmark = pytest.mark.django_db

PLAN = "/api/v1/procedures/plan/"
BLOCK = {
    "object_type": "residential_multi",
    "floors": 17,
    "height_m": 55,
    "total_area_m2": 24000,
    "connections": ["water", "heat", "power"],
    "expertise": "state",
    "sells_off_plan": True,
}


def test_anonymous_caller_gets_the_plan_in_the_documented_shape(api):
    response = api().post(PLAN, {"profile": BLOCK, "start_date": "2027-02-15"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {
        "procedures",
        "finish",
        "total_working_days",
        "total_calendar_days",
        "critical_path",
        "fees_total",
    } <= set(body)
    step = body["procedures"][0]
    assert {
        "code",
        "title",
        "authority",
        "start",
        "end",
        "duration",
        "duration_unit",
        "depends_on",
        "reason",
    } <= set(step)
    assert step["code"] == "gpzu" and step["start"] == "2027-02-15"
    assert step["duration"] == 14 and step["duration_unit"] == "working_days"
    assert step["authority"] == "Москомархитектура"
    codes = [p["code"] for p in body["procedures"]]
    assert "developer-conformity" in codes and "izhs-start-notice" not in codes
    assert body["finish"] == max(p["end"] for p in body["procedures"])
    assert body["critical_path"][0] == "gpzu"
    assert body["critical_path"][-1] in codes
    assert body["fees_total"] == sum(p["fee_rub"] or 0 for p in body["procedures"])


def test_individual_house_of_30_floors_is_refused_naming_the_conflict(api):
    profile = {"object_type": "individual_house", "floors": 30, "expertise": "none"}
    response = api().post(PLAN, {"profile": profile, "start_date": "2027-02-15"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "floors" in body["errors"]["profile"]
    assert "3" in body["errors"]["profile"]["floors"][0]


def test_linear_object_sold_off_plan_is_refused(api):
    profile = {"object_type": "linear", "floors": 0, "sells_off_plan": True}
    response = api().post(PLAN, {"profile": profile, "start_date": "2027-02-15"}, format="json")
    assert response.status_code == 400
    assert "sells_off_plan" in response.json()["errors"]["profile"]


def test_start_date_outside_the_calendar_is_refused(api):
    response = api().post(PLAN, {"profile": BLOCK, "start_date": "2031-03-01"}, format="json")
    assert response.status_code == 400
    assert "2031" in response.json()["errors"]["start_date"][0]


def test_plan_running_past_the_calendar_is_refused(api):
    profile = {**BLOCK, "works_days": 3000}
    response = api().post(PLAN, {"profile": profile, "start_date": "2027-02-15"}, format="json")
    assert response.status_code == 400
    assert "start_date" in response.json()["errors"]


def test_unknown_field_and_bad_values_are_refused(api):
    response = api().post(
        PLAN, {"profile": {**BLOCK, "colour": "red"}, "start_date": "2027-02-15"}, format="json"
    )
    assert response.status_code == 400 and "colour" in response.json()["errors"]["profile"]
    response = api().post(
        PLAN, {"profile": {**BLOCK, "connections": ["wifi"]}, "start_date": "x"}, format="json"
    )
    assert response.status_code == 400
    assert {"profile", "start_date"} <= set(response.json()["errors"])


def test_dropping_a_required_step_is_refused(api):
    response = api().post(
        PLAN,
        {"profile": BLOCK, "start_date": "2027-02-15", "drop": ["construction-permit"]},
        format="json",
    )
    assert response.status_code == 400 and "drop" in response.json()["errors"]


def test_compare_reports_the_days_saved(api):
    house = {"object_type": "individual_house", "floors": 2, "expertise": "none"}
    response = api().post(
        "/api/v1/procedures/compare/",
        {"a": house, "start_date": "2026-03-02", "drop_b": ["gpzu"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["only_in_a"] == ["gpzu"] and body["working_days_saved"] == 14
    assert body["b"]["finish"] < body["a"]["finish"]


def test_catalogue_lists_sources(api):
    response = api().get("/api/v1/procedures/catalogue/")
    assert response.status_code == 200
    entries = {e["code"]: e for e in response.json()}
    assert entries["construction-permit"]["legal_basis"].startswith("ГрК РФ ст. 51")
    assert all(e["source"] for e in entries.values())


def test_schema_documents_the_profile(api):
    response = api().get("/api/schema/?format=json")
    schema = response.json()
    assert "/api/v1/procedures/plan/" in schema["paths"]
    assert "object_type" in schema["components"]["schemas"]["ProfileRequest"]["properties"]


def test_admin_edit_shows_in_the_next_calculation(api, django_capture_on_commit_callbacks):
    before = api().post(PLAN, {"profile": BLOCK, "start_date": "2027-02-15"}, format="json")
    gpzu = Procedure.objects.get(code="gpzu")
    gpzu.term = 20
    with django_capture_on_commit_callbacks(execute=True):
        services.procedure_save(procedure=gpzu)
    after = api().post(PLAN, {"profile": BLOCK, "start_date": "2027-02-15"}, format="json")
    assert before.json()["procedures"][0]["duration"] == 14
    assert after.json()["procedures"][0]["duration"] == 20
    assert after.json()["finish"] > before.json()["finish"]


def test_admin_edit_making_a_cycle_is_refused():
    gpzu = Procedure.objects.get(code="gpzu")
    gpzu.depends_on = ["commissioning-permit"]
    with pytest.raises(Exception, match="cycle"):
        services.procedure_save(procedure=gpzu)
    assert Procedure.objects.get(code="gpzu").depends_on == []
