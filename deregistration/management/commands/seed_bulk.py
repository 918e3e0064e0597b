"""``manage.py seed_bulk --persons N``: a synthetic national-scale population on PostgreSQL, for development only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Add N synthetic persons with dwellings, owners, registrations and a history of cases and register "
        "records (PostgreSQL, DEBUG only). Each run adds N more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=10_000, help="how many persons to add")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, persons: int, no_progress: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                _("seed_bulk loads synthetic persons into the register: it runs only with DEBUG on.")
            )
        if connection.vendor != "postgresql":
            raise CommandError(
                _(
                    "seed_bulk needs PostgreSQL (it loads with COPY): set DATABASE_URL to a PostgreSQL database."
                )
            )
        if persons < 1:
            raise CommandError(_("--persons must be at least 1."))
        from devtools.bulk import seed_bulk  # development only, never imported by the product

        summary = seed_bulk(persons=persons, progress=not no_progress, stream=self.stderr._out)
        counts = ", ".join(f"{count:,} {name}" for name, count in summary.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Added {counts} in {summary.seconds:.1f} s."))
