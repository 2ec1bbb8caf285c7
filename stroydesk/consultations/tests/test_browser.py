"""Booking a consultation in a real browser (Debian's chromium through Playwright).

Set STROYDESK_SCREENSHOTS=1 to write docs/screenshots/consultations-booking.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from stroydesk.consultations.models import Booking

pytestmark = [pytest.mark.browser]

PASSWORD = "pass-for-tests-1"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def test_an_applicant_books_a_consultation_and_sees_it_in_my_bookings(
    transactional_db, browser: Browser, live_server, tmp_path, applicant_user, subject, expert
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="ru-RU",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Записаться на консультацию").click()
    page.fill("#id_username", "ivanov")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("Войти|Sign in")).click()
    expect(page.get_by_role("heading", name="Записаться на консультацию")).to_be_visible()
    page.select_option("#id_subject", subject.code)
    page.select_option("#id_format", "online")
    page.get_by_role("button", name="Показать свободное время").click()
    expect(page.locator(".slot-day").first).to_be_visible()
    # The browser's zone (Berlin) is shown next to Moscow time.
    expect(page.get_by_text("Europe/Berlin")).to_be_visible()
    folder = SCREENSHOTS if os.environ.get("STROYDESK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "consultations-booking.png"))
    page.locator("a.slot").first.click()
    page.fill("#id_question", "Как устранить замечания по отказу в разрешении на строительство?")
    page.get_by_role("button", name="Записаться", exact=True).click()
    expect(page.get_by_text("Вы записаны на консультацию")).to_be_visible()
    expect(page.get_by_role("heading", name="Мои консультации")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.booked_by == applicant_user and booking.status == "booked"
    page.get_by_role("button", name="Отменить").first.click()
    expect(page.get_by_text("Консультация отменена")).to_be_visible()
    assert Booking.objects.get().status == "cancelled"
    context.close()
