"""House rules of the portal's templates: no inline styles or scripts, and the KB hook in place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

STROYDESK = Path(__file__).resolve().parents[2]
TEMPLATES = [
    *sorted((STROYDESK / "portal" / "templates").rglob("*.html")),
    STROYDESK / "templates" / "base.html",
]
KB_HOOK = (
    '<div id="kb-suggestions" hx-get="/kb/suggest/" hx-trigger="keyup changed delay:400ms '
    'from:#id_text, keyup changed delay:400ms from:#id_subject" '
    'hx-include="#id_subject,#id_text" aria-live="polite"></div>'
)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_style_or_script(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\sstyle=", text), "inline style"
    for tag in re.findall(r"<script[^>]*>", text):
        assert "src=" in tag, f"inline script: {tag}"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"


@pytest.mark.django_db
def test_ask_form_carries_the_knowledge_base_hook(client, applicant_user):
    client.force_login(applicant_user)
    body = client.get(reverse("portal:ask")).content.decode()
    assert KB_HOOK in body
    # Under the text field, before the address.
    assert body.index('id="id_text"') < body.index(KB_HOOK) < body.index('id="id_address"')


@pytest.mark.django_db
def test_every_form_on_the_pages_has_labels(client, operator):
    client.force_login(operator)
    from stroydesk.cases.tests.factories import make_request

    case = make_request()
    for url in (reverse("portal:queue"), reverse("portal:desk_card", args=[case.pk])):
        body = client.get(url).content.decode()
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', body)
        for element_id in ids:
            labelled = f'for="{element_id}"' in body
            aria = re.search(
                rf'id="{element_id}"[^>]*aria-label=|aria-label="[^"]*"[^>]*id="{element_id}"', body
            )
            assert labelled or aria, f"{url}: #{element_id} has no label"
        assert len(ids) == len(set(ids)), f"{url}: duplicate ids"


@pytest.mark.django_db
def test_posts_without_the_csrf_token_are_refused(applicant_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant_user)
    page = client.get(reverse("portal:ask"))
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    data = {"subject": "Вопрос", "text": "Текст", "consent": "on"}
    assert client.post(reverse("portal:ask"), data).status_code == 403
    token = page.cookies["csrftoken"].value
    assert client.post(reverse("portal:ask"), data, HTTP_X_CSRFTOKEN=token).status_code == 302
