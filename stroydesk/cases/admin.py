"""Admin of requests: for looking and for reference data; the lifecycle runs through services,
so status, history and escalations are read-only here, and so are the logs (ratings, notices)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stroydesk.cases.models import (
    AnswerTemplate,
    Escalation,
    History,
    Rating,
    Request,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: to be looked at, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryInline(admin.TabularInline):
    model = History
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "comment", "is_public")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EscalationInline(admin.TabularInline):
    model = Escalation
    extra = 0
    can_delete = False
    fields = (
        "authority",
        "status",
        "escalated_at",
        "due_at",
        "answered_at",
        "closing_reason",
        "query_asked_at",
        "query",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "status",
        "channel",
        "subject",
        "authority",
        "registered_at",
        "due_at",
    )
    list_filter = ("status", "channel", "authority")
    search_fields = ("number", "subject")
    list_select_related = ("authority",)
    raw_id_fields = ("applicant", "topic", "operator", "created_by")
    readonly_fields = (
        "number",
        "year",
        "sequence",
        "status",
        "paused_status",
        "authority",
        "due_at",
        "answered_at",
        "closed_at",
        "version",
    )
    inlines = [EscalationInline, HistoryInline]
    show_full_result_count = False

    def has_add_permission(self, request):  # registration goes through the intake
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "text")


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """The applicants' marks: changing one here would falsify the statistics."""

    list_display = ("request", "score", "created_at", "short_comment")
    list_filter = ("score",)
    search_fields = ("request__number",)
    list_select_related = ("request",)
    date_hierarchy = "created_at"
    ordering = ("-id",)
    show_full_result_count = False

    @admin.display(description=_("comment"))
    def short_comment(self, obj: Rating) -> str:
        return obj.comment[:100]
