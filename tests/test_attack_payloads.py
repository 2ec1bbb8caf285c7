"""The inputs an attacker (or an unlucky citizen) sends, tried on the endpoints that take text:
Cyrillic, emoji and right-to-left text kept as sent; Unicode digits, NUL and control bytes,
deep nesting, 10 MB bodies, SQL and full-text query syntax, path traversal in file names —
each refused with a clear 4xx or taken harmlessly, never a 5xx."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stroydesk.cases.models import Attachment, Request
from stroydesk.cases.tests.factories import make_request

REQUESTS = "/api/v1/requests/"
TEXTS = {
    "cyrillic": "Ёлка, щёлк, ЪЫЬ — «кавычки» и №5",
    "emoji": "Дом 🏠 трещина 🧱💥 👨‍👩‍👧 флаг 🇷🇺",
    "rtl": "שלום עולם مرحبا بالعالم \u202eevil\u202c",
    "combining": "е\u0301ще Z\u0335\u0321a\u0337l\u0334g\u0338o",
}
UNICODE_DIGITS = ["²", "١٢٣", "٣", "𝟙𝟚", "Ⅻ", "①", "０１"]
CONTROL = [
    "a\x00b",
    "\x01\x02\x03",
    "line\x0bbreak",
    "\x1b[31mred",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
SQL = [
    "' OR '1'='1",
    "1; DROP TABLE cases_request; --",
    "%' UNION SELECT password FROM accounts_user --",
]
QUERIES = [
    *SQL,
    "разрешение & !строительство | (дом:*)",
    "!!! ::: &&& ||| ((( )))",
    '"незакрытая кавычка',
    "<->  <2>  *:*",
    "\\",
    "%_%",
]


def _body(**extra):
    return {"subject": "Тема", "text": "Текст обращения", **extra}


def _post_json(client, path: str, raw: bytes):
    return client.generic("POST", path, raw, content_type="application/json")


@pytest.fixture
def as_applicant(api, applicant_user):
    return api(applicant_user)


@pytest.fixture
def as_operator(api, operator):
    return api(operator)


@pytest.mark.parametrize("kind", list(TEXTS))
def test_any_script_and_emoji_are_kept_as_sent(as_applicant, kind):
    text = TEXTS[kind]
    response = as_applicant.post(REQUESTS, _body(subject=text[:100], text=text), format="json")
    assert response.status_code == 201, response.content
    stored = Request.objects.get(pk=response.json()["id"])
    assert stored.text == text
    detail = as_applicant.get(f"{REQUESTS}{stored.pk}/")
    assert detail.status_code == 200 and detail.json()["text"] == text


@pytest.mark.parametrize("value", CONTROL)
def test_nul_and_control_bytes_are_refused_or_kept_never_500(as_applicant, value):
    response = as_applicant.post(
        REQUESTS, _body(subject=f"Тема {value}", text=value), format="json"
    )
    assert response.status_code in {201, 400}, response.content
    if response.status_code == 201:
        assert "\x00" not in Request.objects.get(pk=response.json()["id"]).text


@pytest.fixture
def escalated(applicant_user, operator, authority):
    return make_request(
        applicant=applicant_user.applicant,
        status=Request.Status.ESCALATED,
        operator=operator,
        authority=authority,
    )


def test_unicode_digits_in_numbers_are_400_not_500(as_operator, as_applicant, escalated):
    pk = escalated.pk
    calls = [
        (
            client,
            method,
            path.replace("{digits}", digits),
            data and {k: v.replace("{digits}", digits) for k, v in data.items()},
        )
        for digits in UNICODE_DIGITS
        for client, method, path, data in _digit_calls(as_operator, as_applicant, pk)
    ]
    for client, method, path, data in calls:
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code < 500, (path, data, response.status_code)


def _digit_calls(as_operator, as_applicant, pk: int) -> list:
    digits = "{digits}"
    return [
        (as_operator, "get", f"{REQUESTS}?page_size={digits}", None),
        (as_operator, "get", f"{REQUESTS}?topic={digits}", None),
        (as_operator, "get", f"{REQUESTS}?cursor={digits}", None),
        (as_operator, "get", f"{REQUESTS}?registered_from={digits}", None),
        (as_operator, "get", f"{REQUESTS}{digits}/", None),
        (as_operator, "post", f"{REQUESTS}{pk}/assign/", {"operator": digits}),
        (as_applicant, "post", REQUESTS, _body(topic=digits)),
        (as_applicant, "get", f"/api/v1/workdays/add/?date=2024-01-0{digits}&days=1", None),
        (as_applicant, "get", f"/api/v1/workdays/add/?date=2024-01-01&days={digits}", None),
    ]


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
def test_deeply_nested_json_is_refused_cleanly(as_applicant, depth):
    raw = ("[" * depth + "]" * depth).encode()
    response = _post_json(as_applicant, REQUESTS, b'{"subject": "a", "text": ' + raw + b"}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_a_10_mb_json_body_is_413_with_the_api_error_shape(as_applicant):
    raw = json.dumps(_body(text="я" * (5 * 1024 * 1024))).encode()  # 10 MiB in UTF-8
    assert len(raw) > 10 * 1024 * 1024
    response = _post_json(as_applicant, REQUESTS, raw)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert not Request.objects.exists()


def test_a_10_mb_form_on_the_portal_is_refused(applicant_user):
    client = Client()
    client.force_login(applicant_user)
    response = client.post("/ask/", {"subject": "Тема", "text": "я" * (5 * 1024 * 1024)})
    # Django's own refusal of form fields over DATA_UPLOAD_MAX_MEMORY_SIZE (400) or ours (413).
    assert response.status_code in {400, 413}
    assert not Request.objects.exists()


def test_sql_and_full_text_syntax_in_search_is_just_text(escalated, operator, applicant_user, api):
    desk = Client()
    desk.force_login(operator)
    for query in QUERIES:
        for client, path in [
            (api(operator), REQUESTS),
            (api(applicant_user), REQUESTS),
            (api(None), "/api/v1/kb/search/"),
            (api(operator), "/api/v1/kb/search/"),
            (desk, "/desk/"),
            (desk, "/desk/phone/lookup/"),
            (desk, "/kb/"),
            (desk, "/kb/suggest/"),
        ]:
            response = client.get(path, {"q": query})
            assert response.status_code in {200, 400}, (path, query, response.status_code)
            if path == REQUESTS and query in SQL and response.status_code == 200:
                # The query is words to find, not a condition: it finds nothing here.
                assert response.json()["results"] == [], (query, response.json())
    assert Request.objects.filter(pk=escalated.pk).exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd.pdf",
        "..\\..\\windows\\system32\\plan.pdf",
        "/etc/cron.d/plan.pdf",
        "plan.pdf\x00.exe",
        "%2e%2e%2f%2e%2e%2fplan.pdf",
        "....//....//plan.pdf",
    ],
)
def test_path_traversal_in_an_uploaded_name_stays_in_the_attachments(as_applicant, name):
    upload = SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")
    response = as_applicant.post(
        REQUESTS, {"subject": "Тема", "text": "Текст", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code in {201, 400}, response.content
    for attachment in Attachment.objects.all():
        stored = attachment.file.name
        assert stored.startswith("attachments/") and ".." not in stored, stored
        assert "\x00" not in attachment.original_name
        assert "/" not in attachment.original_name and "\\" not in attachment.original_name


def test_a_format_suffix_on_the_api_is_404_not_500(as_operator, escalated):
    """The router's ".json" suffix routes reached views that take no format: 500."""
    assert as_operator.get("/api/v1/requests.json").status_code == 404
    assert as_operator.get(f"{REQUESTS}{escalated.pk}.json").status_code == 404
