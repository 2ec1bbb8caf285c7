"""The family orders its move and the dispatcher confirms it, in a real browser.

Set STROYDESK_SCREENSHOTS=1 to write docs/screenshots/relocation-order.png and
relocation-dispatcher.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from stroydesk.relocation import services
from stroydesk.relocation.models import Order

from .conftest import bind, make_household, order, resident, service_days

pytestmark = [pytest.mark.browser]

PASSWORD = "pass-for-tests-1"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("STROYDESK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def sign_in(browser: Browser, live_server):
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 860}
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name=re.compile("Войти|Sign in")).click()
        expect(page.get_by_role("button", name=re.compile("Выйти|Sign out"))).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_family_orders_and_the_dispatcher_confirms(
    transactional_db, sign_in, shots, buildings, crews, household, dispatcher
):
    first, second = service_days(2)
    for index, flat in enumerate(("21", "22", "23")):
        neighbour = resident(f"neighbour{flat}")
        bind(make_household(buildings, flat), neighbour)
        placed = order(neighbour, first if index < 2 else second, window="09:00-13:00")
        if index == 0:
            services.order_confirm(order=placed, by=dispatcher)

    family = sign_in("ivanov")
    family.goto("/")
    family.get_by_role("link", name="Помощь при переезде").first.click()
    expect(family.locator("#move-window")).to_be_visible()
    family.select_option("#id_kind", "move")
    family.select_option("#id_slot", f"{first.isoformat()}|14:00-18:00")
    family.fill("#id_rooms", "3")
    family.fill("#id_floor_from", "4")
    family.fill("#id_floor_to", "11")
    family.check("#id_lift_to")
    family.get_by_label("пианино").check()
    family.fill("#id_contact_name", "Иван Иванов")
    family.fill("#id_contact_phone", "+79161234567")
    family.get_by_role("button", name="Заказать").click()
    expect(family.get_by_text("Заказ принят")).to_be_visible()
    mine = Order.objects.get(household=household)
    assert (mine.date, mine.window, mine.special_items) == (first, "14:00-18:00", ["piano"])
    family.get_by_role("link", name=re.compile(f"№{mine.pk}")).click()
    expect(family.locator("#order-status")).to_have_text("оформлен")
    shots(family, "relocation-order")

    desk = sign_in("dispatcher")
    desk.goto(f"/relocation/dispatch/?date={first.isoformat()}")
    expect(desk.get_by_role("heading", name=re.compile("План на"))).to_be_visible()
    desk.locator(f"form[action='/relocation/dispatch/orders/{mine.pk}/confirm/']").first.locator(
        "button"
    ).click()
    expect(desk.get_by_text("Заказ подтверждён")).to_be_visible()
    mine.refresh_from_db()
    assert mine.status == Order.Status.CONFIRMED and mine.crew is not None
    expect(desk.get_by_role("link", name="Маршрутный лист (PDF)").first).to_be_visible()
    shots(desk, "relocation-dispatcher")
