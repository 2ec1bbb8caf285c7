from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "stroydesk.procedures"
    verbose_name = _("Procedures calculator")
    default_auto_field = "django.db.models.BigAutoField"
