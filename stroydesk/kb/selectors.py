"""Queries of the knowledge base: who sees which article, search, suggestions, deflection rate."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from stroydesk.directory.models import Topic
from stroydesk.kb import query as kb_query
from stroydesk.kb import search, text
from stroydesk.kb.models import Article, ArticleVersion, SearchMiss, SuggestionImpression

EDITOR_ROLES = {"supervisor", "admin"}


def user_is_kb_staff(user: Any) -> bool:
    """Staff of the center and of the authorities read internal articles; applicants do not."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or getattr(user, "role", "applicant") != "applicant")


def user_is_kb_editor(user: Any) -> bool:
    """Editors (supervisors, administrators, or holders of kb.edit_kb) write articles."""
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "role", "") in EDITOR_ROLES or user.has_perm("kb.edit_kb"))


def article_visible_to(*, user: Any) -> QuerySet[Article]:
    """The articles this user may read: everything for staff, public articles for the rest."""
    qs = Article.objects.all()
    if not user_is_kb_staff(user):
        qs = qs.filter(audience=Article.Audience.PUBLIC)
    return qs


def article_get_for(*, user: Any, slug: str) -> Article:
    """One article by its slug; 404 when it does not exist or the user may not read it."""
    article = (
        article_visible_to(user=user)
        .select_related("authority", "reviewed_by", "author")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        raise Http404("No such article.")
    return article


def article_related_for(*, user: Any, article: Article) -> QuerySet[Article]:
    return article_visible_to(user=user).filter(related=article).order_by("title")


def article_list_for(*, user: Any, topic: Topic | None = None) -> QuerySet[Article]:
    """The articles of the index: the reader's language first, then by title."""
    qs = article_visible_to(user=user).prefetch_related("topics__parent")
    if topic is not None:
        qs = qs.filter(topics__in=_topic_ids(topic)).distinct()
    reader = interface_language()
    return qs.annotate(
        other_language=Case(When(language=reader, then=Value(0)), default=Value(1))
    ).order_by("other_language", "title")


@dataclass(frozen=True)
class IndexSection:
    """A section of the index: a section of topics and its articles (None: no topic)."""

    section: Topic | None
    articles: list[Article]


def article_index_sections(articles: Iterable[Article]) -> list[IndexSection]:
    """Articles grouped by the section of their first topic, sections in their own order, the
    articles without a topic last."""
    groups: dict[int | None, list[Article]] = {}
    sections: dict[int | None, Topic | None] = {None: None}
    for article in articles:
        topics = sorted(article.topics.all(), key=lambda t: (t.position, t.pk))
        section = (topics[0].parent or topics[0]) if topics else None
        key = section.pk if section else None
        sections[key] = section
        groups.setdefault(key, []).append(article)

    def place(key: int | None) -> tuple:
        section = sections[key]
        return (1, 0, "") if section is None else (0, section.position, section.name)

    return [
        IndexSection(section=sections[k], articles=groups[k]) for k in sorted(groups, key=place)
    ]


def interface_language() -> str:
    """The language of the interface now, as an article's language code (ru or en)."""
    return (translation.get_language() or "ru").split("-")[0]


def article_versions(*, article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("changed_by").order_by("-number")


def article_needing_review() -> QuerySet[Article]:
    """Articles whose last review (or creation, if never reviewed) is over a year old."""
    from django.utils import timezone

    from stroydesk.kb.models import REVIEW_INTERVAL

    cutoff = timezone.now() - REVIEW_INTERVAL
    return Article.objects.filter(
        Q(reviewed_at__lte=cutoff) | Q(reviewed_at__isnull=True, created_at__lte=cutoff)
    ).order_by("reviewed_at", "title")


def _topic_ids(topic: Topic) -> list[int]:
    """A section stands for itself and all its topics."""
    return [topic.pk, *Topic.objects.filter(parent=topic).values_list("pk", flat=True)]


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    """One found article with its score, highlighted title and snippet (safe HTML)."""

    article: Article
    score: float
    title_html: SafeString
    snippet: SafeString

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def title(self) -> str:
        return self.article.title


@dataclass(frozen=True)
class TopicFacet:
    topic: Topic
    count: int


@dataclass
class SearchResults:
    """What ``article_search`` answers: hits best first, facets, and how the query was read."""

    query: str
    hits: list[SearchHit] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    lemmas: frozenset[str] = frozenset()
    matched: int = 0
    # The ranked articles, whose topics the facets count.
    ranked_ids: list[int] = field(default_factory=list)
    _facets: list[TopicFacet] | None = field(default=None, repr=False)

    @property
    def facets(self) -> list[TopicFacet]:
        """Matching articles per topic, counted when first asked for: the search page shows
        them, the suggestions while typing and the operator's panel do not, and the count is a
        round trip to the database that they need not wait for."""
        if self._facets is None:
            self._facets = _facets(self.ranked_ids)
        return self._facets

    def __iter__(self):
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __bool__(self) -> bool:
        return bool(self.hits)


def article_search(
    query: str, *, user: Any, limit: int = 10, topic: Topic | None = None
) -> SearchResults:
    """Articles the user may read that answer the query, best first, on any database.

    Every word form matches (lemmas), one or two typos are forgiven, synonyms and the search
    dictionary's meanings count a little less than the word itself, transliterated words are
    read as Russian; title matches and recent reviews rank higher; the articles closest in
    meaning (kb.semantic) are fused in. Facets count the matching articles per topic among the
    best candidates.
    """
    query = (query or "").strip()
    results = SearchResults(query=query)
    limit = max(1, min(int(limit), 50))
    analysed = kb_query.analyse_query(query)
    if not analysed.groups:
        return results
    results.corrections = analysed.corrections
    results.lemmas = analysed.all_lemmas
    ranked = search.hybrid_ranking(
        analysed,
        public_only=not user_is_kb_staff(user),
        topic_ids=_topic_ids(topic) if topic is not None else None,
        limit=max(30, 3 * limit),
    )
    if not ranked:
        return results
    # Articles in the reader's language first (each part still best first): the other
    # language's articles are for those who read it, and are marked as such.
    languages = {s.article_id: s.language for s in ranked}
    reader = interface_language()
    # A question in Latin letters may be English (or Russian typed in Latin): its own ranking
    # knows best; a question in Cyrillic is Russian, and so are the articles it wants first.
    if re.search(r"[а-яё]", query, re.IGNORECASE):
        ranked.sort(key=lambda s: languages.get(s.article_id) != reader)
    results.matched = len(ranked)
    results.ranked_ids = [s.article_id for s in ranked]
    top = ranked[:limit]
    articles = {s.article_id: s.article for s in top if s.article is not None}
    missing = [s.article_id for s in top if s.article is None]
    if missing:
        articles.update(Article.objects.defer("body").in_bulk(missing))
    wanted = analysed.all_lemmas
    for s in top:
        article = articles[s.article_id]
        results.hits.append(
            SearchHit(
                article=article,
                score=s.score,
                title_html=mark_safe(text.highlight(article.title, wanted)),
                snippet=mark_safe(_snippet(article, wanted)),
            )
        )
    return results


def _snippet(article: Article, wanted: frozenset[str]) -> str:
    body = _plain_text(article.body_html)
    passage = text.snippet(body, wanted)
    if "<mark>" not in passage and article.summary:
        return text.highlight(article.summary, wanted)
    return passage


@lru_cache(maxsize=512)
def _plain_text(body_html: str) -> str:
    """An article's text without markup: cleaning the HTML of a long article costs more than
    the rest of its snippet, and the same few articles answer most questions."""
    return text.html_to_text(body_html)


def _facets(article_ids: list[int]) -> list[TopicFacet]:
    if not article_ids:
        return []
    topics = Topic.objects.filter(kb_articles__in=article_ids).annotate(
        matched=Count("kb_articles")
    )
    facets = [TopicFacet(t, t.matched) for t in topics]
    facets.sort(key=lambda f: (-f.count, f.topic.name))
    return facets


def articles_for_request_text(text_: str, user: Any, limit: int = 5) -> list[SearchHit]:
    """The best articles for a request's subject and text, for the operator's request card."""
    return article_search(text_[: kb_query.MAX_QUERY_CHARS], user=user, limit=limit).hits


def article_suggestions(*, subject: str, text_: str, limit: int = 5) -> list[SearchHit]:
    """Public articles that may answer a question being typed on the portal."""
    query = f"{subject} {text_}"
    return article_search(query[: kb_query.MAX_QUERY_CHARS], user=None, limit=limit).hits


# --- editors' lists and statistics ----------------------------------------------------------


def search_miss_list() -> QuerySet[SearchMiss]:
    return SearchMiss.objects.order_by("-count", "-last_at")


@dataclass(frozen=True)
class DeflectionRate:
    """Sessions shown suggestions, those that sent a question anyway, and the share deflected."""

    sessions: int
    submitted: int

    @property
    def deflected(self) -> int:
        return self.sessions - self.submitted

    @property
    def rate(self) -> float | None:
        return self.deflected / self.sessions if self.sessions else None


def deflection_rate(
    *, since: datetime | None = None, until: datetime | None = None
) -> DeflectionRate:
    """The deflection rate over sessions that were shown suggestions in the period."""
    qs = SuggestionImpression.objects.all()
    if since is not None:
        qs = qs.filter(shown_at__gte=since)
    if until is not None:
        qs = qs.filter(shown_at__lt=until)
    per_session = qs.values("session_key").annotate(
        sent=Count("id", filter=Q(submitted_request_number__isnull=False))
    )
    sessions = submitted = 0
    for row in per_session:
        sessions += 1
        submitted += 1 if row["sent"] else 0
    return DeflectionRate(sessions=sessions, submitted=submitted)
