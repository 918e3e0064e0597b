from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeregistrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deregistration"
    verbose_name = _("Deregistration")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment's key-material checks)
