"""Fixtures of the knowledge base's tests: articles written through the real services."""

from __future__ import annotations

import pytest
from django.db import transaction

from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.services import directory_seed
from stroydesk.kb import services
from stroydesk.kb.models import (
    Article,
    ArticleVersion,
    DictionaryEntry,
    SearchIndexState,
    SearchLemma,
    SearchMiss,
    SearchTerm,
    SuggestionImpression,
)
from stroydesk.kb.seed import kb_seed


@pytest.fixture
def make_article(directory):
    """make_article(title, body, **fields) creates an article through kb.services."""

    def make(title: str, body: str, *, by=None, slug: str = "", reviewed: bool = True, **extra):
        data = services.ArticleData(title=title, body=body, **extra)
        return services.article_create(data=data, by=by, slug=slug, reviewed=reviewed)

    return make


@pytest.fixture
def seeded(directory):
    """The whole seed content of the knowledge base (47 articles) and the search dictionary."""
    return kb_seed()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The seed content, committed once for a module of read-only tests, removed after it.

    Seeding takes seconds; tests that only search share it. Each test still runs in its own
    transaction, so whatever a test writes is rolled back as usual.
    """
    with django_db_blocker.unblock():
        directory_seed()
        kb_seed()
    yield
    with django_db_blocker.unblock(), transaction.atomic():
        for article in Article.objects.all():
            services.article_delete(article=article)
        for model in (
            ArticleVersion,
            SearchTerm,
            SearchLemma,
            SearchMiss,
            SuggestionImpression,
            DictionaryEntry,
            SearchIndexState,
        ):
            model.objects.all().delete()
        Topic.authorities.through.objects.all().delete()
        Topic.objects.filter(parent__isnull=False).delete()
        Topic.objects.all().delete()
        Authority.objects.all().delete()
