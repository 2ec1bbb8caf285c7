"""One rule for what a user may not open, in every app (kb, stats, portal): a page of a role the
user does not have answers 403, an object the user may not know exists answers 404, and an
anonymous visitor is sent to sign in."""

from __future__ import annotations

import pytest
from django.test import Client

from stroydesk.accounts.models import User
from stroydesk.cases.tests.factories import make_request
from stroydesk.kb import services as kb

R = User.Role
ROLES = {
    R.APPLICANT: "applicant_user",
    R.OPERATOR: "operator",
    R.SPECIALIST: "specialist",
    R.SUPERVISOR: "supervisor",
    R.ADMIN: "admin_user",
}
STAFF = {R.OPERATOR, R.SUPERVISOR, R.ADMIN}
HEADS = {R.SUPERVISOR, R.ADMIN}

# Pages of roles: (path, the roles it is for).
PAGES = [
    ("/kb/editor/misses/", {R.OPERATOR, R.SPECIALIST, R.SUPERVISOR, R.ADMIN}),
    ("/kb/vnutrennee/history/", HEADS),
    ("/stats/", HEADS),
    ("/stats/dashboard.json", HEADS),
    ("/stats/export.csv", HEADS),
    ("/my/", {R.APPLICANT}),
    ("/ask/", {R.APPLICANT}),
    ("/desk/", STAFF),
    ("/desk/phone/", STAFF),
    ("/authority/", {R.SPECIALIST}),
    ("/supervisor/", HEADS),
    ("/supervisor/workload/", HEADS),
    ("/supervisor/audit/", HEADS),
]


@pytest.fixture
def internal_article(directory):
    data = kb.ArticleData(title="Внутреннее", body="Только для сотрудников.", audience="internal")
    return kb.article_create(data=data, by=None, slug="vnutrennee", reviewed=True)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("path", "roles"), PAGES, ids=[path for path, _ in PAGES])
def test_a_page_of_another_role_is_403(request, internal_article, role, path, roles):
    user = request.getfixturevalue(ROLES[role])
    expected = 200 if role in roles else 403
    assert _client(user).get(path).status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "roles"), PAGES, ids=[path for path, _ in PAGES])
def test_an_anonymous_visitor_signs_in_first(internal_article, path, roles):
    response = _client(None).get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.fixture
def escalated(applicant_user, operator, authority):
    return make_request(
        applicant=applicant_user.applicant,
        status="escalated",
        operator=operator,
        authority=authority,
    )


def test_an_object_the_user_may_not_know_of_is_404_whatever_the_app(
    escalated, internal_article, other_applicant_user, other_specialist, specialist, operator
):
    # Each user below has the role of the page, not the right to this object.
    assert _client(other_applicant_user).get(f"/my/{escalated.pk}/").status_code == 404
    assert _client(other_specialist).get(f"/authority/requests/{escalated.pk}/").status_code == 404
    assert _client(other_specialist).get(f"/desk/requests/{escalated.pk}/kb/").status_code == 404
    assert _client(operator).get("/desk/requests/999999/").status_code == 404
    assert _client(other_applicant_user).get("/kb/vnutrennee/").status_code == 404
    assert _client(None).get("/kb/vnutrennee/").status_code == 404
    # …and the same objects open for those who may see them.
    assert _client(specialist).get(f"/authority/requests/{escalated.pk}/").status_code == 200
    assert _client(operator).get(f"/desk/requests/{escalated.pk}/kb/").status_code == 200
    assert _client(operator).get("/kb/vnutrennee/").status_code == 200


def test_403_tells_nothing_of_the_object(escalated, other_applicant_user, other_specialist):
    """The role is asked first on a role's page: its 403 is the same for a request that exists
    and one that does not, so it confirms nothing; within the role, 404 for what is not theirs."""
    desk = [f"/desk/requests/{pk}/take/" for pk in (escalated.pk, 999999)]
    assert [_client(other_specialist).post(path).status_code for path in desk] == [403, 403]
    mine = [f"/my/{pk}/close/" for pk in (escalated.pk, 999999)]
    assert [_client(other_applicant_user).post(path).status_code for path in mine] == [404, 404]
