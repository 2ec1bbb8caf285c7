"""The dashboard in a real browser: the charts are drawn from the JSON, the tables agree.

Set STROYDESK_SCREENSHOTS=1 to write docs/screenshots/stats-dashboard.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from stroydesk.stats.generator import generate_history

pytestmark = [pytest.mark.browser]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def test_supervisor_sees_the_dashboard_with_charts_and_tables(
    transactional_db, browser: Browser, live_server, directory, supervisor, tmp_path
):
    generate_history(year=2020, count=31623, seed=1, scale=0.004)
    generate_history(year=2021, count=34744, seed=1, scale=0.004)
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/accounts/login/?next=/stats/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "pass-for-tests-1")
    page.get_by_role("button", name=re.compile("Войти|Sign in")).click()
    page.goto("/stats/?period=year&date=2021-06-01")
    expect(page.get_by_role("heading", name="Статистика контакт-центра")).to_be_visible()
    expect(page.locator("#stats-charts")).to_have_attribute("data-drawn", "true")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('#stats-charts canvas')]"
        ".map(c => Chart.getChart(c) ? Chart.getChart(c).data.datasets[0].data.length : 0)"
    )
    assert drawn[0] == 12  # twelve months in the volume chart
    assert all(n > 0 for n in drawn)
    # The chart's numbers are the table's numbers.
    chart_total = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-volume')).data.datasets[0].data"
        ".reduce((a, b) => a + b, 0)"
    )
    assert chart_total == 139  # 34,744 × 0.004 requests in 2021
    assert page.locator("[data-figure=received]").inner_text().replace("\xa0", "") == "139"
    first_month = page.locator("#table-volume tbody tr").first
    expect(first_month.locator("th")).to_have_text(re.compile("[Яя]нварь 2021"))
    expect(page.locator("#table-sla tbody tr").first).to_be_visible()
    with page.expect_download() as download:
        page.locator("#channels-title ~ p a", has_text="XLSX").click()
    assert download.value.suggested_filename.endswith("-channel.xlsx")
    folder = SCREENSHOTS if os.environ.get("STROYDESK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "stats-dashboard.png"), full_page=True)
    context.close()
