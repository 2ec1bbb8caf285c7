"""Pages of the knowledge base: articles, feedback, suggestions and deflection, staff panels."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from stroydesk.kb import selectors, services
from stroydesk.kb.models import Article, ArticleFeedback, SearchMiss, SuggestionImpression

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def permit(make_article, authority, topic):
    return make_article(
        "Разрешение на строительство",
        "Выдаёт **Мосгосстройнадзор** за 5 рабочих дней.\n\n<script>alert(1)</script>",
        summary="Как получить разрешение на строительство.",
        slug="razreshenie",
        authority=authority,
        topics=[topic],
        legal_acts=[{"title": "ГрК РФ, статья 51", "url": "https://example.org/51"}],
    )


@pytest.fixture
def memo(make_article):
    return make_article("Памятка оператору", "Внутреннее.", slug="memo", audience="internal")


def test_article_page_is_rendered_and_sanitised(permit):
    response = client_for().get("/kb/razreshenie/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Мосгосстройнадзор</strong>" in html
    assert "alert(1)" not in html
    assert "ГрК РФ, статья 51" in html
    assert "Комитет государственного строительного надзора" in html or "Мосгосстройнадзор" in html


def test_internal_article_page_is_404_for_applicants(memo, applicant_user, operator):
    assert client_for().get("/kb/memo/").status_code == 404
    assert client_for(applicant_user).get("/kb/memo/").status_code == 404
    assert client_for(operator).get("/kb/memo/").status_code == 200


def test_search_page_shows_hits_facets_and_records_misses(permit, topic):
    response = client_for().get("/kb/", {"q": "разрешения"})
    html = response.content.decode()
    assert "<mark>Разрешение</mark>" in html
    assert f"topic={topic.pk}" in html
    client_for().get("/kb/", {"q": "квазар"})
    assert SearchMiss.objects.get().query == "квазар"


def test_search_page_accepts_bad_input(permit):
    for q in ["", "&|!():*'", "я" * 1000, "<script>alert(1)</script>"]:
        response = client_for().get("/kb/", {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_list_page_query_count_is_fixed(make_article, django_assert_max_num_queries):
    for i in range(15):
        make_article(f"Статья {i}", "Текст.")
    with django_assert_max_num_queries(6):
        assert client_for().get("/kb/").status_code == 200


def test_feedback_is_counted_once_per_session(permit):
    client = client_for()
    first = client.post("/kb/razreshenie/feedback/", {"helpful": "yes"}, **HTMX)
    second = client.post("/kb/razreshenie/feedback/", {"helpful": "no"}, **HTMX)
    assert first.status_code == second.status_code == 200
    assert "Спасибо" in first.content.decode()
    permit.refresh_from_db()
    assert (permit.helpful_yes, permit.helpful_no) == (1, 0)
    client_for().post("/kb/razreshenie/feedback/", {"helpful": "no"})
    permit.refresh_from_db()
    assert (permit.helpful_yes, permit.helpful_no) == (1, 1)
    assert ArticleFeedback.objects.count() == 2


def test_feedback_on_internal_article_is_404_for_outsiders(memo):
    assert client_for().post("/kb/memo/feedback/", {"helpful": "yes"}).status_code == 404


def test_suggestions_show_public_articles_and_record_the_impression(permit, memo):
    client = client_for()
    response = client.get(
        "/kb/suggest/", {"subject": "Разрешение", "text": "как получить разрешение"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Возможно, это ответ на ваш вопрос" in html
    assert "/kb/razreshenie/" in html
    assert "/kb/memo/" not in html
    impression = SuggestionImpression.objects.get()
    assert impression.shown_slugs == ["razreshenie"]
    assert impression.session_key == client.session.session_key
    # Typing on with the same suggestions refreshes the impression instead of adding rows.
    client.get("/kb/suggest/", {"subject": "Разрешение", "text": "как получить разрешения"})
    assert SuggestionImpression.objects.count() == 1


def test_suggestions_are_empty_for_short_or_unknown_text(permit):
    for params in [{"subject": "", "text": "ра"}, {"subject": "квазар", "text": "пульсар"}, {}]:
        response = client_for().get("/kb/suggest/", params)
        assert response.status_code == 200
        assert response.content.decode().strip() == ""
    assert not SuggestionImpression.objects.exists()


def test_deflection_rate_counts_sessions_that_did_not_send(permit):
    sent, left = client_for(), client_for()
    for client in (sent, left):
        client.get("/kb/suggest/", {"subject": "Разрешение на строительство", "text": ""})
    services.deflection_record_submission(
        session_key=sent.session.session_key, request_number="ЕКЦ-2026-000001"
    )
    assert (
        SuggestionImpression.objects.get(
            session_key=sent.session.session_key
        ).submitted_request_number
        == "ЕКЦ-2026-000001"
    )
    rate = selectors.deflection_rate()
    assert (rate.sessions, rate.submitted, rate.deflected, rate.rate) == (2, 1, 1, 0.5)
    services.deflection_record_submission(session_key="", request_number="ЕКЦ-2026-000002")
    assert selectors.deflection_rate().submitted == 1


def test_misses_page_is_for_staff_only(permit, operator, applicant_user):
    services.search_miss_record(query="квазар")
    assert client_for().get("/kb/editor/misses/").status_code == 302
    assert client_for(applicant_user).get("/kb/editor/misses/").status_code == 403
    response = client_for(operator).get("/kb/editor/misses/")
    assert response.status_code == 200
    assert "квазар" in response.content.decode()


def test_history_shows_diff_and_editor_restores(permit, supervisor, operator):
    data = services.article_data_of(permit)
    data.body = "Новый текст статьи."
    services.article_update(article=permit, data=data, by=supervisor, comment="правка")
    assert client_for(operator).get("/kb/razreshenie/history/").status_code == 403
    page = client_for(supervisor).get("/kb/razreshenie/history/").content.decode()
    assert "+Новый текст статьи." in page
    assert client_for(operator).post("/kb/razreshenie/history/1/restore/").status_code == 403
    response = client_for(supervisor).post("/kb/razreshenie/history/1/restore/")
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.version == 3
    assert "Мосгосстройнадзор" in permit.body
    assert [v.number for v in permit.versions.all()] == [3, 2, 1]


def test_saving_unchanged_content_adds_no_version(permit):
    services.article_update(article=permit, data=services.article_data_of(permit), by=None)
    assert permit.versions.count() == 1


def test_article_not_reviewed_for_a_year_is_flagged(permit):
    from datetime import timedelta

    from django.utils import timezone

    assert not permit.needs_review
    services.article_mark_reviewed(article=permit, by=None, at=timezone.now() - timedelta(days=366))
    permit.refresh_from_db()
    assert permit.needs_review
    assert list(selectors.article_needing_review()) == [permit]


def test_seed_kb_is_idempotent(directory):
    call_command("seed_kb")
    count = Article.objects.count()
    versions = sum(a.versions.count() for a in Article.objects.all())
    assert count >= 40
    assert Article.objects.filter(language="ru", audience="public").count() >= 30
    call_command("seed_kb")
    assert Article.objects.count() == count
    assert sum(a.versions.count() for a in Article.objects.all()) == versions


def test_admin_saves_through_services(permit, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    response = client.post(
        "/admin/kb/article/add/",
        {
            "title": "Ордер ОАТИ",
            "slug": "order-oati",
            "body": "Ордер на земляные работы.",
            "audience": "public",
            "language": "ru",
            "legal_acts": "[]",
            "tags": "раскопки",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="order-oati")
    assert article.versions.count() == 1
    assert [h.slug for h in selectors.article_search("ордера", user=None)] == ["order-oati"]


def test_reindex_rebuilds_the_search_text_without_a_new_version(permit):
    Article.objects.filter(pk=permit.pk).update(search_title="", search_body="", search_tags="")
    call_command("kb_reindex")
    permit.refresh_from_db()
    assert "разрешение" in permit.search_title.split()
    assert permit.versions.count() == 1
    assert [h.slug for h in selectors.article_search("разрешения", user=None)] == ["razreshenie"]


def test_suggestions_and_feedback_accept_bad_input(permit):
    client = client_for()
    for text in ["разрешение\x00строительство", "&|!():*'\"", "я" * 3000, "<script>x()</script>"]:
        response = client.get("/kb/suggest/", {"subject": "Разрешение", "text": text})
        assert response.status_code == 200
        assert "<script>x()" not in response.content.decode()
    response = client.post("/kb/razreshenie/feedback/", {"helpful": "no", "comment": "a\x00b"})
    assert response.status_code == 302
    assert ArticleFeedback.objects.get().comment == "ab"
