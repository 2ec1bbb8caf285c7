"""The admin's log of letters shows applicants' addresses and the letters' text: each page is in
the personal-data access log."""

from __future__ import annotations

from stroydesk.accounts.models import PersonalDataAccess
from stroydesk.cases.tests.factories import make_request
from stroydesk.notifications.models import OutgoingMessage


def _letter(request, n: int) -> OutgoingMessage:
    return OutgoingMessage.objects.create(
        key=f"test:{n}",
        request=request,
        to=[request.applicant.email] if request is not None else ["someone@example.ru"],
        subject="Ваше обращение",
        body="Здравствуйте! Ответ на ваш вопрос.",
        message_id=f"<{n}@stroydesk.test>",
    )


def test_letter_list_and_body_are_logged(client, admin_user, directory):
    first, second = make_request(), make_request()
    letters = [_letter(first, 1), _letter(second, 2), _letter(None, 3)]
    client.force_login(admin_user)
    assert client.get("/admin/notifications/outgoingmessage/").status_code == 200
    listed = PersonalDataAccess.objects.get()
    assert listed.applicant_ids == sorted([first.applicant_id, second.applicant_id])
    page = client.get(f"/admin/notifications/outgoingmessage/{letters[1].pk}/change/")
    assert "Ответ на ваш вопрос" in page.content.decode()
    opened = PersonalDataAccess.objects.order_by("-id").first()
    assert opened.applicant_ids == [second.applicant_id]
    assert opened.context == f"admin letter {letters[1].pk}"
    client.get(f"/admin/notifications/outgoingmessage/{letters[2].pk}/change/")
    assert PersonalDataAccess.objects.count() == 2  # a letter about no request names nobody
