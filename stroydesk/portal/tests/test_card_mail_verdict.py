"""The operator's card shows each letter of the request with its sender's authentication."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stroydesk.cases.tests.factories import ApplicantFactory, make_request
from stroydesk.channels.mailintake import message_ingest
from stroydesk.channels.tests.conftest import corpus

OURS = b"Authentication-Results: mx.stroydesk.local; dmarc=pass header.from=example.ru\r\n"


@pytest.mark.django_db
def test_the_card_shows_whether_each_letters_sender_is_authenticated(client, operator):
    request = make_request(applicant=ApplicantFactory(email="kuznetsov@example.ru"))
    letter = corpus("17_reply_by_subject.eml", number=request.number)
    letter = letter[letter.index(b"From:") :]  # without the corpus' own results
    message_ingest(raw=letter)
    message_ingest(raw=OURS + letter.replace(b"reply-subject-0017", b"second-0017"))
    client.force_login(operator)
    body = client.get(reverse("portal:desk_card", args=[request.pk])).content.decode()
    assert "Полученные письма" in body
    assert "Отправитель не подтверждён" in body
    assert "Отложено на проверку" in body
    assert "Отправитель подтверждён (DMARC, DKIM или SPF)" in body
    assert "dmarc=pass header.from=example.ru" in body
