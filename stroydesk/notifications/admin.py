from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.admin import AccessLoggedAdmin
from stroydesk.notifications import outbound
from stroydesk.notifications.models import MailThread, OutgoingMessage, SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "phone", "event", "status", "attempts", "sent_at")
    list_filter = ("status", "event")
    search_fields = ("key", "phone")
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(AccessLoggedAdmin):
    """The one log of letters: each under the key of its occurrence and recipient. The list shows
    applicants' addresses and an opened letter its body, so both are in the access log."""

    access_context = "admin letter"

    list_display = ("created_at", "event", "subject", "recipients", "status", "attempts", "sent_at")
    list_filter = ("status", "event")
    search_fields = ("subject", "key", "message_id", "request__number")
    list_select_related = ("request",)
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def applicant_ids_of(self, obj: OutgoingMessage) -> list[int]:
        # The request is joined already (list_select_related); letters about no request (the
        # sign-up ones) go to a user's own address and name nobody's applicant record.
        return [obj.request.applicant_id] if obj.request is not None else []

    @admin.display(description=_("recipients"))
    def recipients(self, obj: OutgoingMessage) -> str:
        return ", ".join(obj.to)

    @admin.action(description=_("Send the selected failed or stuck messages again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[OutgoingMessage]) -> None:
        for outgoing in queryset:
            outbound.outgoing_resend(outgoing=outgoing)


@admin.register(MailThread)
class MailThreadAdmin(admin.ModelAdmin):
    list_display = ("received_at", "request", "message_id")
    search_fields = ("message_id", "request__number")
    list_select_related = ("request",)
    readonly_fields = [f.name for f in MailThread._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
