"""The whole path in a real browser (Debian's chromium through Playwright), one user per role.

Set STROYDESK_SCREENSHOTS=1 to write the screenshots of the main pages to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from stroydesk.cases.models import Rating, Request

pytestmark = [pytest.mark.browser]

PASSWORD = "pass-for-tests-1"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go: docs/screenshots when asked for, else the test's temp folder."""
    folder = SCREENSHOTS if os.environ.get("STROYDESK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def sign_in(browser: Browser, live_server):
    contexts = []

    def open_as(username: str, locale: str = "ru-RU") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 860}
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


def test_the_whole_path_ask_escalate_answer_send_rate(
    transactional_db,
    sign_in,
    shots,
    directory,
    topic,
    applicant_user,
    operator,
    specialist,
    other_specialist,
    supervisor,
    operator2,
    authority,
    other_authority,
):
    _other_work(operator2, authority, other_authority)

    # The applicant asks.
    applicant = sign_in("ivanov")
    applicant.goto("/ask/")
    applicant.select_option("#id_topic", str(topic.pk))
    applicant.fill("#id_subject", "Разрешение на строительство склада")
    applicant.fill("#id_text", "Какие документы нужны для разрешения на строительство склада?")
    applicant.fill("#id_address", "Москва, Варшавское шоссе, 1")
    shots(applicant, "portal-ask")
    applicant.check("#id_consent")
    applicant.get_by_role("button", name="Отправить вопрос").click()
    expect(applicant.get_by_role("heading", name="Ваш вопрос зарегистрирован")).to_be_visible()
    number = applicant.locator("#request-number").inner_text()
    assert re.fullmatch(r"ЕКЦ-\d{4}-\d{6}", number)
    expect(applicant.locator("#promise")).to_contain_text("не позднее")

    # The operator finds it in the queue, takes it and escalates it, seeing the due date first.
    desk = sign_in("operator")
    desk.goto("/desk/?view=unassigned")
    expect(desk.get_by_role("link", name=number)).to_be_visible()
    shots(desk, "operator-queue")
    desk.get_by_role("link", name=number).click()
    desk.get_by_role("button", name="Взять в работу").click()
    expect(desk.locator("#messages")).to_contain_text("закреплено за вами")
    desk.get_by_role("link", name="Передать в орган…").click()
    dialog = desk.get_by_role("dialog")
    expect(dialog).to_contain_text("должен ответить до конца дня")
    dialog.get_by_label("Вопрос органу власти").fill("Подтвердите перечень документов.")
    dialog.get_by_role("button", name="Подтвердить и передать").click()
    expect(desk.locator("#messages")).to_contain_text("передано в орган власти")
    shots(desk, "request-card")

    # A specialist of another authority sees nothing of it.
    stranger = sign_in("specialist2")
    expect(stranger.get_by_text(number)).to_have_count(0)
    request_pk = Request.objects.get(number=number).pk
    response = stranger.goto(f"/authority/requests/{request_pk}/")
    assert response is not None and response.status == 404

    # The applicant adds a document while the request is with the authority.
    applicant.goto(f"/my/{Request.objects.get(number=number).pk}/")
    applicant.get_by_text("Дополнить обращение").click()
    applicant.get_by_label("Что вы хотите добавить").fill("Прилагаю градплан участка.")
    applicant.get_by_label("Файлы").set_input_files(
        files=[{"name": "gpzu.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 gpzu"}]
    )
    applicant.get_by_role("button", name="Добавить к обращению").click()
    expect(applicant.locator("#messages")).to_contain_text("информация добавлена")
    expect(applicant.locator("#history")).to_contain_text("Прилагаю градплан участка.")

    # The authority's specialist asks the center a question; the operator finds it and replies.
    authority = sign_in("specialist")
    expect(authority.get_by_role("link", name=number)).to_be_visible()
    shots(authority, "specialist-inbox")
    authority.get_by_role("link", name=number).click()
    expect(authority.get_by_role("link", name="gpzu.pdf")).to_be_visible()
    authority.get_by_text("Задать вопрос контакт-центру").click()
    authority.get_by_label("Вопрос контакт-центру").fill("Склад капитальный или временный?")
    authority.get_by_role("button", name="Отправить вопрос в контакт-центр").click()
    expect(authority.locator("#messages")).to_contain_text("Срок ответа органа власти не меняется")
    desk.goto("/desk/?view=questions")
    desk.get_by_role("link", name=number).click()
    expect(desk.locator("#authority-query")).to_contain_text("капитальный или временный")
    desk.get_by_label("Ваш ответ органу власти").fill("Капитальный, два этажа.")
    desk.get_by_role("button", name="Ответить органу власти").click()
    expect(desk.locator("#messages")).to_contain_text("Ответ направлен органу власти")
    authority.reload()
    expect(authority.locator("#exchange")).to_contain_text("Капитальный, два этажа.")

    # The authority's specialist answers.
    authority.get_by_label("Ответ органа власти").fill(
        "Нужны ГПЗУ, проект и положительное заключение экспертизы."
    )
    authority.get_by_role("button", name="Отправить ответ").click()
    expect(authority.locator("#messages")).to_contain_text("на проверку")

    # The operator reviews the authority's answer (prefilled) and sends it.
    desk.goto("/desk/?view=review")
    desk.get_by_role("link", name=number).click()
    expect(desk.get_by_role("textbox", name="Ответ заявителю")).to_have_value(re.compile("ГПЗУ"))
    desk.get_by_role("button", name="Отправить ответ").click()
    expect(desk.locator("#messages")).to_contain_text("Ответ направлен заявителю")

    # The applicant reads the answer and rates it.
    applicant.goto("/my/")
    shots(applicant, "my-requests")
    applicant.get_by_role("link", name=re.compile(number)).click()
    expect(applicant.locator(".answer-text")).to_contain_text("ГПЗУ")
    shots(applicant, "applicant-card")
    applicant.get_by_label("5 — полностью").check()
    applicant.get_by_label("Комментарий").fill("Спасибо, всё понятно")
    applicant.get_by_role("button", name="Отправить оценку").click()
    expect(applicant.locator("#messages")).to_contain_text("Спасибо за оценку")
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.request.number) == (
        5,
        "Спасибо, всё понятно",
        number,
    )

    board = sign_in("supervisor")
    board.goto("/supervisor/")
    expect(board.get_by_role("heading", name="Сроки")).to_be_visible()
    shots(board, "supervisor-board")


def _other_work(operator2, authority, other_authority) -> None:
    """Other requests in the center, so that the queue, the inbox and the board look lived-in."""
    from datetime import timedelta

    from django.utils import timezone

    from stroydesk.cases.models import Escalation
    from stroydesk.cases.tests.factories import make_request

    make_request(subject="Подключение дома к водопроводу")
    make_request(subject="Шум от стройплощадки ночью", channel="phone")
    make_request(
        status="in_progress", operator=operator2, subject="Сроки ввода дома в эксплуатацию"
    )
    make_request(status="closed", operator=operator2, subject="Градплан земельного участка")
    late = make_request(
        status="escalated", operator=operator2, authority=authority, subject="Самострой во дворе"
    )
    Escalation.objects.filter(request=late).update(due_at=timezone.now() - timedelta(hours=3))
    Request.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=3))
    make_request(
        status="escalated", operator=operator2, authority=other_authority, subject="АГР фасада"
    )


def test_requests_are_assigned_from_the_queue_and_from_the_board(
    transactional_db, sign_in, shots, directory, operator, operator2, supervisor, authority
):
    from datetime import timedelta

    from django.utils import timezone

    from stroydesk.cases.models import Escalation
    from stroydesk.cases.tests.factories import make_request

    new = make_request(subject="Подключение дома к водопроводу")
    working = make_request(status="in_progress", operator=operator, subject="Шум ночью")
    late = make_request(status="escalated", operator=operator2, authority=authority)
    Escalation.objects.filter(request=late).update(due_at=timezone.now() - timedelta(hours=3))

    # The operator hands two requests to a colleague before going on leave.
    desk = sign_in("operator")
    desk.goto("/desk/")
    desk.get_by_label(f"Отметить {new.number}").check()
    desk.get_by_label(f"Отметить {working.number}").check()
    desk.get_by_label("Назначить оператору").select_option(label="operator2")
    desk.get_by_role("button", name="Назначить отмеченные").click()
    said = desk.locator("#messages")
    expect(said).to_contain_text("Назначены оператору operator2")
    expect(said).to_contain_text(new.number)
    expect(said).to_contain_text(working.number)
    shots(desk, "queue-assigned")
    assert set(Request.objects.filter(operator=operator2).values_list("pk", flat=True)) == {
        new.pk,
        working.pk,
        late.pk,
    }

    # The supervisor gives the overdue one to another operator, from the board.
    board = sign_in("supervisor")
    board.goto("/supervisor/")
    board.get_by_label(f"Отметить {late.number}").check()
    board.get_by_label("Назначить оператору").select_option(label="Смирнова Ольга (operator)")
    board.get_by_role("button", name="Назначить отмеченные").click()
    expect(board.locator("#messages")).to_contain_text(f"Смирнова Ольга (operator): {late.number}")
    shots(board, "board-assigned")
    late.refresh_from_db()
    assert late.operator == operator


def test_sign_up_then_confirm_by_the_mailed_link(transactional_db, browser: Browser, live_server):
    from django.core import mail

    from stroydesk.accounts.models import User

    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    page.goto("/accounts/signup/")
    page.fill("#id_last_name", "Сидоров")
    page.fill("#id_first_name", "Пётр")
    page.fill("#id_email", "sidorov@example.ru")
    page.fill("#id_password1", "Stroy-2025-secret")
    page.fill("#id_password2", "Stroy-2025-secret")
    page.check("#id_consent")
    page.get_by_role("button", name="Создать учётную запись").click()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible()
    expect(page.locator("#signup-sent-to")).to_contain_text("sidorov@example.ru")

    # Signing in before confirming says why and offers the link again.
    page.goto("/accounts/login/")
    page.fill("#id_username", "sidorov@example.ru")
    page.fill("#id_password", "Stroy-2025-secret")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("alert")).to_contain_text("ещё не подтверждена")
    expect(page.get_by_role("button", name="Прислать ссылку ещё раз")).to_be_visible()

    # The link from the letter shows a button; it confirms, and the password signs in.
    (letter,) = mail.outbox
    link = next(w for w in letter.body.split() if "/accounts/confirm/" in w)
    page.goto(link[link.index("/accounts/confirm/") :])
    expect(page.locator("#confirm-address")).to_contain_text("sidorov@example.ru")
    assert User.objects.get(username="sidorov@example.ru").email_confirmed_at is None
    page.get_by_role("button", name="Подтвердить адрес").click()
    expect(page.locator("#messages")).to_contain_text("Почта подтверждена")
    expect(page.get_by_role("heading", name="Войти")).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_have_count(0)
    page.fill("#id_username", "sidorov@example.ru")
    page.fill("#id_password", "Stroy-2025-secret")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Задать вопрос")).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    context.close()


def test_html_in_a_question_stays_text(transactional_db, sign_in, directory, applicant_user):
    page = sign_in("ivanov")
    page.goto("/ask/")
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    page.fill("#id_subject", "<b>Проверка</b>")
    page.fill("#id_text", attack)
    page.check("#id_consent")
    page.get_by_role("button", name="Отправить вопрос").click()
    page.get_by_role("link", name="Открыть обращение").click()
    expect(page.locator(".request-text")).to_contain_text(attack)
    expect(page.get_by_role("heading", name="<b>Проверка</b>")).to_be_visible()
    assert page.evaluate("window.__xss") is None
    assert page.locator(".request-text img, .request-text script").count() == 0


def test_language_switch(transactional_db, browser: Browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("link", name="Задать вопрос")).to_be_visible()
    page.get_by_label("Язык").select_option("en")
    page.get_by_role("button", name="Сменить").click()
    expect(page.get_by_role("link", name="Ask a question")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("link", name="Задать вопрос")).to_be_visible()
    context.close()


def test_english_browser_gets_english(transactional_db, page: Page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_keyboard_reaches_the_form_and_errors_are_next_to_fields(
    transactional_db, sign_in, directory, applicant_user
):
    page = sign_in("ivanov")
    page.goto("/ask/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Перейти к содержанию")).to_be_focused()
    page.fill("#id_text", "Текст без темы")
    page.get_by_role("button", name="Отправить вопрос").click()
    expect(page.locator("#id_subject_errors")).to_be_visible()
    expect(page.locator("#id_subject")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_text")).to_have_value("Текст без темы")


def test_pages_fit_a_phone_screen(
    transactional_db, browser: Browser, live_server, shots, directory, applicant_user, operator
):
    from stroydesk.cases.tests.factories import make_request

    make_request(applicant=applicant_user.applicant, subject="Очень длинная тема обращения " * 4)
    for username, paths in [("ivanov", ["/ask/", "/my/"]), ("operator", ["/desk/"])]:
        context = browser.new_context(
            base_url=live_server.url, locale="ru-RU", viewport={"width": 375, "height": 740}
        )
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Войти").click()
        for path in paths:
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
            if path == "/ask/":
                shots(page, "portal-ask-phone")
        context.close()
