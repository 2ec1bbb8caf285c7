"""Who sees what: each role against each other's requests, denials included (404, not 403)."""

from __future__ import annotations

import pytest

from stroydesk.cases.tests.factories import make_request

URL = "/api/v1/requests/"


@pytest.fixture
def world(
    applicant_user,
    other_applicant_user,
    operator,
    authority,
    other_authority,
    specialist,
    other_specialist,
):
    mine = make_request(
        applicant=applicant_user.applicant,
        status="escalated",
        operator=operator,
        authority=authority,
    )
    theirs = make_request(
        applicant=other_applicant_user.applicant,
        status="escalated",
        operator=operator,
        authority=other_authority,
    )
    fresh = make_request(applicant=other_applicant_user.applicant)
    return {"mine": mine, "theirs": theirs, "fresh": fresh}


def _ids(client) -> set[int]:
    return {r["id"] for r in client.get(URL).json()["results"]}


def test_applicant_sees_only_own_requests(api, world, applicant_user):
    client = api(applicant_user)
    assert _ids(client) == {world["mine"].pk}
    assert client.get(f"{URL}{world['mine'].pk}/").status_code == 200
    assert client.get(f"{URL}{world['theirs'].pk}/").status_code == 404
    assert (
        client.post(f"{URL}{world['theirs'].pk}/clarify/", {"text": "x"}, format="json").status_code
        == 404
    )


def test_applicant_does_not_see_internal_steps(api, world, applicant_user, operator):
    from stroydesk.cases import services

    services.request_add_note(request=world["mine"], by=operator, text="Внутренняя заметка")
    body = api(applicant_user).get(f"{URL}{world['mine'].pk}/").json()
    assert "note" not in [h["action"] for h in body["history"]]
    assert body["escalations"] == []
    assert all(h["actor"] != "Ольга" for h in body["history"])


def test_specialist_sees_only_their_authoritys_requests(api, world, specialist):
    client = api(specialist)
    assert _ids(client) == {world["mine"].pk}
    assert client.get(f"{URL}{world['theirs'].pk}/").status_code == 404
    assert client.get(f"{URL}{world['fresh'].pk}/").status_code == 404
    denied = client.post(
        f"{URL}{world['theirs'].pk}/authority-answer/", {"text": "x"}, format="json"
    )
    assert denied.status_code == 404


def test_other_specialist_sees_only_theirs(api, world, other_specialist):
    assert _ids(api(other_specialist)) == {world["theirs"].pk}


def test_specialist_loses_sight_after_reassignment(
    api, world, operator, other_authority, specialist
):
    from stroydesk.cases import services

    services.request_reassign(
        request=world["mine"], by=operator, authority=other_authority, reason="ГПЗУ"
    )
    assert api(specialist).get(f"{URL}{world['mine'].pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["operator", "supervisor", "admin_user"])
def test_center_staff_see_everything(api, world, persona, request):
    user = request.getfixturevalue(persona)
    assert _ids(api(user)) == {r.pk for r in world.values()}


def test_applicant_cannot_take_an_action_of_staff_on_own_request(
    api, world, applicant_user, authority
):
    response = api(applicant_user).post(
        f"{URL}{world['mine'].pk}/reassign/",
        {"authority": authority.code, "reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_specialist_cannot_escalate(api, world, specialist, other_authority):
    response = api(specialist).post(
        f"{URL}{world['mine'].pk}/reassign/",
        {"authority": other_authority.code, "reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_anonymous_gets_nothing(api, world):
    assert api().get(URL).status_code in (401, 403)
    assert api().get(f"{URL}{world['mine'].pk}/").status_code in (401, 403)


def test_deactivated_user_sees_nothing(api, world, applicant_user):
    applicant_user.is_active = False
    applicant_user.save()
    response = api(applicant_user).get(URL)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_specialist_reads_the_question_but_not_the_applicants_contacts(api, world, specialist):
    from stroydesk.accounts.models import PersonalDataAccess

    body = api(specialist).get(f"{URL}{world['mine'].pk}/").json()
    applicant = world["mine"].applicant
    assert body["applicant"]["full_name"] == applicant.full_name
    assert (body["applicant"]["email"], body["applicant"]["phone"]) == ("", "")
    assert applicant.email not in str(body)
    assert not PersonalDataAccess.objects.exists()  # no contacts shown, nothing to log


def test_staff_read_the_contacts_and_the_reading_is_logged(api, world, operator):
    from stroydesk.accounts.models import PersonalDataAccess

    body = api(operator).get(f"{URL}{world['mine'].pk}/").json()
    assert body["applicant"]["email"] == world["mine"].applicant.email
    assert PersonalDataAccess.objects.filter(actor=operator).count() == 1


def test_applicant_sees_no_escalations_nor_the_authoritys_answer(
    api, world, applicant_user, specialist
):
    from stroydesk.cases import services

    services.request_authority_answer(request=world["mine"], by=specialist, text="Ответ органа.")
    body = api(applicant_user).get(f"{URL}{world['mine'].pk}/").json()
    assert body["escalations"] == []
    assert body["answers"] == []
    assert "Ответ органа." not in str(body)
