"""A first day at the center, walked in a real browser as new users would, at a laptop's and a
phone's size, in Russian and in English.

Every page on the way must: not scroll sideways (nor the queue table, at 1366 px), show no
interface text of the other language, log no console error and fail no request (404/5xx,
static files and the favicon included). With STROYDESK_SCREENSHOTS=1 the Russian walks refresh
the screenshots in docs/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from stroydesk.cases.models import Rating, Request
from stroydesk.kb import services as kb_services
from stroydesk.stats.services import rollups_refresh

pytestmark = [pytest.mark.browser]

PASSWORD = "pass-for-tests-1"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

# What the walk clicks and reads, in both languages.
T = {
    "ru": {
        "sign_in": "Войти",
        "sign_out": "Выйти",
        "send_question": "Отправить вопрос",
        "show": "Показать",
        "take": "Взять в работу",
        "escalate": "Передать в орган…",
        "question": "Вопрос органу власти",
        "confirm": "Подтвердить и передать",
        "authority_answer": re.compile("Ответ органа власти"),
        "send_answer": "Отправить ответ",
        "insert_quote": "Вставить цитату",
        "five": "5 — полностью",
        "comment": "Комментарий",
        "send_rating": "Отправить оценку",
        "files": "Файлы",
    },
    "en": {
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "send_question": "Send the question",
        "show": "Show",
        "take": "Take into work",
        "escalate": "Pass to an authority…",
        "question": "Question to the authority",
        "confirm": "Confirm and pass on",
        "authority_answer": re.compile("Answer of the authority|Authority's answer"),
        "send_answer": "Send the answer",
        "insert_quote": "Insert quote",
        "five": "5 — fully",
        "comment": "Comment",
        "send_rating": "Send the rating",
        "files": "Files",
    },
}

# Interface text only: what the project writes, not what people typed or named.
CHROME = "button, label, th, legend, summary, h1, .nav-list a, .tabs a, .site-footer"
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]{2,}")
# Latin words a Russian page may show: formats, the product, the other language's own name.
LATIN_ALLOWED = {"PDF", "JSON", "API", "English", "XLSX", "CSV"}


class Walk:
    """One language and screen size: signs people in, checks every page they see."""

    def __init__(self, browser: Browser, base_url: str, lang: str, width: int, height: int):
        self.browser, self.base_url = browser, base_url
        self.lang, self.width, self.height = lang, width, height
        self.t = T[lang]
        self.contexts: list = []
        self.problems: list[str] = []
        self.shots = os.environ.get("STROYDESK_SCREENSHOTS") == "1" and lang == "ru"

    def open_as(self, username: str) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="ru-RU" if self.lang == "ru" else "en-US",
            viewport={"width": self.width, "height": self.height},
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"),
        )
        page.on("requestfailed", lambda r: self.problems.append(f"failed {r.url}"))
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.locator("main").get_by_role("button", name=self.t["sign_in"]).click()
        expect(page.get_by_role("button", name=self.t["sign_out"])).to_be_visible()
        return page

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        where = f"{name} ({self.lang}, {self.width}px)"
        sizes = page.evaluate(
            """() => ({
              page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
              tables: [...document.querySelectorAll('.table-wrap')].map(
                w => w.scrollWidth - w.clientWidth),
            })"""
        )
        assert sizes["page"] <= 0, f"{where}: the page scrolls sideways by {sizes['page']} px"
        if self.width >= 1366:
            assert all(t <= 0 for t in sizes["tables"]), f"{where}: a table scrolls: {sizes}"
        texts = page.locator(CHROME).evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText)"
        )
        chrome = " | ".join(texts).replace("ЕКЦ", "")
        for proper in self.proper_names():
            chrome = chrome.replace(proper, "")
        if self.lang == "ru":
            foreign = [w for w in LATIN_WORD.findall(chrome) if w not in LATIN_ALLOWED]
        else:
            foreign = CYRILLIC_WORD.findall(chrome.replace("Русский", ""))
        assert foreign == [], f"{where}: other-language interface text {foreign}"
        assert self.problems == [], f"{where}: {self.problems}"
        if self.shots:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            suffix = "" if self.width >= 1366 else "-phone"
            page.screenshot(path=str(SCREENSHOTS / f"first-day-{name}{suffix}.png"), full_page=True)

    @staticmethod
    def proper_names() -> list[str]:
        """Names of authorities, topics and people: the same in either language."""
        from stroydesk.accounts.models import User
        from stroydesk.directory.models import Authority, Topic

        names = [n for a in Authority.objects.all() for n in (a.name, a.short_name)]
        names += list(Topic.objects.values_list("name", flat=True))
        names += [u.display_name for u in User.objects.all()]
        return sorted(filter(None, names), key=len, reverse=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def kb_article(directory):
    return kb_services.article_create(
        data=kb_services.ArticleData(
            title="Разрешение на строительство склада",
            body="Разрешение на строительство выдаёт Мосгосстройнадзор.",
            summary="Разрешение на строительство выдаёт Мосгосстройнадзор за 5 рабочих дней.",
        ),
        by=None,
        slug="razreshenie-sklad",
        reviewed=True,
    )


@pytest.mark.parametrize(
    "lang,width,height",
    [("ru", 1366, 768), ("en", 1366, 768), ("ru", 375, 812), ("en", 375, 812)],
    ids=["ru-1366", "en-1366", "ru-375", "en-375"],
)
def test_first_day(
    transactional_db,
    browser: Browser,
    live_server,
    directory,
    topic,
    kb_article,
    applicant_user,
    operator,
    specialist,
    supervisor,
    lang,
    width,
    height,
):
    walk = Walk(browser, live_server.url, lang, width, height)
    t = walk.t
    try:
        # The applicant asks, with a file.
        applicant = walk.open_as("ivanov")
        applicant.goto("/")
        walk.check(applicant, "home")
        applicant.goto("/ask/")
        applicant.select_option("#id_topic", str(topic.pk))
        applicant.fill("#id_subject", "Разрешение на строительство склада")
        applicant.fill("#id_text", "Какие документы нужны для разрешения на строительство склада?")
        applicant.get_by_label(t["files"]).set_input_files(
            files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
        )
        applicant.check("#id_consent")
        walk.check(applicant, "ask")
        applicant.get_by_role("button", name=t["send_question"]).click()
        number = applicant.locator("#request-number").inner_text()
        request = Request.objects.get(number=number)
        assert request.attachments.count() == 1
        walk.check(applicant, "asked")

        # The operator finds it by a fragment of its number and by a word in another form.
        desk = walk.open_as("operator")
        desk.goto("/desk/")
        walk.check(desk, "queue")
        card = ""
        for query in (str(request.sequence), "РАЗРЕШЕНИЯ"):
            desk.fill("#id_q", query)
            desk.locator("form.filters").get_by_role("button", name=t["show"]).click()
            # HTMX swaps the results in and then pushes the URL: wait for this search's page,
            # not the previous one, before looking for the request in it.
            expect(desk).to_have_url(re.compile(r"[?&]q=" + re.escape(quote(query)) + r"(&|$)"))
            link = desk.get_by_role("link", name=number)
            expect(link).to_be_visible()
            card = link.get_attribute("href") or ""
        walk.check(desk, "queue-search")

        # Takes it and passes it to the authority.
        desk.goto(card)
        desk.get_by_role("button", name=t["take"]).click()
        desk.get_by_role("link", name=t["escalate"]).click()
        dialog = desk.get_by_role("dialog")
        dialog.get_by_label(t["question"]).fill("Подтвердите перечень документов.")
        dialog.get_by_role("button", name=t["confirm"]).click()
        expect(desk.get_by_role("link", name=t["escalate"])).to_have_count(0)
        walk.check(desk, "escalated")

        # The authority's specialist answers.
        authority = walk.open_as("specialist")
        walk.check(authority, "authority-inbox")
        authority.goto(authority.get_by_role("link", name=number).get_attribute("href"))
        authority.get_by_label(t["authority_answer"]).fill("Нужны ГПЗУ и проект.")
        authority.get_by_role("button", name=t["send_answer"]).click()
        walk.check(authority, "authority-answered")

        # The operator adds a quote from the knowledge base and sends the answer.
        desk.goto(f"/desk/requests/{request.pk}/")
        answer = desk.locator("#answer_text")
        expect(answer).to_have_value(re.compile("ГПЗУ"))
        desk.locator("[data-testid=kb-for-request]").get_by_role(
            "button", name=t["insert_quote"]
        ).first.click()
        expect(answer).to_have_value(re.compile("ГПЗУ.*\\n.*Мосгосстройнадзор", re.S))
        walk.check(desk, "card-answer")
        desk.get_by_role("button", name=t["send_answer"]).click()
        walk.check(desk, "answer-sent")

        # The applicant rates the answer.
        applicant.goto(f"/my/{request.pk}/")
        expect(applicant.locator(".answer-text")).to_contain_text("Мосгосстройнадзор")
        applicant.get_by_label(t["five"]).check()
        applicant.get_by_label(t["comment"]).fill("Спасибо")
        applicant.get_by_role("button", name=t["send_rating"]).click()
        walk.check(applicant, "rated")
        assert Rating.objects.get(request=request).score == 5

        # The supervisor's board and dashboard.
        rollups_refresh()
        board = walk.open_as("supervisor")
        board.goto("/supervisor/")
        walk.check(board, "board")
        board.goto("/stats/")
        walk.check(board, "dashboard")
        board.goto("/kb/")
        walk.check(board, "kb")
    finally:
        walk.close()
