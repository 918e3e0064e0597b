"""``manage.py seed_demo``: the demo population, accounts, cases and PKI, for development only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Load the demo population, staff and citizen accounts, and the demo EDS PKI (DEBUG only). Idempotent."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # The demo accounts share a published password and the demo PKI's keys sit on disk: never here.
            raise CommandError(
                _("seed_demo loads demo accounts with a published password: it runs only with DEBUG on.")
            )
        from devtools.seed import SeedDemo  # development only, never imported by the product

        SeedDemo(stdout=self.stdout, stderr=self.stderr, no_color=options.get("no_color", False)).handle(
            *args, **options
        )
