"""The calculator in a real browser: fill the steps, get the plan and its Gantt chart.

STROYDESK_SCREENSHOTS=1 writes docs/screenshots/procedures-plan.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def test_fill_the_form_and_see_the_gantt_chart(
    transactional_db, browser: Browser, live_server, tmp_path
):
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/")
    page.get_by_role(
        "link", name="Калькулятор процедур: разрешения, сроки и платежи для вашего проекта"
    ).click()
    page.select_option("#id_object_type", "residential_multi")
    page.fill("#id_floors", "17")
    page.fill("#id_height_m", "55")
    page.fill("#id_total_area_m2", "24000")
    page.check("#id_heritage_zone")
    page.check("#id_connections_3")  # gas, in addition to the defaults
    page.check("#id_sells_off_plan")
    page.fill("#id_start_date", "2027-02-15")
    page.get_by_role("button", name="Составить план").click()
    gantt = page.locator("svg.gantt")
    expect(gantt).to_be_visible()
    expect(page.locator("svg.gantt .gantt-row")).to_have_count(
        page.locator("table.proc-table tbody tr").count()
    )
    assert page.locator("svg.gantt rect.day-off").count() > 10
    expect(page.locator('tr[data-code="heritage-approval"]')).to_be_visible()
    expect(page.locator('tr[data-code="connection-gas"]')).to_be_visible()
    assert "start_date=2027-02-15" in page.url  # the plan's address can be shared
    folder = SCREENSHOTS if os.environ.get("STROYDESK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.locator("#plan-heading").scroll_into_view_if_needed()
    page.screenshot(path=str(folder / "procedures-plan.png"), full_page=True)
    context.close()
