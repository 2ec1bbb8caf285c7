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
