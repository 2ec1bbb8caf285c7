"""Admin of requests: for looking and for reference data; the lifecycle runs through services,
so status, history and escalations are read-only here."""

from django.contrib import admin

from stroydesk.cases.models import AnswerTemplate, Escalation, History, Request


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
    fields = ("authority", "status", "escalated_at", "due_at", "answered_at", "closing_reason")
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
