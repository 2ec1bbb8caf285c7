"""In a real browser: articles suggested while typing on the portal's question form (deflection)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from stroydesk.kb.models import SuggestionImpression

pytestmark = [pytest.mark.browser]


def test_suggestions_appear_while_typing_and_the_sent_question_is_recorded(
    transactional_db, browser: Browser, live_server, make_article, applicant_user
):
    make_article(
        "Разрешение на строительство",
        "Разрешение на строительство выдаёт Мосгосстройнадзор за 5 рабочих дней.",
        slug="razreshenie",
    )
    make_article("Памятка оператору", "Разрешение: внутреннее.", slug="memo", audience="internal")
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "ivanov")
    page.fill("#id_password", "pass-for-tests-1")
    page.get_by_role("button", name=re.compile("Войти|Sign in")).click()
    expect(page.get_by_role("button", name=re.compile("Выйти|Sign out"))).to_be_visible()

    page.goto("/ask/")
    page.fill("#id_subject", "Стройка дома")
    page.locator("#id_text").press_sequentially("Как получить разрешения на строительство?")
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions.get_by_text("Возможно, это ответ на ваш вопрос")).to_be_visible()
    link = suggestions.get_by_role("link", name=re.compile("Разрешение на строительство"))
    expect(link).to_have_attribute("href", "/kb/razreshenie/")
    expect(suggestions.locator("mark").first).to_be_visible()
    expect(suggestions.get_by_role("link", name=re.compile("Памятка"))).to_have_count(0)

    impression = SuggestionImpression.objects.get()
    assert impression.shown_slugs == ["razreshenie"]
    assert impression.submitted_request_number is None

    page.check("#id_consent")
    page.get_by_role("button", name=re.compile("Отправить вопрос|Send the question")).click()
    number = page.locator("#request-number").inner_text()
    impression.refresh_from_db()
    assert impression.submitted_request_number == number
    context.close()
