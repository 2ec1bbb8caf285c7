"""Hole 2: a request or a message reaches a registered user's account only from a channel that
proves the address is theirs. A letter's sender is proven by the receiving mail server's
SPF/DKIM/DMARC results; an Open311 key holder proves nobody's address."""

from __future__ import annotations

import pytest
from django.core import mail

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.cases.models import History, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.channels.mailauth import FAIL, NONE, PASS, sender_verdict
from stroydesk.channels.mailintake import message_ingest
from stroydesk.channels.models import ProcessedMessage, QuarantinedMessage
from stroydesk.channels.open311 import keys
from stroydesk.channels.tests.conftest import corpus

pytestmark = pytest.mark.django_db
Outcome = ProcessedMessage.Outcome
OURS = (
    b"Authentication-Results: mx.stroydesk.local; spf=pass smtp.mailfrom=kuznetsov@example.ru;\r\n"
    b" dkim=pass header.d=example.ru header.s=mail; dmarc=pass (p=reject)"
    b" header.from=example.ru\r\n"
)


@pytest.fixture
def kuznetsov() -> User:
    user = user_create(
        username="kuznetsov@example.ru",
        password="pass-for-tests-1",
        role=User.Role.APPLICANT,
        email="kuznetsov@example.ru",
        first_name="Сергей",
        last_name="Кузнецов",
    )
    applicant_for_user(user=user)
    return user


def _letter(number: str, results: bytes = b"") -> bytes:
    return results + corpus("17_reply_by_subject.eml", number=number).replace(OURS, b"")


def test_a_forged_reply_by_number_is_held_for_review_not_the_applicants_message(kuznetsov):
    request = make_request(applicant=kuznetsov.applicant)
    result = message_ingest(raw=_letter(request.number))
    assert result.outcome == Outcome.REVIEW
    assert not History.objects.filter(request=request, action="message").exists()
    note = History.objects.get(request=request, action="note")
    assert note.is_public is False
    assert "kuznetsov@example.ru" in note.comment.lower() and "Уточняю" in note.comment
    processed = ProcessedMessage.objects.get(outcome=Outcome.REVIEW)
    assert (processed.request_id, processed.authentication) == (request.pk, NONE)
    assert bytes(QuarantinedMessage.objects.get(processed=processed).raw) == _letter(request.number)


def test_an_authenticated_reply_by_number_is_the_applicants_message(kuznetsov):
    request = make_request(applicant=kuznetsov.applicant)
    result = message_ingest(raw=_letter(request.number, OURS))
    assert result.outcome == Outcome.MESSAGE
    assert History.objects.filter(request=request, action="message").exists()
    processed = ProcessedMessage.objects.get()
    assert processed.authentication == PASS
    assert "dmarc=pass" in processed.authentication_results


def test_results_written_by_the_sender_do_not_count(kuznetsov, settings):
    """The sender can write any header; only our server's (named or topmost) count."""
    settings.MAIL_AUTHSERV_ID = "mx.stroydesk.local"
    request = make_request(applicant=kuznetsov.applicant)
    theirs = OURS.replace(b"mx.stroydesk.local", b"mx.forger.example")
    ours_fail = b"Authentication-Results: mx.stroydesk.local; spf=fail smtp.mailfrom=example.ru\r\n"
    result = message_ingest(raw=_letter(request.number, ours_fail + theirs))
    assert result.outcome == Outcome.REVIEW
    assert ProcessedMessage.objects.get().authentication == FAIL


def test_a_new_letter_from_a_users_address_joins_the_account_only_when_authenticated(
    kuznetsov,
):
    raw = corpus("01_plain_utf8.eml")
    sender = b"From: kuznetsov@example.ru\r\n"
    unproven = message_ingest(raw=sender + raw.replace(b"From:", b"X-Was-From:", 1))
    assert unproven.outcome == Outcome.REQUEST
    filed = Request.objects.get(pk=unproven.request_id)
    assert filed.applicant.email == "kuznetsov@example.ru"
    assert filed.applicant.user is None  # kept apart from the account
    assert filed.applicant_id != kuznetsov.applicant.pk
    proven = (
        OURS
        + sender
        + raw.replace(b"From:", b"X-Was-From:", 1).replace(b"Message-ID: <", b"Message-ID: <again-")
    )
    joined = message_ingest(raw=proven)
    assert Request.objects.get(pk=joined.request_id).applicant_id == kuznetsov.applicant.pk


def test_open311_with_a_users_address_stays_out_of_the_account(
    client, directory, kuznetsov, django_capture_on_commit_callbacks
):
    _key, raw = keys.api_key_issue(name="Партнёр", rate_limit_per_minute=100)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": raw,
                "service_code": "construction-permit",
                "description": "Написано от чужого имени",
                "address_string": "ул. Тверская, 1",
                "email": "Kuznetsov@Example.ru",
            },
        )
    assert response.status_code == 201
    request = Request.objects.get(number=response.json()[0]["service_request_id"])
    assert request.applicant.user is None
    assert request.applicant.email == "kuznetsov@example.ru"
    client.force_login(kuznetsov)
    assert request.number not in client.get("/my/").content.decode()
    # The address's owner is told, and follows it by the mailed code, not in the account.
    (letter,) = mail.outbox
    assert letter.to == ["kuznetsov@example.ru"] and request.number in letter.body
    assert "/track/" in letter.body and "Если вы не отправляли это обращение" in letter.body


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (b"mx; dmarc=pass header.from=example.ru", PASS),
        (b"mx; dkim=pass header.d=example.ru; spf=none", PASS),
        (b"mx; dkim=pass header.d=mail.example.ru", NONE),  # a subdomain vouches not for us
        (b"mx; spf=pass smtp.mailfrom=bounce@mail.example.ru", NONE),
        (b"mx; spf=pass smtp.mailfrom=list@other.org; dkim=pass header.d=other.org", NONE),
        (b"mx; spf=softfail smtp.mailfrom=example.ru", FAIL),
        (b"mx; dkim=pass header.d=example.ru; dmarc=fail header.from=example.ru", FAIL),
        (b"mx; spf=pass (comment; with=semicolons) smtp.mailfrom=a@example.ru", PASS),
        (b"mx; none", NONE),
    ],
)
def test_verdicts(header, verdict):
    raw = b"Authentication-Results: " + header + b"\nFrom: a@example.ru\nSubject: x\n\nbody\n"
    assert sender_verdict(raw, sender_email="a@example.ru").result == verdict
