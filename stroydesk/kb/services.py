"""Commands of the knowledge base: articles and their versions, feedback, suggestions shown."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from stroydesk.directory.models import Authority, Topic
from stroydesk.kb import search, semantic, text
from stroydesk.kb.models import (
    Article,
    ArticleFeedback,
    ArticleVersion,
    DictionaryEntry,
    SearchLemma,
    SearchMiss,
    SearchTerm,
    SuggestionImpression,
)

MAX_IMPRESSION_QUERY = 500


@transaction.atomic
def suggestion_impression_record(
    *, session_key: str, query: str, slugs: list[str]
) -> SuggestionImpression | None:
    """Record that these articles were suggested in this browser session for the typed text.

    Typing produces a suggestion request every few keystrokes: when the same articles are shown
    again in the same session, the last impression is refreshed instead of adding a row.
    """
    if not session_key or not slugs:
        return None
    query = query.replace("\x00", "")[:MAX_IMPRESSION_QUERY]
    last = (
        SuggestionImpression.objects.select_for_update()
        .filter(session_key=session_key, submitted_request_number__isnull=True)
        .order_by("-shown_at", "-id")
        .first()
    )
    now = timezone.now()
    if last is not None and last.shown_slugs == slugs:
        last.query = query
        last.shown_at = now
        last.save(update_fields=["query", "shown_at"])
        return last
    return SuggestionImpression.objects.create(
        session_key=session_key, query=query, shown_slugs=slugs, shown_at=now
    )


def deflection_record_submission(*, session_key: str, request_number: str) -> None:
    """Mark the suggestions shown in this session as followed by a question sent anyway.

    Called by the portal after it registered the question. Only the impressions not yet
    linked to a request are marked, so a second question in the same session links only the
    suggestions shown after the first one.
    """
    if not session_key or not request_number:
        return
    SuggestionImpression.objects.filter(
        session_key=session_key, submitted_request_number__isnull=True
    ).update(submitted_request_number=request_number[:32])


# --- articles -------------------------------------------------------------------------------

TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
MAX_BODY_CHARS = 200_000


@dataclass
class ArticleData:
    """The editable content of an article, as an editor or the seed file gives it."""

    title: str
    body: str
    summary: str = ""
    tags: str = ""
    audience: str = Article.Audience.PUBLIC
    language: str = Article.Language.RU
    authority: Authority | None = None
    topics: list[Topic] = field(default_factory=list)
    legal_acts: list[dict[str, str]] = field(default_factory=list)
    related: list[Article] = field(default_factory=list)


def slug_for(title: str) -> str:
    """A readable Latin slug for a title («Разрешение на строительство» → razreshenie-na-…)."""
    return slugify(title.lower().translate(TRANSLIT))[:100].strip("-") or "article"


# Paths under /kb/ that are pages, not articles.
RESERVED_SLUGS = frozenset({"suggest", "for-request", "editor"})


def _unique_slug(base: str) -> str:
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Article.objects.filter(slug=slug).exists():
        slug = f"{base[:95]}-{n}"
        n += 1
    return slug


def article_data_validate(data: ArticleData) -> None:
    """Raise ValidationError (by field) when the content cannot be saved as an article."""
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors.setdefault("title", []).append(_("An article needs a title."))
    if not data.body.strip():
        errors.setdefault("body", []).append(_("An article needs a body."))
    if len(data.body) > MAX_BODY_CHARS:
        errors.setdefault("body", []).append(_("The body is too long."))
    if data.audience not in Article.Audience.values:
        errors.setdefault("audience", []).append(_("Unknown audience."))
    if data.language not in Article.Language.values:
        errors.setdefault("language", []).append(_("Unknown language."))
    for act in data.legal_acts:
        if not isinstance(act, dict) or not str(act.get("title", "")).strip():
            errors.setdefault("legal_acts", []).append(
                _("Each legal act needs a title (and may have a URL).")
            )
            break
        url = str(act.get("url", ""))
        if url and not url.startswith(("http://", "https://")):
            errors.setdefault("legal_acts", []).append(_("A legal act's URL must be http(s)."))
            break
    if errors:
        raise ValidationError(errors)


def _lemma_set(article: Article) -> set[str]:
    return set(f"{article.search_title} {article.search_tags} {article.search_body}".split())


def _apply(article: Article, data: ArticleData) -> None:
    """Copy content onto the article and derive the rendered HTML and the lemma text."""
    article.title = data.title.strip()
    article.body = data.body
    article.summary = data.summary.strip()
    article.tags = ", ".join(t.strip() for t in data.tags.split(",") if t.strip())
    article.audience = data.audience
    article.language = data.language
    article.authority = data.authority
    article.legal_acts = [
        {"title": str(a["title"]).strip(), "url": str(a.get("url", "")).strip()}
        for a in data.legal_acts
    ]
    article.body_html = text.render_markdown(data.body)
    plain = text.html_to_text(article.body_html)
    article.search_title = text.lemma_text(article.title)
    article.search_tags = text.lemma_text(article.tags.replace(",", " "))
    article.search_body = text.lemma_text(f"{article.summary} {plain}")
    article.embedding = semantic.article_embedding(
        article.search_title, article.search_tags, article.search_body
    )


def _reindex(article: Article, old_lemmas: set[str]) -> None:
    """Update the full-text index, document frequencies and the typo vocabulary."""
    new_lemmas = _lemma_set(article)
    added, removed = new_lemmas - old_lemmas, old_lemmas - new_lemmas
    if added:
        SearchLemma.objects.bulk_create(
            [SearchLemma(lemma=lemma[:64], doc_count=0) for lemma in added],
            ignore_conflicts=True,
        )
        SearchLemma.objects.filter(lemma__in=added).update(doc_count=F("doc_count") + 1)
    if removed:
        SearchLemma.objects.filter(lemma__in=removed).update(doc_count=F("doc_count") - 1)
    pairs = text.form_lemma_pairs(f"{article.title} {article.tags} {article.summary}")
    pairs |= text.form_lemma_pairs(text.html_to_text(article.body_html))
    SearchTerm.objects.bulk_create(
        [SearchTerm(form=form, lemma=lemma) for form, lemma in pairs], ignore_conflicts=True
    )
    search.index_article(article)
    semantic.index_changed()


def _snapshot(article: Article, *, by: Any, comment: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        summary=article.summary,
        body=article.body,
        tags=article.tags,
        changed_by=by,
        changed_at=article.updated_at,
        comment=comment[:300],
    )


@transaction.atomic
def article_create(
    *, data: ArticleData, by: Any, slug: str = "", reviewed: bool = False
) -> Article:
    """Write a new article: rendered, indexed for search, and saved as version 1."""
    article_data_validate(data)
    if slug:
        if slug in RESERVED_SLUGS or Article.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": [_("An article with this address already exists.")]})
        if slugify(slug) != slug:
            raise ValidationError({"slug": [_("Use Latin letters, digits and hyphens.")]})
    article = Article(slug=slug or _unique_slug(slug_for(data.title)), author=by)
    _apply(article, data)
    if reviewed:
        article.reviewed_by, article.reviewed_at = by, timezone.now()
    article.save()
    article.topics.set(data.topics)
    article.related.set([a for a in data.related if a.pk != article.pk])
    _reindex(article, set())
    _snapshot(article, by=by, comment=str(_("Created")))
    return article


@transaction.atomic
def article_update(*, article: Article, data: ArticleData, by: Any, comment: str = "") -> Article:
    """Change an article's content; the previous text stays in its version history.

    Saving the same content again changes nothing and adds no version.
    """
    article_data_validate(data)
    article = Article.objects.select_for_update().get(pk=article.pk)
    before = (article.title, article.body, article.summary, article.tags)
    old_lemmas = _lemma_set(article)
    _apply(article, data)
    changed_text = before != (article.title, article.body, article.summary, article.tags)
    article.updated_at = timezone.now()
    if changed_text:
        article.version += 1
    article.save()
    article.topics.set(data.topics)
    article.related.set([a for a in data.related if a.pk != article.pk])
    _reindex(article, old_lemmas)
    if changed_text:
        _snapshot(article, by=by, comment=comment)
    return article


def article_data_of(article: Article) -> ArticleData:
    """The current content of an article, as a starting point for an update."""
    return ArticleData(
        title=article.title,
        body=article.body,
        summary=article.summary,
        tags=article.tags,
        audience=article.audience,
        language=article.language,
        authority=article.authority,
        topics=list(article.topics.all()),
        legal_acts=list(article.legal_acts),
        related=list(article.related.all()),
    )


@transaction.atomic
def article_restore(*, version: ArticleVersion, by: Any) -> Article:
    """Bring back the text of an earlier version, as a new version (history is never rewritten)."""
    data = article_data_of(version.article)
    data.title, data.body = version.title, version.body
    data.summary, data.tags = version.summary, version.tags
    comment = str(_("Restored version %(number)s")) % {"number": version.number}
    return article_update(article=version.article, data=data, by=by, comment=comment)


@transaction.atomic
def article_reindex(*, article: Article) -> None:
    """Render and lemmatise an article again, e.g. after the text analysis changed.

    The text stays as it is, so no version is added.
    """
    old_lemmas = _lemma_set(article)
    _apply(article, article_data_of(article))
    article.save(
        update_fields=[
            "body_html",
            "legal_acts",
            "search_title",
            "search_tags",
            "search_body",
            "embedding",
        ]
    )
    _reindex(article, old_lemmas)


def article_mark_reviewed(*, article: Article, by: Any, at: datetime | None = None) -> None:
    """Record that an editor checked the article is still correct; resets the 12-month clock."""
    Article.objects.filter(pk=article.pk).update(reviewed_by=by, reviewed_at=at or timezone.now())


@transaction.atomic
def article_delete(*, article: Article) -> None:
    """Remove an article and its traces in the search index."""
    old_lemmas = _lemma_set(article)
    if old_lemmas:
        SearchLemma.objects.filter(lemma__in=old_lemmas).update(doc_count=F("doc_count") - 1)
    search.unindex_article(article.pk)
    article.delete()
    semantic.index_changed()


def article_feedback_record(
    *, article: Article, session_key: str, helpful: bool, comment: str = ""
) -> bool:
    """Count one "was this helpful?" answer per session; False when this session already voted."""
    if not session_key:
        return False
    try:
        with transaction.atomic():
            ArticleFeedback.objects.create(
                article=article,
                session_key=session_key,
                helpful=helpful,
                comment=comment.replace("\x00", "")[:1000],
            )
            counter = "helpful_yes" if helpful else "helpful_no"
            Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    except IntegrityError:
        return False
    return True


def search_miss_record(*, query: str) -> None:
    """Count a search that found nothing, by its normalised text, for the editors' list."""
    normalised = " ".join(text.words(query))[:200]
    if not normalised:
        return
    now = timezone.now()
    updated = SearchMiss.objects.filter(query=normalised).update(count=F("count") + 1, last_at=now)
    if not updated:
        try:
            with transaction.atomic():
                SearchMiss.objects.create(query=normalised, first_at=now, last_at=now)
        except IntegrityError:
            SearchMiss.objects.filter(query=normalised).update(count=F("count") + 1, last_at=now)


# --- the search dictionary ------------------------------------------------------------------

DICTIONARY_FILE = Path(__file__).parent / "data" / "dictionary.json"
MAX_TERM_WORDS = 6


@dataclass
class DictionarySeedReport:
    version: int = 0
    created: int = 0
    updated: int = 0
    kept_edits: int = 0


def _entry_lemmas(*, term: str, meaning: str) -> tuple[str, str]:
    """(term lemmas, meaning lemmas), or ValidationError by field.

    The term keeps its little words («без разрешения» is not «разрешение»); the meaning only
    its content words, as articles are indexed.
    """
    errors: dict[str, list[str]] = {}
    term_lemmas = [text.analyse_word(w)[0] for w in text.words(term)]
    meaning_lemmas = text.lemmas(meaning)
    if not term_lemmas:
        errors["term"] = [_("Write the word or phrase people use.")]
    elif len(term_lemmas) > MAX_TERM_WORDS:
        errors["term"] = [_("A term has at most six words.")]
    if not meaning_lemmas:
        errors["meaning"] = [_("Write what the term means in the articles' words.")]
    if errors:
        raise ValidationError(errors)
    return " ".join(term_lemmas)[:200], " ".join(meaning_lemmas)[:600]


def dictionary_entry_validate(
    *, term: str, meaning: str, entry: DictionaryEntry | None = None
) -> tuple[str, str]:
    """(term lemmas, meaning lemmas) of a new or changed entry, or ValidationError by field."""
    term_lemmas, meaning_lemmas = _entry_lemmas(term=term, meaning=meaning)
    clash = DictionaryEntry.objects.filter(term_lemmas=term_lemmas)
    if entry is not None and entry.pk:
        clash = clash.exclude(pk=entry.pk)
    if clash.exists():
        raise ValidationError({"term": [_("The dictionary already has this term.")]})
    return term_lemmas, meaning_lemmas


@transaction.atomic
def dictionary_entry_save(
    *,
    term: str,
    meaning: str,
    kind: str = DictionaryEntry.Kind.ABBREVIATION,
    active: bool = True,
    entry: DictionaryEntry | None = None,
) -> DictionaryEntry:
    """Add an entry to the search dictionary, or change one; search uses it from the next query.

    An entry changed here is the editors' from now on: the dictionary file no longer updates it.
    """
    term, meaning = term.strip(), meaning.strip()
    term_lemmas, meaning_lemmas = dictionary_entry_validate(term=term, meaning=meaning, entry=entry)
    if kind not in DictionaryEntry.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind.")]})
    entry = entry or DictionaryEntry()
    entry.term, entry.meaning, entry.kind, entry.active = term[:120], meaning[:400], kind, active
    entry.term_lemmas, entry.meaning_lemmas = term_lemmas, meaning_lemmas
    entry.file_version = None
    entry.updated_at = timezone.now()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # the same term saved at the same moment elsewhere
        raise ValidationError({"term": [_("The dictionary already has this term.")]}) from exc
    semantic.index_changed("dictionary_token")
    return entry


@transaction.atomic
def dictionary_entry_delete(*, entry: DictionaryEntry) -> None:
    entry.delete()
    semantic.index_changed("dictionary_token")


@transaction.atomic
def dictionary_seed(*, path: Path = DICTIONARY_FILE) -> DictionarySeedReport:
    """Load the versioned dictionary file: new terms are added, terms of an older version of the
    file are updated, terms the editors changed are left as they are. Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    version = int(data["version"])
    report = DictionarySeedReport(version=version)
    existing = {e.term_lemmas: e for e in DictionaryEntry.objects.all()}
    now = timezone.now()
    for item in data["entries"]:
        term_lemmas, meaning_lemmas = _entry_lemmas(term=item["term"], meaning=item["meaning"])
        entry = existing.get(term_lemmas)
        if entry is None:
            entry = DictionaryEntry.objects.create(
                term=item["term"],
                meaning=item["meaning"],
                kind=item.get("kind", DictionaryEntry.Kind.ABBREVIATION),
                term_lemmas=term_lemmas,
                meaning_lemmas=meaning_lemmas,
                file_version=version,
                updated_at=now,
            )
            existing[term_lemmas] = entry
            report.created += 1
        elif entry.file_version is None:
            report.kept_edits += 1
        elif entry.file_version < version and (entry.meaning, entry.kind) != (
            item["meaning"],
            item.get("kind", entry.kind),
        ):
            DictionaryEntry.objects.filter(pk=entry.pk, file_version=entry.file_version).update(
                meaning=item["meaning"],
                kind=item.get("kind", entry.kind),
                meaning_lemmas=meaning_lemmas,
                file_version=version,
                updated_at=now,
            )
            report.updated += 1
    if report.created or report.updated:
        semantic.index_changed("dictionary_token")
    return report
