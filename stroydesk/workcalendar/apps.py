from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalendarConfig(AppConfig):
    name = "stroydesk.workcalendar"
    label = "workcalendar"
    verbose_name = _("Production calendar")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
