"""The operator's card in a real browser: the knowledge-base panel fills the answer box."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from stroydesk.cases import services as case_services
from stroydesk.cases.tests.factories import make_request
from stroydesk.kb import services as kb_services

pytestmark = [pytest.mark.browser]


def test_kb_panel_inserts_link_and_quote_into_the_answer(
    transactional_db, browser: Browser, live_server, directory, operator
):
    kb_services.article_create(
        data=kb_services.ArticleData(
            title="Разрешение на строительство",
            body="Разрешение на строительство выдаёт Мосгосстройнадзор.",
            summary="Разрешение выдаёт Мосгосстройнадзор за 5 рабочих дней.",
        ),
        by=None,
        slug="razreshenie",
        reviewed=True,
    )
    case = make_request()
    case_services.request_take(request=case, by=operator)
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "pass-for-tests-1")
    page.get_by_role("button", name=re.compile("Войти")).click()
    page.goto(f"/desk/requests/{case.pk}/")
    panel = page.locator("[data-testid=kb-for-request]")
    answer = page.locator("#answer_text")
    answer.fill("Здравствуйте.")
    panel.get_by_role("button", name="Вставить цитату").first.click()
    expect(answer).to_have_value(re.compile(r"Здравствуйте\.\nРазрешение выдаёт Мосгосстройнадзор"))
    panel.get_by_role("button", name="Вставить ссылку").first.click()
    expect(answer).to_have_value(
        re.compile(r"Разрешение на строительство: http://.+/kb/razreshenie/$")
    )
    context.close()


def _sign_in(browser: Browser, live_server, username: str, width: int, height: int):
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-for-tests-1")
    page.get_by_role("button", name=re.compile("Войти")).click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    return context, page


FITS = """() => {
  const d = document.documentElement;
  const wraps = [...document.querySelectorAll('.table-wrap')];
  const numbers = [...document.querySelectorAll('tbody td:nth-child(2) a')];
  return {
    page: d.scrollWidth - d.clientWidth,
    tables: wraps.map(w => w.scrollWidth - w.clientWidth),
    header: document.querySelector('.site-header').getBoundingClientRect().height,
    numberLines: numbers.map(a => a.getClientRects().length),
  };
}"""


@pytest.mark.parametrize("width", [1366, 1920])
def test_queue_and_board_fit_the_screen_without_sideways_scrolling(
    transactional_db,
    browser: Browser,
    live_server,
    directory,
    operator,
    supervisor,
    authority,
    width,
):
    from datetime import timedelta

    from django.utils import timezone

    from stroydesk.cases.models import Escalation

    for n in range(3):
        late = make_request(
            status="escalated",
            operator=operator,
            authority=authority,
            subject=f"Самовольная пристройка к жилому дому на соседнем участке {n}",
        )
        Escalation.objects.filter(request=late).update(due_at=timezone.now() - timedelta(hours=1))
    make_request(status="in_progress", operator=operator)
    for username, path in [("operator", "/desk/?view=all"), ("supervisor", "/supervisor/")]:
        context, page = _sign_in(browser, live_server, username, width, 768)
        page.goto(path)
        fits = page.evaluate(FITS)
        assert fits["page"] <= 0 and all(t <= 0 for t in fits["tables"]), (path, fits)
        assert fits["header"] < 60, (path, fits)  # one row
        assert fits["numberLines"] and set(fits["numberLines"]) == {1}, (path, fits)
        context.close()
