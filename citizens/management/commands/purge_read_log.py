from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from citizens.retention import read_log_purge


class Command(BaseCommand):
    help = (
        "Delete the audit log's records of staff reads of personal data older than AUDIT_READ_RETENTION_DAYS "
        "(or --days), in batches. Records of changes are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Retention in days (default: the setting)."
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per transaction.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, days, batch_size, dry_run, **options):
        days = settings.AUDIT_READ_RETENTION_DAYS if days is None else days
        try:
            result = read_log_purge(days=days, batch_size=batch_size, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        cutoff = f"{result.cutoff:%Y-%m-%d %H:%M} UTC"
        if result.dry_run:
            self.stdout.write(
                f"Dry run: {result.rows} read record(s) older than {days} days (before {cutoff})."
            )
        else:
            self.stdout.write(
                f"Deleted {result.rows} read record(s) older than {days} days (before {cutoff}) "
                f"in {result.batches} batch(es)."
            )
