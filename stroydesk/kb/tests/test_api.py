"""REST API of the knowledge base: who may create, who sees internal articles, search results."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from stroydesk.accounts.models import User
from stroydesk.kb.models import Article, SearchMiss

ARTICLES = "/api/v1/kb/articles/"
SEARCH = "/api/v1/kb/search/"
NEW_ARTICLE = {
    "title": "Ордер на земляные работы",
    "body": "Ордер выдаёт ОАТИ. <script>alert(1)</script>",
    "tags": ["ордер", "раскопки"],
    "topics": ["earthworks-order"],
    "authority": "oati",
    "legal_acts": [{"title": "Постановление № 857-ПП", "url": "https://www.mos.ru/"}],
}


@pytest.fixture
def articles(make_article):
    public = make_article(
        "Разрешение на строительство", "Разрешение выдаёт Мосгосстройнадзор.", slug="rns"
    )
    internal = make_article(
        "Разрешение: памятка оператору", "Как отвечать.", slug="rns-memo", audience="internal"
    )
    return public, internal


@pytest.mark.parametrize("role", ["supervisor", "admin_user"])
def test_editors_create_articles(api, request, role, directory):
    user = request.getfixturevalue(role)
    response = api(user).post(ARTICLES, NEW_ARTICLE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "order-na-zemlyanye-raboty"
    assert body["topics"] == ["earthworks-order"]
    assert body["authority"] == "oati"
    assert "<script" not in body["body_html"]
    article = Article.objects.get(slug=body["slug"])
    assert article.versions.count() == 1
    assert article.author == user


def test_a_holder_of_the_edit_permission_may_create(api, operator, directory):
    operator.user_permissions.add(Permission.objects.get(codename="edit_kb"))
    operator = User.objects.get(pk=operator.pk)
    assert api(operator).post(ARTICLES, NEW_ARTICLE, format="json").status_code == 201


@pytest.mark.parametrize("role", ["applicant_user", "operator", "specialist"])
def test_others_may_not_create(api, request, role, directory):
    user = request.getfixturevalue(role)
    response = api(user).post(ARTICLES, NEW_ARTICLE, format="json")
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_anonymous_may_not_create(api, directory):
    assert api().post(ARTICLES, NEW_ARTICLE, format="json").status_code in {401, 403}
    assert not Article.objects.exists()


def test_invalid_article_is_refused_with_field_errors(api, supervisor, directory):
    payload = {**NEW_ARTICLE, "title": "", "topics": ["no-such-topic"]}
    response = api(supervisor).post(ARTICLES, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"title", "topics"}
    payload = {**NEW_ARTICLE, "legal_acts": [{"title": "Акт", "url": "javascript:alert(1)"}]}
    assert api(supervisor).post(ARTICLES, payload, format="json").status_code == 400
    assert not Article.objects.exists()


def test_duplicate_slug_is_refused(api, supervisor, articles):
    response = api(supervisor).post(ARTICLES, {**NEW_ARTICLE, "slug": "rns"}, format="json")
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]


def test_public_article_is_readable_by_anyone(api, articles):
    response = api().get(f"{ARTICLES}rns/")
    assert response.status_code == 200
    assert response.json()["title"] == "Разрешение на строительство"


@pytest.mark.parametrize("who", [None, "applicant_user"])
def test_internal_article_is_404_for_applicants_and_anonymous(api, request, articles, who):
    user = request.getfixturevalue(who) if who else None
    assert api(user).get(f"{ARTICLES}rns-memo/").status_code == 404
    assert api(user).get(f"{ARTICLES}no-such-article/").status_code == 404


def test_internal_article_is_readable_by_staff(api, operator, specialist, articles):
    assert api(operator).get(f"{ARTICLES}rns-memo/").status_code == 200
    assert api(specialist).get(f"{ARTICLES}rns-memo/").status_code == 200


def test_search_answers_ranked_results(api, articles, operator):
    response = api().get(SEARCH, {"q": "разрешением", "limit": 10})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["slug"] for r in results] == ["rns"]
    assert set(results[0]) == {"slug", "title", "snippet", "score"}
    assert "<mark>" in results[0]["snippet"]
    staff = api(operator).get(SEARCH, {"q": "разрешение"}).json()["results"]
    assert {r["slug"] for r in staff} == {"rns", "rns-memo"}
    scores = [r["score"] for r in staff]
    assert scores == sorted(scores, reverse=True)


def test_search_limit_is_respected_and_validated(api, articles, operator):
    assert len(api(operator).get(SEARCH, {"q": "разрешение", "limit": 1}).json()["results"]) == 1
    assert api().get(SEARCH, {"q": "разрешение", "limit": 0}).status_code == 400
    assert api().get(SEARCH, {"q": "разрешение", "limit": "много"}).status_code == 400


@pytest.mark.parametrize(
    "query", ["", "!!!", "&|!():*'\"", "я" * 1000, "pазрешение", "' OR 1=1 --"]
)
def test_search_bad_input_is_not_a_server_error(api, articles, query):
    response = api().get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_search_without_q_or_with_huge_q_is_400(api, articles):
    assert api().get(SEARCH).status_code == 400
    assert api().get(SEARCH, {"q": "я" * 5000}).status_code == 400


def test_search_without_results_is_recorded_for_editors(api, articles):
    api().get(SEARCH, {"q": "Абырвалг"})
    api().get(SEARCH, {"q": "абырвалг!"})
    miss = SearchMiss.objects.get()
    assert (miss.query, miss.count) == ("абырвалг", 2)
