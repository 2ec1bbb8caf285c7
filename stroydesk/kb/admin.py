"""Admin of the knowledge base: editors write articles here; every save goes through kb.services
(rendering, search index, version history), and versions are diffed and restored on the
article's history page (/kb/<slug>/history/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stroydesk.kb import selectors, services
from stroydesk.kb.models import (
    REVIEW_INTERVAL,
    Article,
    ArticleFeedback,
    ArticleVersion,
    DictionaryEntry,
    SearchMiss,
    SuggestionImpression,
)


class ArticleAdminForm(forms.ModelForm):
    change_comment = forms.CharField(
        label=_("What changed"), required=False, max_length=300, help_text=_("Kept in history.")
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "body",
            "tags",
            "audience",
            "language",
            "topics",
            "authority",
            "legal_acts",
            "related",
        ]

    def article_data(self) -> services.ArticleData:
        d: dict[str, Any] = self.cleaned_data or {}
        return services.ArticleData(
            title=d.get("title") or "",
            body=d.get("body") or "",
            summary=d.get("summary") or "",
            tags=d.get("tags") or "",
            audience=d.get("audience") or Article.Audience.PUBLIC,
            language=d.get("language") or Article.Language.RU,
            authority=d.get("authority"),
            topics=list(d.get("topics") or []),
            legal_acts=list(d.get("legal_acts") or []),
            related=list(d.get("related") or []),
        )

    def clean(self):
        cleaned = super().clean() or {}
        if not isinstance(cleaned.get("legal_acts") or [], list):
            self.add_error("legal_acts", _('A list of {"title": "...", "url": "..."}.'))
            return cleaned
        try:
            services.article_data_validate(self.article_data())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", _("Not reviewed for 12 months"))]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.filter(pk__in=selectors.article_needing_review().values("pk"))
        return queryset


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    extra = 0
    can_delete = False
    fields = ("number", "changed_at", "changed_by", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "title",
        "slug",
        "audience",
        "language",
        "reviewed_at",
        "review_flag",
        "helpful_yes",
        "helpful_no",
    )
    list_filter = ("audience", "language", NeedsReviewFilter, "topics")
    search_fields = ("title", "slug", "tags")
    filter_horizontal = ("topics", "related")
    readonly_fields = ("version", "reviewed_by", "reviewed_at", "history_link")
    inlines = [VersionInline]
    actions = ["mark_reviewed"]

    @admin.display(boolean=True, description=_("reviewed within 12 months"))
    def review_flag(self, obj: Article) -> bool:
        return not obj.needs_review

    @admin.display(description=_("versions"))
    def history_link(self, obj: Article) -> str:
        if not obj.pk:
            return "—"
        url = reverse("kb:history", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, _("Diffs and restore"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "slug"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = form.article_data()
        if change:
            saved = services.article_update(
                article=obj,
                data=data,
                by=request.user,
                comment=form.cleaned_data.get("change_comment", ""),
            )
        else:
            saved = services.article_create(
                data=data, by=request.user, slug=form.cleaned_data.get("slug") or ""
            )
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Topics and related articles were set by the service; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.article_delete(article=obj)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article=article)

    @admin.action(description=_("Mark as reviewed today"))
    def mark_reviewed(self, request, queryset):
        for article in queryset:
            services.article_mark_reviewed(article=article, by=request.user)
        self.message_user(
            request,
            _("Next review due: %(date)s")
            % {"date": (timezone.now() + REVIEW_INTERVAL).strftime("%d.%m.%Y")},
        )


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ("query", "count", "first_at", "last_at")
    search_fields = ("query",)
    readonly_fields = ("query", "count", "first_at", "last_at")

    def has_add_permission(self, request):
        return False


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ("article", "helpful", "created_at", "comment")
    list_filter = ("helpful",)
    readonly_fields = ("article", "session_key", "helpful", "comment", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(SuggestionImpression)
class SuggestionImpressionAdmin(admin.ModelAdmin):
    list_display = ("shown_at", "query", "submitted_request_number")
    readonly_fields = (
        "session_key",
        "query",
        "shown_slugs",
        "shown_at",
        "submitted_request_number",
    )

    def has_add_permission(self, request):
        return False


class DictionaryEntryForm(forms.ModelForm):
    class Meta:
        model = DictionaryEntry
        fields = ["term", "meaning", "kind", "active"]

    def clean(self):
        cleaned = super().clean() or {}
        try:
            services.dictionary_entry_validate(
                term=cleaned.get("term") or "",
                meaning=cleaned.get("meaning") or "",
                entry=self.instance if self.instance.pk else None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(DictionaryEntry)
class DictionaryEntryAdmin(admin.ModelAdmin):
    """The search dictionary: abbreviations, slang and paraphrases with what they mean."""

    form = DictionaryEntryForm
    list_display = ("term", "meaning", "kind", "active", "file_version", "updated_at")
    list_filter = ("kind", "active")
    search_fields = ("term", "meaning")
    readonly_fields = ("term_lemmas", "meaning_lemmas", "file_version", "updated_at")

    def save_model(self, request, obj, form, change):
        saved = services.dictionary_entry_save(
            term=form.cleaned_data["term"],
            meaning=form.cleaned_data["meaning"],
            kind=form.cleaned_data["kind"],
            active=form.cleaned_data["active"],
            entry=obj if change else None,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.dictionary_entry_delete(entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.dictionary_entry_delete(entry=entry)
