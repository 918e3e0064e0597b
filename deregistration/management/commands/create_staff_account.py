from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from deregistration.accounts import staff_account_create


class Command(BaseCommand):
    help = "Create a staff account with one role: operator, migration or supervisor."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=["operator", "migration", "supervisor"])
        parser.add_argument("--password", required=True)

    def handle(self, *args, username: str, role: str, password: str, **options):
        try:
            user = staff_account_create(username=username, role=role, password=password)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{f}: {', '.join(m)}" for f, m in exc.message_dict.items())
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Staff account {user.username} ({role}) is ready."))
