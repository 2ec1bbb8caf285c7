"""The operator confirms a suggestion on the card in a real browser (Debian's chromium).

Set STROYDESK_SCREENSHOTS=1 to write docs/screenshots/routing-card.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from stroydesk.cases.models import Request
from stroydesk.routing.models import Confirmation

pytestmark = [pytest.mark.browser]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def test_operator_confirms_and_passes_on_from_the_card(
    transactional_db, browser: Browser, live_server, trained, new_request, operator, tmp_path
):
    case = new_request(
        "Стройка ночью",
        "Каждую ночь гремят бетономешалки на стройке у дома, есть ли у них разрешение?",
    )
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", "pass-for-tests-1")
    page.get_by_role("button", name=re.compile("Войти")).click()
    page.goto(f"/desk/requests/{case.pk}/")
    panel = page.locator("#routing")
    expect(panel).to_contain_text("Подсказка маршрутизации")
    expect(page.locator("#routing_topic")).to_have_value("night-works")
    expect(page.locator("#routing_authority")).to_have_value("oati")
    folder = SCREENSHOTS if os.environ.get("STROYDESK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(folder / "routing-card.png"))
    panel.get_by_role("button", name="Подтвердить и передать в орган").click()
    expect(page.locator("#messages")).to_contain_text("Записано")
    case.refresh_from_db()
    assert case.status == Request.Status.ESCALATED and case.authority.code == "oati"
    assert Confirmation.objects.get().corrected is False
    context.close()
