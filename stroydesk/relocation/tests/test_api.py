"""The REST API: free windows, orders, cancel and reschedule, the dispatcher's day plan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stroydesk.relocation.models import Capacity, Order

from .conftest import PHONE, order, service_days, today

BODY = {
    "kind": "move",
    "window": "09:00-13:00",
    "rooms": 2,
    "floor_from": 5,
    "floor_to": 12,
    "lift_from": False,
    "lift_to": True,
    "special_items": ["piano", "safe"],
    "contact_phone": PHONE,
}


def test_windows_lists_free_places_inside_the_familys_window(api, household, crews):
    start = today()
    end = start + timedelta(days=10)
    answer = api(household.resident).get(
        "/api/v1/relocation/windows/", {"from": start.isoformat(), "to": end.isoformat()}
    )
    assert answer.status_code == 200
    rows = answer.json()
    assert rows and set(rows[0]) == {"date", "window", "free"}
    assert {r["window"] for r in rows} == {"09:00-13:00", "14:00-18:00"}
    assert all(r["free"] == 2 for r in rows)
    assert min(r["date"] for r in rows) > start.isoformat()


def test_windows_needs_a_bound_flat(api, applicant_user, crews):
    assert api(applicant_user).get("/api/v1/relocation/windows/").status_code == 403
    assert api().get("/api/v1/relocation/windows/").status_code in {401, 403}


def test_an_order_is_created_listed_and_cancelled(api, household, crews):
    client = api(household.resident)
    day = service_days(2)[1]
    answer = client.post("/api/v1/relocation/orders/", {**BODY, "date": day.isoformat()}, "json")
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert created["status"] == "ordered" and created["date"] == day.isoformat()
    assert created["window"] == "09:00-13:00" and created["special_items"] == ["piano", "safe"]
    listed = client.get("/api/v1/relocation/orders/").json()
    assert [o["id"] for o in listed] == [created["id"]]
    cancelled = client.post(f"/api/v1/relocation/orders/{created['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/relocation/orders/{created['id']}/cancel/")
    assert again.status_code == 409 and again.json()["detail"]


def test_a_day_outside_the_window_is_400_and_stores_nothing(api, household, crews):
    day = household.window_end + timedelta(days=3)
    answer = api(household.resident).post(
        "/api/v1/relocation/orders/", {**BODY, "date": day.isoformat()}, "json"
    )
    assert answer.status_code == 400
    assert "date" in answer.json()["errors"]
    assert not Order.objects.exists() and not Capacity.objects.exists()


def test_unknown_fields_and_bad_items_are_400(api, household, crews):
    day = service_days(1)[0].isoformat()
    client = api(household.resident)
    answer = client.post("/api/v1/relocation/orders/", {**BODY, "date": day, "pets": 2}, "json")
    assert answer.status_code == 400 and "pets" in answer.json()["errors"]
    answer = client.post(
        "/api/v1/relocation/orders/",
        {**BODY, "date": day, "special_items": ["tiger"]},
        "json",
    )
    assert answer.status_code == 400 and "special_items" in answer.json()["errors"]


def test_a_full_window_is_409(api, household, crews, applicant_user, settings):
    crews[1].is_active = False
    crews[1].save()
    day = service_days(1)[0]
    Capacity.objects.create(
        district=crews[0].district, date=day, window="09:00-13:00", total=1, used=1
    )
    answer = api(applicant_user).post(
        "/api/v1/relocation/orders/", {**BODY, "date": day.isoformat()}, "json"
    )
    assert answer.status_code == 409 and "мест нет" in answer.json()["detail"]


def test_reschedule_by_api(api, household, crews, applicant_user):
    first, second = service_days(2)
    placed = order(applicant_user, first)
    answer = api(applicant_user).post(
        f"/api/v1/relocation/orders/{placed.pk}/reschedule/",
        {"date": second.isoformat(), "window": "14:00-18:00"},
        "json",
    )
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["date"], answer.json()["window"]) == (second.isoformat(), "14:00-18:00")


def test_another_familys_order_is_404(api, household, other_household, crews, applicant_user):
    placed = order(applicant_user, service_days(1)[0])
    stranger = api(other_household.resident)
    assert stranger.get(f"/api/v1/relocation/orders/{placed.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/relocation/orders/{placed.pk}/cancel/").status_code == 404
    assert (
        stranger.post(
            f"/api/v1/relocation/orders/{placed.pk}/reschedule/",
            {"date": service_days(2)[1].isoformat(), "window": "09:00-13:00"},
            "json",
        ).status_code
        == 404
    )
    placed.refresh_from_db()
    assert placed.status == "ordered"


def test_the_day_plan_and_steps_for_dispatchers_only(
    api, household, crews, applicant_user, dispatcher, operator, supervisor
):
    day = service_days(1)[0]
    placed = order(applicant_user, day)
    for outsider in (applicant_user, operator):
        assert api(outsider).get("/api/v1/relocation/dispatch/plan/").status_code == 403
    step = f"/api/v1/relocation/dispatch/orders/{placed.pk}/confirm/"
    assert api(operator).post(step, {}, "json").status_code in {403, 404}
    confirmed = api(dispatcher).post(step, {"crew": crews[1].pk}, "json")
    assert confirmed.status_code == 200 and confirmed.json()["crew"] == crews[1].name
    plan = api(supervisor).get("/api/v1/relocation/dispatch/plan/", {"date": day.isoformat()})
    assert plan.status_code == 200
    (group,) = plan.json()
    assert group["crew_id"] == crews[1].pk and [o["id"] for o in group["orders"]] == [placed.pk]
    twice = api(dispatcher).post(step, {}, "json")
    assert twice.status_code == 409


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/relocation/windows/",
        "/api/v1/relocation/orders/",
        "/api/v1/relocation/orders/{id}/cancel/",
        "/api/v1/relocation/orders/{id}/reschedule/",
        "/api/v1/relocation/dispatch/plan/",
    ],
)
def test_the_paths_are_in_the_openapi_document(api, admin_user, path):
    schema = api(admin_user).get("/api/schema/", {"format": "json"})
    assert path in schema.json()["paths"]
