from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from citizens.accounts import citizen_account_create
from citizens.iin import iin_error


class Command(BaseCommand):
    help = "Create a portal account (username = IIN) for a person in the register, or reset its password."

    def add_arguments(self, parser):
        parser.add_argument("iin")
        parser.add_argument("--password", required=True)

    def handle(self, *args, iin: str, password: str, **options):
        if (error := iin_error(iin)) is not None:
            raise CommandError(f"iin: {error.messages[0]}")
        try:
            user = citizen_account_create(iin=iin, password=password)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{f}: {', '.join(m)}" for f, m in exc.message_dict.items())
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Portal account {user.username} is ready."))
