from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stroydesk.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The domain publishes what happened; notifications listens (cases and accounts import
        # nothing of it).
        from stroydesk.accounts.events import account_events
        from stroydesk.cases.events import request_events
        from stroydesk.notifications import tasks

        request_events.subscribe(tasks.on_request_event)
        account_events.subscribe(tasks.on_account_event)
