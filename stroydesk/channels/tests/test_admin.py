"""Admin of the channels: keys shown once and revocable, quarantine visible and escaped."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from stroydesk.channels.mailintake import message_ingest
from stroydesk.channels.models import Mailbox, Open311ApiKey, QuarantinedMessage
from stroydesk.channels.open311 import keys
from stroydesk.channels.open311.errors import Open311Error

pytestmark = pytest.mark.django_db


def test_key_is_issued_in_the_admin_shown_once_and_stored_as_a_hash(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/channels/open311apikey/add/",
        {"name": "Мобильное приложение", "rate_limit_per_minute": "30"},
    )
    assert response.status_code == 302
    messages = " ".join(str(m) for m in get_messages(response.wsgi_request))
    [raw] = re.findall(r"o311_[\w-]{40,}", messages)
    key = Open311ApiKey.objects.get()
    assert key.key_hash == keys.api_key_hash(raw)
    assert key.prefix == raw[:10] and key.created_by == admin_user
    assert raw not in str(Open311ApiKey.objects.values().get())
    change = f"/admin/channels/open311apikey/{key.pk}/change/"
    assert raw in client.get(change).content.decode()  # the one time it is shown
    assert raw not in client.get(change).content.decode()
    assert keys.api_key_check(raw) == key


def test_key_is_revoked_by_an_admin_action(client, admin_user, directory):
    key, raw = keys.api_key_issue(name="partner")
    client.force_login(admin_user)
    client.post(
        "/admin/channels/open311apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(Open311Error) as refused:
        keys.api_key_check(raw)
    assert refused.value.status == 403


def test_quarantine_is_listed_and_its_raw_text_is_escaped(client, admin_user):
    raw = (
        b"From: nobody\r\nSubject: <script>alert(1)</script>\r\nMessage-ID: <q-1@x>\r\n\r\n"
        b"<script>alert(2)</script>\r\n"
    )
    message_ingest(raw=raw)
    quarantined = QuarantinedMessage.objects.get()
    client.force_login(admin_user)
    listing = client.get("/admin/channels/quarantinedmessage/")
    assert listing.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing.content.decode()
    page = client.get(f"/admin/channels/quarantinedmessage/{quarantined.pk}/change/")
    html = page.content.decode()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<script>alert" not in html


@pytest.mark.parametrize(
    "model",
    [
        "channels/mailbox",
        "channels/processedmessage",
        "notifications/outgoingmessage",
        "notifications/mailthread",
        "channels/open311submission",
    ],
)
def test_channel_admin_pages_open(client, admin_user, model):
    Mailbox.objects.create(name="m", host="h", username="u", password_env="P", last_error="x")
    client.force_login(admin_user)
    assert client.get(f"/admin/{model}/").status_code == 200


def test_operators_do_not_get_into_the_channel_admin(client, operator):
    client.force_login(operator)
    response = client.get("/admin/channels/quarantinedmessage/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
