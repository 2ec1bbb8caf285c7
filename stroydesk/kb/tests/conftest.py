"""Fixtures of the knowledge base's tests: articles written through the real services."""

from __future__ import annotations

import pytest

from stroydesk.kb import services
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
    """The whole seed content of the knowledge base (43 articles)."""
    return kb_seed()
