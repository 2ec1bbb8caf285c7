"""The pages: the family binds, orders, asks; the dispatcher plans, confirms, prints, imports;
outsiders get 404 for another family's order and 403 on the dispatcher's pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from stroydesk.cases.selectors import request_get_for
from stroydesk.relocation import selectors, services
from stroydesk.relocation.models import Capacity, Household, Order, OrderRequest

from .conftest import PHONE, make_household, order, service_days


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_binds_by_code_on_the_page(buildings, applicant_user, crews):
    household = make_household(buildings, "10")
    code = services.household_issue_code(household=household)
    client = _client(applicant_user)
    page = client.get("/relocation/")
    assert page.status_code == 200 and "id_code" in page.content.decode()
    wrong = client.post(
        "/relocation/bind/",
        {"old_building": household.old_building_id, "flat": "10", "code": "ZZZZ-ZZZZ"},
    )
    assert wrong.status_code == 422
    assert Household.objects.get(pk=household.pk).resident is None
    right = client.post(
        "/relocation/bind/", {"old_building": household.old_building_id, "flat": "10", "code": code}
    )
    assert right.status_code == 302
    assert Household.objects.get(pk=household.pk).resident == applicant_user
    assert "move-window" in client.get("/relocation/").content.decode()


def test_an_order_from_the_form(household, crews, applicant_user):
    day = service_days(1)[0]
    client = _client(applicant_user)
    answer = client.post(
        "/relocation/orders/new/",
        {
            "kind": "move",
            "slot": f"{day.isoformat()}|14:00-18:00",
            "rooms": 3,
            "floor_from": 2,
            "floor_to": 7,
            "lift_to": "on",
            "special_items": ["safe"],
            "contact_phone": PHONE,
        },
    )
    assert answer.status_code == 302
    placed = Order.objects.get()
    assert (placed.date, placed.window, placed.special_items) == (day, "14:00-18:00", ["safe"])
    assert placed.lift_to and not placed.lift_from
    page = client.get(f"/relocation/orders/{placed.pk}/")
    assert page.status_code == 200 and "order-status" in page.content.decode()


def test_a_slot_not_offered_is_a_form_error(household, crews, applicant_user):
    answer = _client(applicant_user).post(
        "/relocation/orders/new/",
        {
            "kind": "move",
            "slot": "2020-01-01|09:00-13:00",
            "rooms": 1,
            "floor_from": 1,
            "floor_to": 1,
            "contact_phone": PHONE,
        },
    )
    assert answer.status_code == 422
    assert not Order.objects.exists()


def test_another_familys_order_is_404(household, other_household, crews, applicant_user):
    placed = order(applicant_user, service_days(1)[0])
    stranger = _client(other_household.resident)
    assert stranger.get(f"/relocation/orders/{placed.pk}/").status_code == 404
    assert stranger.post(f"/relocation/orders/{placed.pk}/cancel/").status_code == 404
    assert stranger.post(f"/relocation/orders/{placed.pk}/ask/", {"text": "?"}).status_code == 404
    placed.refresh_from_db()
    assert placed.status == "ordered"


@pytest.mark.parametrize(
    "path",
    [
        "/relocation/dispatch/",
        "/relocation/dispatch/heatmap/",
        "/relocation/dispatch/import/",
        "/relocation/dispatch/route/1/2026-12-10.pdf",
    ],
)
def test_dispatcher_pages_are_403_for_others(path, applicant_user, operator, dispatcher, crews):
    assert _client(applicant_user).get(path).status_code == 403
    assert _client(operator).get(path).status_code == 403
    assert Client().get(path).status_code == 302  # sign in first


def test_a_non_dispatcher_cannot_confirm(household, crews, applicant_user, operator):
    placed = order(applicant_user, service_days(1)[0])
    answer = _client(operator).post(f"/relocation/dispatch/orders/{placed.pk}/confirm/")
    assert answer.status_code == 403
    placed.refresh_from_db()
    assert placed.status == "ordered"


def test_the_dispatcher_confirms_sees_the_plan_and_prints_the_route(
    household, crews, applicant_user, dispatcher
):
    day = service_days(1)[0]
    placed = order(applicant_user, day)
    client = _client(dispatcher)
    page = client.get("/relocation/dispatch/").content.decode()
    assert f"/relocation/dispatch/orders/{placed.pk}/confirm/" in page
    client.post(f"/relocation/dispatch/orders/{placed.pk}/confirm/", {"crew": crews[0].pk})
    placed.refresh_from_db()
    assert placed.status == "confirmed" and placed.crew == crews[0]
    plan = client.get("/relocation/dispatch/", {"date": day.isoformat()}).content.decode()
    assert crews[0].name in plan and household.old_building.address in plan
    pdf = client.get(f"/relocation/dispatch/route/{crews[0].pk}/{day.isoformat()}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000


def test_the_heat_map_marks_a_full_day(household, crews, applicant_user, supervisor):
    day = service_days(1)[0]
    for window in ("09:00-13:00", "14:00-18:00"):
        Capacity.objects.create(
            district=crews[0].district, date=day, window=window, total=2, used=2
        )
    page = _client(supervisor).get("/relocation/dispatch/heatmap/").content.decode()
    assert "reloc-full" in page and "4/4" in page
    assert "style=" not in page


def test_the_import_page_shows_the_report(dispatcher):
    client = _client(dispatcher)
    bad = SimpleUploadedFile("list.csv", "old_address;old_flat\nx;1\n".encode("cp1251"))
    answer = client.post("/relocation/dispatch/import/", {"file": bad, "encoding": "auto"})
    assert answer.status_code == 422
    assert "import-report" in answer.content.decode() and "window_start" in answer.content.decode()


def test_statistics_for_supervisors(household, crews, applicant_user, supervisor, dispatcher):
    placed = order(applicant_user, service_days(1)[0])
    services.order_confirm(order=placed, by=dispatcher)
    services.order_step(order=placed, by=dispatcher, action="move")
    page = _client(supervisor).get("/relocation/stats/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="fig-ordered">1<' in text
    days = (placed.date - household.contract_signed_on).days
    assert f'id="fig-days">{days} / {days},0<' in text
    assert _client(dispatcher).get("/relocation/stats/").status_code == 403


def test_a_question_from_an_order_opens_a_linked_request(
    directory, household, crews, applicant_user
):
    placed = order(applicant_user, service_days(1)[0])
    answer = _client(applicant_user).post(
        f"/relocation/orders/{placed.pk}/ask/", {"text": "Можно ли перевезти пианино?"}
    )
    assert answer.status_code == 302
    link = OrderRequest.objects.get(order=placed)
    request = request_get_for(user=applicant_user, pk=link.request_id)
    assert request.topic.code == "moving-help" and request.number == link.number
    assert selectors.order_of_request(request_id=request.pk) == placed
    assert str(placed.pk) in request.text
    page = _client(applicant_user).get(f"/relocation/orders/{placed.pk}/").content.decode()
    assert link.number in page


def test_portal_home_offers_the_service(client):
    assert "/relocation/" in client.get("/").content.decode()


def test_the_menu_shows_moves_to_dispatchers_only(dispatcher, operator):
    assert (
        'href="/relocation/dispatch/"'
        in _client(dispatcher).get("/relocation/dispatch/").content.decode()
    )
    assert 'href="/relocation/dispatch/"' not in _client(operator).get("/kb/").content.decode()


def test_the_compiled_russian_catalog_is_in_use():
    with translation.override("ru"):
        assert str(Order.Kind.MATERIALS.label) == "доставка упаковочных материалов"
        assert str(Order.Status.MATERIALS_DELIVERED.label) == "материалы доставлены"


def test_a_step_never_redirects_off_site(household, crews, applicant_user, dispatcher):
    placed = order(applicant_user, service_days(1)[0])
    answer = _client(dispatcher).post(
        f"/relocation/dispatch/orders/{placed.pk}/confirm/", {"next": "//evil.example/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/relocation/dispatch/"
    bad_day = _client(dispatcher).get(f"/relocation/dispatch/route/{crews[0].pk}/tomorrow.pdf")
    assert bad_day.status_code == 404
