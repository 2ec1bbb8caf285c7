"""Routing in the admin: models (switch the active one back), rules, policies, settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from stroydesk.routing import services
from stroydesk.routing.models import (
    AutoRoute,
    AutoRoutingSettings,
    Confirmation,
    RoutingModel,
    RoutingRule,
    TopicPolicy,
)


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "trained_at",
        "examples",
        "history_examples",
        "topic_accuracy",
        "authority_accuracy",
        "is_active",
    ]
    exclude = ["blob"]
    readonly_fields = [
        "version",
        "trained_at",
        "examples",
        "history_examples",
        "seconds",
        "metrics",
        "is_active",
    ]
    actions = ["activate"]

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).defer("blob")

    def has_add_permission(self, request: Any) -> bool:
        return False  # trained by routing_train or the nightly job, never typed in

    @admin.display(description=_("topic accuracy"))
    def topic_accuracy(self, obj: RoutingModel) -> str:
        return f"{obj.metrics.get('topic', {}).get('accuracy', 0):.3f}"

    @admin.display(description=_("authority accuracy"))
    def authority_accuracy(self, obj: RoutingModel) -> str:
        return f"{obj.metrics.get('authority', {}).get('accuracy', 0):.3f}"

    @admin.action(description=_("Make the selected model active"))
    def activate(self, request: Any, queryset: Any) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one model."), messages.ERROR)
            return
        model = services.model_activate(model=queryset.get())
        self.message_user(request, _("Model v%(v)s is active now.") % {"v": model.version})


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "pattern", "topic", "authority", "priority", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(TopicPolicy)
class TopicPolicyAdmin(admin.ModelAdmin):
    list_display = ["topic", "always_escalated"]


@admin.register(AutoRoutingSettings)
class AutoRoutingSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "threshold"]

    def has_add_permission(self, request: Any) -> bool:
        return not AutoRoutingSettings.objects.exists()


@admin.register(Confirmation)
class ConfirmationAdmin(admin.ModelAdmin):
    list_display = [
        "request",
        "suggested_topic",
        "topic",
        "suggested_authority",
        "authority",
        "by",
        "at",
    ]
    raw_id_fields = ["request"]
    readonly_fields = [f.name for f in Confirmation._meta.fields]


@admin.register(AutoRoute)
class AutoRouteAdmin(admin.ModelAdmin):
    list_display = [
        "request",
        "outcome",
        "reason",
        "model_version",
        "topic_code",
        "authority",
        "confidence",
        "at",
    ]
    list_filter = ["outcome"]
    raw_id_fields = ["request"]
