from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeregistrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deregistration"
    verbose_name = _("Deregistration")
