"""Admin of the channels: mailboxes to read, the logs of incoming and outgoing mail with the
quarantine, and the Open311 keys (issued here, shown once, revocable)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stroydesk.channels import mailintake
from stroydesk.channels.models import (
    Mailbox,
    Open311ApiKey,
    Open311Submission,
    ProcessedMessage,
    QuarantinedMessage,
)
from stroydesk.channels.open311 import keys as open311_keys


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are written by the channels only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "host",
        "port",
        "security",
        "username",
        "folder",
        "is_active",
        "last_checked_at",
        "failures",
        "short_error",
    )
    list_filter = ("is_active", "security")
    readonly_fields = ("last_checked_at", "last_success_at", "last_error", "failures")
    actions = ["fetch_now"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: Mailbox) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Read the selected mailboxes now"))
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            report = mailintake.mailbox_fetch(mailbox=mailbox)
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.outcomes.items()))
            if report.error:
                self.message_user(request, f"{mailbox}: {report.error}", messages.ERROR)
            else:
                self.message_user(request, f"{mailbox}: {counts or gettext('nothing new')}")


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(ReadOnlyAdmin):
    list_display = ("processed_at", "outcome", "sender", "subject", "request", "mailbox")
    list_filter = ("outcome", "mailbox")
    search_fields = ("message_id", "sender", "subject", "request__number")
    list_select_related = ("request", "mailbox")


@admin.register(QuarantinedMessage)
class QuarantinedMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "mailbox", "sender", "subject", "short_reason")
    list_filter = ("mailbox",)
    search_fields = ("sender", "subject", "reason")
    fields = ("received_at", "mailbox", "sender", "subject", "reason", "message_text")
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("reason"))
    def short_reason(self, obj: QuarantinedMessage) -> str:
        return obj.reason[:100]

    @admin.display(description=_("raw message"))
    def message_text(self, obj: QuarantinedMessage) -> str:
        # Shown as escaped text: the raw message may carry HTML and scripts.
        text = bytes(obj.raw)[:200_000].decode("utf-8", "replace")
        return format_html("<pre>{}</pre>", text)

    @admin.action(description=_("Take the selected messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[QuarantinedMessage]) -> None:
        for quarantined in queryset.select_related("processed", "mailbox"):
            result = mailintake.quarantine_retry(quarantined=quarantined)
            self.message_user(request, f"{quarantined}: {result.outcome}")


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "rate_limit_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "rate_limit_per_minute")
        return (
            "name",
            "prefix",
            "rate_limit_per_minute",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")

    def save_model(self, request: HttpRequest, obj: Open311ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raw, obj.prefix, obj.key_hash = open311_keys.api_key_generate()
        obj.created_by = request.user  # type: ignore[assignment]
        obj.save()
        self.message_user(
            request,
            gettext("The key for %(name)s: %(key)s — copy it now, it is not shown again.")
            % {"name": obj.name, "key": raw},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311ApiKey]) -> None:
        for key in queryset:
            open311_keys.api_key_revoke(key=key)


@admin.register(Open311Submission)
class Open311SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "request", "service_code", "api_key", "lat", "long")
    list_select_related = ("request", "api_key")
    list_filter = ("service_code",)
