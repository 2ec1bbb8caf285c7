"""The applicant adds information to their request: only their own, never a closed one; while
the request waits for them, it is their clarification."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from stroydesk.cases import selectors, services
from stroydesk.cases.attachments import check_attachment
from stroydesk.cases.models import Attachment, History, Request
from stroydesk.cases.tests.factories import make_request

S = Request.Status


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _pdf(name: str = "permit.pdf"):
    data = b"%PDF-1.4 permit"
    return check_attachment(name=name, size=len(data), file=io.BytesIO(data))


def _stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_applicant_adds_text_and_files_to_their_request(applicant_user, operator, media):
    case = make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)
    row = services.request_add_message(
        request=case,
        by=applicant_user,
        text=" Номер разрешения: 77-123 ",
        channel=Request.Channel.PORTAL,
        attachments=[_pdf()],
    )
    assert (row.action, row.actor, row.comment, row.is_public) == (
        "message",
        applicant_user,
        "Номер разрешения: 77-123",
        True,
    )
    assert row.data == {"channel": "portal", "attachments": 1}
    assert case.attachments.get().original_name == "permit.pdf"
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS  # a message changes no status


@pytest.fixture
def in_progress(applicant_user, operator) -> Request:
    return make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)


@pytest.mark.parametrize("persona", ["other_applicant_user", "operator", "specialist"])
def test_only_the_requests_applicant_adds_information(in_progress, persona, request, media):
    before = History.objects.filter(request=in_progress).count()
    with pytest.raises(PermissionDenied):
        services.request_add_message(
            request=in_progress,
            by=request.getfixturevalue(persona),
            text="Дополнение",
            attachments=[_pdf()],
        )
    assert History.objects.filter(request=in_progress).count() == before
    assert not Attachment.objects.exists()
    assert _stored_files(media) == []


def test_a_closed_request_takes_nothing_more_and_says_reopen(applicant_user, operator, media):
    case = make_request(applicant=applicant_user.applicant, status=S.CLOSED, operator=operator)
    before = History.objects.filter(request=case).count()
    with translation.override("en"), pytest.raises(services.TransitionNotAllowed, match="reopen"):
        services.request_add_message(
            request=case, by=applicant_user, text="Ещё вопрос", attachments=[_pdf()]
        )
    assert History.objects.filter(request=case).count() == before
    assert not Attachment.objects.exists()
    assert _stored_files(media) == []


def test_an_answered_request_still_takes_information(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    row = services.request_add_message(request=case, by=applicant_user, text="Спасибо, ещё факт")
    assert row.action == "message"


def test_a_channel_reply_to_a_closed_request_is_still_kept(applicant_user, operator):
    """An e-mail reply (no signed-in user) cannot be shown a refusal: it is kept for the staff."""
    case = make_request(applicant=applicant_user.applicant, status=S.CLOSED, operator=operator)
    row = services.request_add_message(request=case, by=None, text="Спасибо за ответ!")
    assert (row.action, row.actor) == ("message", None)


def test_while_waiting_for_the_applicant_the_information_is_the_clarification(
    applicant_user, operator, media
):
    case = make_request(
        applicant=applicant_user.applicant, status=S.WAITING_APPLICANT, operator=operator
    )
    row = services.request_add_message(
        request=case, by=applicant_user, text="Дом 13", attachments=[_pdf()]
    )
    assert (row.action, row.actor, row.comment) == ("clarify", applicant_user, "Дом 13")
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS
    assert case.attachments.count() == 1


def test_a_stale_copy_still_answers_the_question_asked_meanwhile(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)
    stale = Request.objects.get(pk=case.pk)  # the applicant's page, loaded before the question
    services.request_ask_clarification(request=case, by=operator, question="Какой дом?")
    row = services.request_add_message(request=stale, by=applicant_user, text="Дом 13")
    assert row.action == "clarify"
    assert Request.objects.get(pk=case.pk).status == S.IN_PROGRESS


def test_a_stale_copy_cannot_add_to_a_request_closed_meanwhile(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    stale = Request.objects.get(pk=case.pk)
    services.request_close(request=case, by=operator)
    with pytest.raises(services.TransitionNotAllowed, match="откройте обращение повторно"):
        services.request_add_message(request=stale, by=applicant_user, text="Ещё вопрос")
    assert not History.objects.filter(request=case, action="message").exists()


def test_html_in_added_information_is_stored_as_typed(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)
    text = '<script>alert("x")</script> Дом 13'
    row = services.request_add_message(request=case, by=applicant_user, text=text)
    assert row.comment == text  # escaped when shown; the portal test checks it renders as text


# --- Whose period a message belongs to, and who reads it --------------------------------------


def _texts(rows) -> list[str]:
    return [row.comment for row in rows]


def test_a_message_while_escalated_names_the_open_escalation(
    applicant_user, operator, authority, specialist
):
    case = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    row = services.request_add_message(request=case, by=applicant_user, text="Дом 13")
    escalation = case.escalations.get()
    assert row.data == {"channel": "email", "attachments": 0}
    assert row.escalation_id == escalation.pk


def test_a_clarification_while_escalated_names_the_escalation(
    applicant_user, operator, authority, specialist
):
    case = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    services.request_ask_clarification(request=case, by=operator, question="Какой дом?")
    row = services.request_add_message(request=case, by=applicant_user, text="Дом 13")
    assert row.action == "clarify"
    assert row.escalation_id == case.escalations.get().pk


def test_a_specialist_reads_the_center_and_own_periods_not_another_authoritys(
    applicant_user, operator, operator2, authority, other_authority, specialist
):
    case = make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)
    services.request_add_message(request=case, by=applicant_user, text="До передачи")
    services.request_escalate(request=case, by=operator, authority=other_authority)
    services.request_add_message(request=case, by=None, text="Пока у Москомархитектуры")
    services.request_reassign(request=case, by=operator, authority=authority, reason="Не их")
    services.request_add_message(request=case, by=applicant_user, text="Пока у нас")
    services.request_ask_clarification(request=case, by=operator, question="Какой дом?")
    services.request_clarify(request=case, by=applicant_user, text="Дом 13")

    ours = selectors.request_additions_for(user=specialist, request=case)
    assert _texts(ours) == ["До передачи", "Пока у нас", "Дом 13"]
    everything = ["До передачи", "Пока у Москомархитектуры", "Пока у нас", "Дом 13"]
    assert _texts(selectors.request_additions_for(user=operator2, request=case)) == everything
    assert _texts(selectors.request_additions_for(user=applicant_user, request=case)) == everything
    # The timeline (and the API built on it) withholds the same row from the specialist.
    timeline = selectors.request_history_for(user=specialist, request=case)
    assert "Пока у Москомархитектуры" not in _texts(timeline)
    assert "Пока у нас" in _texts(timeline)
