"""The REST API: the paths and fields of the issue, 201/400/409 with reasons, outsiders 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stroydesk.consultations.models import Booking
from stroydesk.consultations.tests.conftest import at


def slots(client, subject, day, fmt="online"):
    response = client.get(
        "/api/v1/consultations/slots/",
        {"subject": subject.code, "format": fmt, "from": day.isoformat(), "to": day.isoformat()},
    )
    assert response.status_code == 200, response.content
    return response.json()


def post_booking(client, subject, start, **extra):
    body = {"subject": subject.code, "format": "online", "start": start, "question": "Вопрос"}
    return client.post("/api/v1/consultations/bookings/", {**body, **extra}, format="json")


def test_subjects_list_with_formats_and_duration(api, applicant_user, subject, expert):
    response = api(applicant_user).get("/api/v1/consultations/subjects/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "permit-remarks",
            "title": subject.title,
            "formats": ["online", "in_person"],
            "duration_minutes": 30,
        }
    ]


def test_slots_are_free_times_with_the_moscow_offset(api, applicant_user, subject, expert, soon):
    found = slots(api(applicant_user), subject, soon)
    assert found[0] == {
        "start": at(soon, 10).isoformat(),
        "end": at(soon, 10, 30).isoformat(),
        "expert": expert.pk,
        "format": "online",
    }
    assert found[0]["start"].endswith("+03:00")


def test_slots_bad_query_is_400(api, applicant_user, subject, soon):
    client = api(applicant_user)
    response = client.get("/api/v1/consultations/slots/", {"subject": subject.code})
    assert response.status_code == 400 and "format" in response.json()["errors"]
    response = client.get(
        "/api/v1/consultations/slots/",
        {
            "subject": subject.code,
            "format": "online",
            "from": soon.isoformat(),
            "to": (soon + timedelta(days=40)).isoformat(),
        },
    )
    assert response.status_code == 400


def test_book_a_free_slot_then_the_slot_is_gone(api, applicant_user, subject, expert, soon):
    client = api(applicant_user)
    start = slots(client, subject, soon)[0]["start"]
    response = post_booking(client, subject, start)
    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "subject", "format", "start", "end", "expert", "status"} <= set(data)
    assert data["status"] == "booked" and data["start"] == start and data["expert"] == expert.pk
    assert start not in {s["start"] for s in slots(client, subject, soon)}
    listed = client.get("/api/v1/consultations/bookings/").json()
    assert [b["id"] for b in listed] == [data["id"]]


def test_a_taken_slot_is_409_with_the_reason_and_the_next_free_slots(
    api, applicant_user, other_applicant_user, subject, expert, soon
):
    start = at(soon, 11).isoformat()
    assert post_booking(api(applicant_user), subject, start).status_code == 201
    response = post_booking(api(other_applicant_user), subject, start)
    assert response.status_code == 409
    body = response.json()
    assert body["reason"] == "expert" and body["detail"]
    assert body["next_slots"][0]["start"] == at(soon, 11, 45).isoformat()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    "start",
    ["2020-01-01T10:00:00+03:00", "day-off", "2027-01-04T10:00:00+03:00", "not a date"],
)
def test_bad_times_are_400_and_nothing_is_written(
    api, applicant_user, subject, expert, soon, start
):
    if start == "day-off":
        day = soon
        while day.weekday() < 5:
            day += timedelta(days=1)
        start = at(day, 10).isoformat()
    response = post_booking(api(applicant_user), subject, start)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert Booking.objects.count() == 0


def test_cancel_and_reschedule_through_the_api(api, applicant_user, subject, expert, soon):
    client = api(applicant_user)
    booking = post_booking(client, subject, at(soon, 11).isoformat()).json()
    moved = client.post(
        f"/api/v1/consultations/bookings/{booking['id']}/reschedule/",
        {"start": at(soon, 14).isoformat()},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["start"] == at(soon, 14).isoformat()
    cancelled = client.post(f"/api/v1/consultations/bookings/{booking['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/consultations/bookings/{booking['id']}/cancel/")
    assert again.status_code == 409


def test_another_applicants_booking_is_404(
    api, applicant_user, other_applicant_user, subject, expert, soon
):
    booking = post_booking(api(applicant_user), subject, at(soon, 11).isoformat()).json()
    stranger = api(other_applicant_user)
    for action in ("cancel", "reschedule"):
        response = stranger.post(
            f"/api/v1/consultations/bookings/{booking['id']}/{action}/",
            {"start": at(soon, 14).isoformat()},
            format="json",
        )
        assert response.status_code == 404
    assert stranger.get("/api/v1/consultations/bookings/").json() == []
    assert Booking.objects.get(pk=booking["id"]).status == "booked"


def test_staff_cannot_book_and_anonymous_is_refused(api, operator, subject, expert, soon):
    assert post_booking(api(operator), subject, at(soon, 11).isoformat()).status_code == 403
    assert api().get("/api/v1/consultations/subjects/").status_code in (401, 403)


def test_attaching_someone_elses_request_is_400(
    api, applicant_user, other_applicant_user, subject, expert, soon
):
    from stroydesk.cases.tests.factories import make_request

    foreign = make_request(applicant=other_applicant_user.applicant)
    own = make_request(applicant=applicant_user.applicant)
    client = api(applicant_user)
    response = post_booking(client, subject, at(soon, 11).isoformat(), request=foreign.pk)
    assert response.status_code == 400 and "request" in response.json()["errors"]
    response = post_booking(
        client,
        subject,
        at(soon, 11).isoformat(),
        request=own.pk,
        plan_id=7,
        plan_url="https://example.ru/plans/7/",
    )
    assert response.status_code == 201
    assert response.json()["request"] == own.pk and response.json()["plan_id"] == 7


def test_the_openapi_document_has_the_paths_and_fields(api, admin_user):
    schema = api(admin_user).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for p in (
        "/api/v1/consultations/subjects/",
        "/api/v1/consultations/slots/",
        "/api/v1/consultations/bookings/",
        "/api/v1/consultations/bookings/{id}/cancel/",
        "/api/v1/consultations/bookings/{id}/reschedule/",
    ):
        assert p in paths, p
    components = schema["components"]["schemas"]
    assert {"subject", "format", "start", "expert", "question"} <= set(
        components["BookingCreateRequest"]["properties"]
    )
    assert {"start", "end", "expert", "format"} <= set(components["Slot"]["properties"])
