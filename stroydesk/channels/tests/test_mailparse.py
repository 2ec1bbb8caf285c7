"""Parsing real-world mail from the corpus: charsets, HTML, attachments, auto-replies, bounces."""

from __future__ import annotations

import pytest

from stroydesk.channels.mailparse import (
    AUTO_REPLY,
    BOUNCE,
    NORMAL,
    decode_bytes,
    html_to_text,
    parse_message,
    strip_quoted,
)
from stroydesk.channels.tests.conftest import CORPUS, corpus


def test_plain_utf8_gives_sender_subject_and_text():
    mail = parse_message(corpus("01_plain_utf8.eml"))
    assert mail.kind == NORMAL
    assert (mail.sender_name, mail.sender_email) == ("Сергей Кузнецов", "kuznetsov@example.ru")
    assert mail.subject == "Разрешение на строительство гаража"
    assert mail.message_id == "plain-utf8-0001@mail.example.ru"
    assert mail.text.startswith("Здравствуйте!\nНужно ли разрешение")
    assert mail.attachments == ()


def test_alternative_prefers_the_plain_part_and_decodes_quoted_printable():
    mail = parse_message(corpus("02_alternative_qp.eml"))
    assert mail.subject == "Шум на стройке ночью"
    assert mail.sender_name == "Анна Петрова"
    assert "ул. Ленина, 5 работают ночью — шум после 23:00" in mail.text
    assert "<b>" not in mail.text
    assert mail.attachments == ()  # the HTML alternative is not a file


def test_html_only_becomes_safe_text_with_line_breaks():
    text = parse_message(corpus("03_html_only_base64.eml")).text
    assert text.split("\n")[:3] == [
        "Здравствуйте,",
        "прошу разъяснить порядок получения ГПЗУ & сроки.",
        "Участок 77:01:0001001:1234.",
    ]
    for executable in ("alert", "document.location", "onerror", "<img", "p { color", "Письмо"):
        assert executable not in text
    # An escaped tag in the letter is the letter's text, shown as text.
    assert "Текст <script> в письме — это просто текст." in text
    assert "Телефон +7 495 123-45-67" in text


@pytest.mark.parametrize(
    ("name", "subject", "fragment"),
    [
        ("04_cp1251_8bit.eml", "Ввод дома в эксплуатацию", "Жильцы ждут уже полгода."),
        ("05_koi8r_qp.eml", "Ордер на земляные работы", "для прокладки кабеля?"),
        ("06_unknown_charset.eml", "unknown charset", "кто отвечает за благоустройство"),
        ("07_lying_charset.eml", "lying charset", "Строительный забор перекрыл тротуар."),
        ("08_undeclared_koi8r.eml", "no charset", "Котлован не огорожен"),
    ],
)
def test_russian_charsets_declared_unknown_wrong_or_missing(name, subject, fragment):
    mail = parse_message(corpus(name))
    assert mail.subject == subject
    assert fragment in mail.text
    assert "\ufffd" not in mail.text


def test_koi8r_display_name_in_encoded_word():
    assert parse_message(corpus("05_koi8r_qp.eml")).sender_name == "Пётр Волков"


def test_broken_encodings_never_raise_and_keep_what_can_be_read():
    mail = parse_message(corpus("22_broken_encodings.eml"))
    assert mail.sender_email == "broken@example.ru"
    assert mail.subject.startswith("Проверка")
    assert mail.text.startswith("Проверьте пожалуйста")


def test_attachments_are_decoded_with_their_names():
    mail = parse_message(corpus("09_attachments.eml"))
    assert mail.text == "Направляем план участка для подготовки ГПЗУ."
    names = [a.name for a in mail.attachments]
    assert names == ["план участка.pdf", "setup.exe", "letter.docx"]
    assert mail.attachments[0].content.startswith(b"%PDF-1.4")


def test_forwarded_message_is_kept_as_an_attachment():
    mail = parse_message(corpus("10_forwarded.eml"))
    assert mail.text == "Пересылаю письмо застройщика, прошу разобраться."
    assert [a.name for a in mail.attachments] == ["message-1.eml"]
    assert b"Subject: original" in mail.attachments[0].content


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("11_auto_submitted.eml", "Auto-Submitted: auto-replied"),
        ("12_x_autoreply.eml", "X-Autoreply: yes"),
        ("13_precedence_bulk.eml", "Precedence: bulk"),
        ("14_vacation_subject.eml", "Subject: Автоответ"),
    ],
)
def test_auto_replies_are_recognised(name, reason):
    mail = parse_message(corpus(name))
    assert mail.kind == AUTO_REPLY
    assert mail.kind_reason.startswith(reason)


@pytest.mark.parametrize("name", ["15_bounce_report.eml", "16_bounce_mailer_daemon.eml"])
def test_bounces_are_recognised(name):
    assert parse_message(corpus(name)).kind == BOUNCE


def test_ordinary_letters_are_not_mistaken_for_auto_replies():
    kinds = {
        p.name: parse_message(p.read_bytes()).kind
        for p in CORPUS.iterdir()
        if p.name[:2] in {"01", "02", "03", "04", "09", "17", "18", "19"}
    }
    assert set(kinds.values()) == {NORMAL}, kinds


def test_thread_ids_come_from_in_reply_to_then_references():
    mail = parse_message(corpus("18_reply_by_headers.eml", our_id="request-7-answered-x@stroydesk"))
    assert mail.thread_ids == ("request-7-answered-x@stroydesk", "plain-utf8-0001@mail.example.ru")


def test_message_without_message_id_is_keyed_by_its_bytes():
    raw = corpus("19_no_message_id.eml")
    mail = parse_message(raw)
    assert mail.message_id == ""
    assert mail.key.startswith("h:")
    assert parse_message(raw + b"\r\n").key != mail.key
    assert parse_message(corpus("01_plain_utf8.eml")).key.startswith("m:")


def test_sender_without_an_address_is_empty():
    assert parse_message(corpus("20_poison_no_sender.eml")).sender_email == ""


def test_garbage_bytes_do_not_raise():
    mail = parse_message(b"\x00\xff\xfe garbage \x80\x81\r\n\r\n\x00")
    assert mail.sender_email == ""


def test_decode_bytes_guesses_between_cp1251_and_koi8r():
    phrase = "Разрешение на строительство"
    assert decode_bytes(phrase.encode("cp1251"), None) == phrase
    assert decode_bytes(phrase.encode("koi8_r"), None) == phrase
    assert decode_bytes(phrase.encode("koi8_r"), "no-such-charset") == phrase


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    assert html_to_text("<p>a</p><p>b<br>c</p><script>x()</script>") == "a\nb\nc"


def test_strip_quoted_removes_the_quoted_original():
    text = "Ответ на вопрос.\n\n14.10.2025 10:20, ЕКЦ пишет:\n> вопрос\n> ещё"
    assert strip_quoted(text) == "Ответ на вопрос."
    assert strip_quoted("> only a quote") == "> only a quote"
