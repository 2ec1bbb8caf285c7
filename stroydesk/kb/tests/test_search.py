"""Search on small made-up sets: visibility, ranking, facets, index kept in step with edits."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stroydesk.kb import services
from stroydesk.kb.models import Article
from stroydesk.kb.selectors import article_search

ANON = AnonymousUser()


def slugs(query: str, user=ANON, **kwargs) -> list[str]:
    return [h.slug for h in article_search(query, user=user, **kwargs)]


def test_internal_articles_only_for_staff(make_article, operator, applicant_user, specialist):
    make_article(
        "Порядок эскалации обращений", "Внутренний регламент эскалации.", audience="internal"
    )
    make_article("Эскалация для всех", "Публичная статья про эскалацию.")
    assert slugs("эскалация", user=ANON) == ["eskalatsiya-dlya-vsekh"]
    assert slugs("эскалация", user=applicant_user) == ["eskalatsiya-dlya-vsekh"]
    assert set(slugs("эскалация", user=operator)) == {
        "poryadok-eskalatsii-obrashcheniy",
        "eskalatsiya-dlya-vsekh",
    }
    assert len(slugs("эскалация", user=specialist)) == 2


def test_title_match_ranks_above_body_match(make_article):
    make_article("Отопление в подъезде", "Текст про котельную. Упоминание: эскроу.")
    make_article("Эскроу-счета", "Как работают счета и банки.")
    assert slugs("эскроу") == ["eskrou-scheta", "otoplenie-v-podezde"]


def test_recently_reviewed_article_ranks_higher(make_article):
    old = make_article("Газ в доме", "Подключение газа к дому.", slug="gaz-staryy")
    new = make_article("Газ в доме", "Подключение газа к дому.", slug="gaz-novyy")
    services.article_mark_reviewed(article=old, by=None, at=timezone.now() - timedelta(days=500))
    services.article_mark_reviewed(article=new, by=None, at=timezone.now() - timedelta(days=10))
    assert slugs("газ") == ["gaz-novyy", "gaz-staryy"]


def test_snippet_is_highlighted_and_escaped(make_article):
    make_article(
        "Статья", "Про <b>жирное</b> и разрешения на строительство.\n\n<script>x()</script>"
    )
    hit = article_search("разрешение", user=ANON).hits[0]
    assert "<mark>разрешения</mark>" in hit.snippet
    assert "<script" not in hit.snippet
    assert "<script" not in Article.objects.get().body_html


def test_facets_count_matching_articles_per_topic(make_article, topic):
    other = topic.parent.children.exclude(pk=topic.pk).first()
    make_article("Разрешение один", "Текст.", topics=[topic])
    make_article("Разрешение два", "Текст.", topics=[topic])
    make_article("Разрешение три", "Текст.", topics=[other])
    results = article_search("разрешение", user=ANON)
    assert [(f.topic.pk, f.count) for f in results.facets] == [(topic.pk, 2), (other.pk, 1)]
    assert len(article_search("разрешение", user=ANON, topic=topic)) == 2
    assert len(article_search("разрешение", user=ANON, topic=topic.parent)) == 3


def test_facets_are_counted_only_when_asked_for(make_article, topic):
    make_article("Разрешение один", "Текст.", topics=[topic])
    with CaptureQueriesContext(connection) as during_search:
        results = article_search("разрешение", user=ANON)
    assert results.hits
    assert not any("directory_topic" in q["sql"] for q in during_search.captured_queries)
    with CaptureQueriesContext(connection) as asked:
        assert [(f.topic.pk, f.count) for f in results.facets] == [(topic.pk, 1)]
        assert results.facets  # counted once
    assert len(asked.captured_queries) == 1


def test_updated_text_is_searchable_and_old_text_is_not(make_article):
    article = make_article("Ордер", "Земляные работы.")
    data = services.article_data_of(article)
    data.body = "Благоустройство после работ."
    services.article_update(article=article, data=data, by=None)
    assert slugs("благоустройство") == ["order"]
    assert slugs("земляной") == []


def test_deleted_article_is_not_found(make_article):
    article = make_article("Ордер", "Земляные работы.")
    services.article_delete(article=article)
    assert slugs("ордер") == []
    assert slugs("ордер", limit=50) == []


def test_english_articles_are_searchable(make_article):
    make_article("Building permits", "How permits are issued.", language="en")
    assert slugs("permit") == ["building-permits"]
    assert slugs("issuing a building permit") == ["building-permits"]


def test_the_hits_are_read_with_the_candidates(make_article):
    """One query of the articles table per search: the candidates' lemma text and the hits'
    display fields come together."""
    make_article("Разрешение на строительство", "Кто выдаёт разрешение.")
    make_article("Разрешение на ввод", "Разрешение на ввод в эксплуатацию.")
    article_search("разрешение", user=ANON)  # the article count and vectors, kept per process
    with CaptureQueriesContext(connection) as captured:
        results = article_search("разрешение", user=ANON)
    assert len(results.hits) == 2 and all(h.title.startswith("Разрешение") for h in results)
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "kb_article"' in q["sql"]]
    assert len(reads) == 1, reads
