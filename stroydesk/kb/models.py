"""The knowledge base: articles, their versions, feedback, and what search and suggestions saw.

Articles are written in Markdown and rendered to sanitised HTML by ``kb.services`` whenever they
are saved; the same service keeps the lemma text used by search (and, on SQLite, the FTS5 table)
in step with the article. Nothing here is kept in sync by ``save()`` or signals.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# An article not reviewed for this long is flagged for its editors.
REVIEW_INTERVAL = timedelta(days=365)


class Article(models.Model):
    """One answer of the knowledge base, for applicants (public) or for staff only (internal)."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Public")
        INTERNAL = "internal", _("Internal (staff only)")

    class Language(models.TextChoices):
        RU = "ru", _("Russian")
        EN = "en", _("English")

    title = models.CharField(_("title"), max_length=250, help_text=_("The question or subject."))
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        allow_unicode=False,
        help_text=_("The readable part of the article's address, /kb/<slug>/; never changes."),
    )
    summary = models.CharField(
        _("summary"),
        max_length=400,
        blank=True,
        help_text=_("One or two sentences shown in lists and suggestions."),
    )
    body = models.TextField(_("body"), help_text=_("Markdown; HTML is sanitised on save."))
    body_html = models.TextField(
        _("rendered body"), blank=True, editable=False, help_text=_("Sanitised HTML of the body.")
    )
    topics = models.ManyToManyField(
        "directory.Topic",
        verbose_name=_("topics"),
        blank=True,
        related_name="kb_articles",
        help_text=_("Topics of requests this article answers; used for search facets."),
    )
    tags = models.CharField(
        _("tags"),
        max_length=400,
        blank=True,
        help_text=_("Comma-separated keywords and synonyms people use for the subject."),
    )
    audience = models.CharField(
        _("audience"),
        max_length=16,
        choices=Audience.choices,
        default=Audience.PUBLIC,
        db_index=True,
        help_text=_("Internal articles are visible to the center's staff only."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.RU
    )
    authority = models.ForeignKey(
        "directory.Authority",
        verbose_name=_("owning authority"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kb_articles",
        help_text=_("The authority that is competent on the subject."),
    )
    legal_acts = models.JSONField(
        _("legal acts"),
        default=list,
        blank=True,
        help_text=_('A list of {"title": "...", "url": "..."}; the URL may be empty.'),
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(
        _("reviewed at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When an editor last confirmed the article is correct."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Number of the current version.")
    )
    helpful_yes = models.PositiveIntegerField(_("found helpful"), default=0, editable=False)
    helpful_no = models.PositiveIntegerField(_("found not helpful"), default=0, editable=False)
    # Lemmatised text for search, written by kb.services; on PostgreSQL a generated tsvector
    # column (added by migration 0002) is computed from these three.
    search_title = models.TextField(_("title lemmas"), blank=True, editable=False)
    search_tags = models.TextField(_("tag lemmas"), blank=True, editable=False)
    search_body = models.TextField(_("body lemmas"), blank=True, editable=False)
    # The article's point in the semantic space of kb.semantic (float32 little-endian), written
    # by kb.services with the lemma text; empty when the article has no known word.
    embedding = models.BinaryField(
        _("semantic vector"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Computed when the article is saved; used by the semantic half of search."),
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["title"]
        permissions = [("edit_kb", _("Can edit the knowledge base"))]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/kb/{self.slug}/"

    @property
    def review_due(self):
        """When the next review is due; an article never reviewed is due from its creation."""
        return (self.reviewed_at or self.created_at) + REVIEW_INTERVAL

    @property
    def needs_review(self) -> bool:
        return self.review_due <= timezone.now()

    @property
    def is_internal(self) -> bool:
        return self.audience == self.Audience.INTERNAL

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class ArticleVersion(models.Model):
    """A snapshot of an article's text as it was saved; the history that diffs and restores read."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=250)
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    body = models.TextField(_("body"))
    tags = models.CharField(_("tags"), max_length=400, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleFeedback(models.Model):
    """One answer to "was this helpful?" on an article, at most one per browser session."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="feedback"
    )
    session_key = models.CharField(_("session"), max_length=64)
    helpful = models.BooleanField(_("helpful"))
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "session_key"], name="kb_feedback_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class SearchTerm(models.Model):
    """A word form seen in articles and its lemma: the vocabulary that typo correction uses."""

    form = models.CharField(_("word form"), max_length=64, unique=True)
    lemma = models.CharField(_("lemma"), max_length=64)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return f"{self.form} → {self.lemma}"


class SearchLemma(models.Model):
    """How many articles contain a lemma: the document frequency that ranking weighs words by."""

    lemma = models.CharField(_("lemma"), max_length=64, unique=True)
    doc_count = models.IntegerField(_("articles"), default=0)

    class Meta:
        verbose_name = _("search lemma")
        verbose_name_plural = _("search lemmas")

    def __str__(self) -> str:
        return f"{self.lemma} ({self.doc_count})"


class SearchMiss(models.Model):
    """A search that found nothing, counted per normalised query, for the editors to fill gaps."""

    query = models.CharField(_("query"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("times"), default=1)
    first_at = models.DateTimeField(_("first at"), default=timezone.now)
    last_at = models.DateTimeField(_("last at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search without results")
        verbose_name_plural = _("searches without results")
        ordering = ["-last_at"]

    def __str__(self) -> str:
        return self.query


class SuggestionImpression(models.Model):
    """Articles suggested to a visitor while typing a question on the portal.

    When the visitor then sends the question anyway, the impressions of the session are marked
    with the request number; the share of sessions without one is the deflection rate.
    """

    session_key = models.CharField(_("session"), max_length=64, db_index=True)
    query = models.CharField(_("typed text"), max_length=500)
    shown_slugs = models.JSONField(_("shown articles"), default=list)
    shown_at = models.DateTimeField(_("shown at"), default=timezone.now, db_index=True)
    submitted_request_number = models.CharField(
        _("request sent"),
        max_length=32,
        null=True,
        blank=True,
        help_text=_("Number of the request the visitor sent after seeing the suggestions."),
    )

    class Meta:
        verbose_name = _("suggestion impression")
        verbose_name_plural = _("suggestion impressions")

    def __str__(self) -> str:
        return f"{self.session_key[:8]}: {self.query[:40]}"


class DictionaryEntry(models.Model):
    """A word or phrase people write (an abbreviation, slang, a paraphrase) and what it means.

    Search reads the meaning as if it had been written too: «РВЭ» finds the articles on the
    permit to put into operation, «дольщик» those on shared construction. The entries start from
    the versioned file data/dictionary.json (loaded by ``kb.services.dictionary_seed``); editors
    add, change and switch off entries in the admin, and the file never overwrites their edits.
    """

    class Kind(models.TextChoices):
        ABBREVIATION = "abbreviation", _("Abbreviation")
        SLANG = "slang", _("Slang or everyday word")
        PHRASE = "phrase", _("Paraphrase")

    term = models.CharField(
        _("term"),
        max_length=120,
        help_text=_("As people write it, e.g. «РВЭ» or «сдача дома»; any word form."),
    )
    meaning = models.CharField(
        _("meaning"),
        max_length=400,
        help_text=_("The words of the articles it stands for, e.g. «разрешение на ввод»."),
    )
    kind = models.CharField(
        pgettext_lazy("kb", "kind"), max_length=16, choices=Kind.choices, default=Kind.ABBREVIATION
    )
    active = models.BooleanField(
        pgettext_lazy("kb", "active"),
        default=True,
        help_text=_("Switched-off entries are ignored by search."),
    )
    term_lemmas = models.CharField(
        _("term lemmas"),
        max_length=200,
        unique=True,
        editable=False,
        help_text=_("The term's lemmas, how search recognises it in a question."),
    )
    meaning_lemmas = models.CharField(
        _("meaning lemmas"), max_length=600, blank=True, editable=False
    )
    file_version = models.PositiveIntegerField(
        _("file version"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Version of data/dictionary.json the entry came from; empty once edited."),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("dictionary entry")
        verbose_name_plural = _("search dictionary")
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.meaning}"


class SearchIndexState(models.Model):
    """One row whose tokens change with every change of the search data.

    Each process keeps the articles' semantic vectors and the search dictionary in memory and
    reloads one when the token it loaded differs from the row's; one primary-key read per search.
    Tokens rather than counters, so that a rolled-back change is never mistaken for a later one.
    """

    token = models.CharField(
        _("articles token"), max_length=36, default="", help_text=_("Changes with articles.")
    )
    dictionary_token = models.CharField(
        _("dictionary token"),
        max_length=36,
        default="",
        help_text=_("Changes with the search dictionary."),
    )

    class Meta:
        verbose_name = _("search index state")
        verbose_name_plural = _("search index state")

    def __str__(self) -> str:
        return self.token
