from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelocationConfig(AppConfig):
    name = "stroydesk.relocation"
    verbose_name = _("Relocation help")
    default_auto_field = "django.db.models.BigAutoField"
