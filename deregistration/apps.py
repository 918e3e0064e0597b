from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeregistrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deregistration"
    verbose_name = _("Deregistration")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the deployment's key-material checks)
        from .roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="deregistration.sync_role_groups")
