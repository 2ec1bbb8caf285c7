from django.contrib import admin

from stroydesk.notifications.models import SmsMessage


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
