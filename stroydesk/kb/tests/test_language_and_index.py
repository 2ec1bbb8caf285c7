"""Articles in the interface's language come first (others marked); the index is grouped by
section under the search box; anonymous visitors find the knowledge base from the home page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from stroydesk.directory.models import Topic
from stroydesk.kb import selectors
from stroydesk.kb.models import Article


@pytest.fixture
def escrow(make_article, directory):
    permits = Topic.objects.get(code="construction-permit")
    english = make_article(
        "Escrow accounts for shared construction",
        "An escrow account (эскроу) keeps the buyers' money until the house is built.",
        language=Article.Language.EN,
        slug="escrow-en",
        topics=[permits],
    )
    russian = make_article(
        "Счета эскроу при долевом строительстве",
        "Деньги дольщиков хранятся на счёте эскроу до ввода дома.",
        slug="escrow-ru",
        topics=[permits],
    )
    other = make_article("Эскроу и ипотека", "Эскроу при ипотеке: деньги банка.", slug="escrow-2")
    return english, russian, other


@pytest.mark.django_db
def test_search_puts_the_interface_language_first(escrow, applicant_user):
    english, russian, other = escrow
    with translation.override("ru"):
        found = [h.slug for h in selectors.article_search("эскроу", user=applicant_user)]
    assert set(found[:2]) == {russian.slug, other.slug} and found[2] == english.slug
    with translation.override("en"):
        found = [h.slug for h in selectors.article_search("escrow", user=applicant_user)]
    assert found[0] == english.slug


@pytest.mark.django_db
def test_index_is_grouped_by_section_with_other_languages_marked(client, escrow):
    page = client.get(reverse("kb:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert page.index('class="kb-search"') < page.index('class="kb-section"')
    section = Topic.objects.get(code="construction-permit").parent
    assert f">{section.name}</h2>" in page
    assert "Другие вопросы" in page  # the article without a topic
    assert 'lang="en"' in page and "kb-other-language" in page
    assert page.index("Счета эскроу") < page.index("Escrow accounts")


@pytest.mark.django_db
def test_anonymous_home_and_header_link_to_the_knowledge_base(client, directory):
    page = client.get("/").content.decode()
    assert page.count(f'href="{reverse("kb:index")}"') >= 2
