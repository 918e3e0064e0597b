from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from citizens.accounts import citizen_account_create
from citizens.demo import DESIGN_OWNER_IIN, DESIGN_RESIDENT_IIN, demo_population
from citizens.models import Dwelling, Person
from citizens.population import population_import
from deregistration.accounts import staff_account_create
from deregistration.pki import CitizenIdentity, ensure_demo_pki

DEMO_PASSWORD = "Demo-pass-2026"  # noqa: S105 - printed for the demo on purpose; never used in production
STAFF = [("operator", "operator"), ("migration", "migration"), ("supervisor", "supervisor")]


class Command(BaseCommand):
    help = "Load the demo population, staff and citizen accounts, and the demo EDS PKI. Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            summary = population_import(data=demo_population())
            for username, role in STAFF:
                staff_account_create(username=username, role=role, password=DEMO_PASSWORD, validate=False)
            User = get_user_model()
            admin = User.objects.filter(username="admin").first() or User(username="admin")
            admin.is_staff = admin.is_superuser = True
            admin.set_password(DEMO_PASSWORD)
            admin.save()
            citizens = self.citizen_logins()
            for iin in citizens:
                citizen_account_create(iin=iin, password=DEMO_PASSWORD, validate=False)
        pki_dir = settings.VAR_DIR / "pki"
        ensure_demo_pki(
            pki_dir,
            [
                CitizenIdentity(p.iin, p.last_name, p.first_name, p.patronymic)
                for p in Person.objects.order_by("iin")
            ],
        )
        created = sum(summary.created.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({Person.objects.count()} persons, {Dwelling.objects.count()} dwellings; "
                f"{created} rows added now). Demo EDS keys in {pki_dir} (never commit them)."
            )
        )
        self.stdout.write(f"\nAll demo passwords: {DEMO_PASSWORD}")
        self.stdout.write("Back-office (http://127.0.0.1:8000/admin/):")
        for username, role in [*STAFF, ("admin", "administrator")]:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write("Citizens (portal, username = IIN):")
        for iin, note in citizens.items():
            person = Person.objects.get(iin=iin)
            self.stdout.write(f"  {iin}  {person.full_name} — {note}")

    def citizen_logins(self) -> dict[str, str]:
        """A handful of citizens worth logging in as: owners, co-owners, a resident to be deregistered."""
        logins = {
            DESIGN_OWNER_IIN: "owns an apartment in Almaty with a tenant registered there",
            DESIGN_RESIDENT_IIN: "that tenant",
        }
        co_owned = Dwelling.objects.filter(ownerships__until__isnull=True).order_by("address_code").distinct()
        for dwelling in co_owned:
            owners = list(dwelling.ownerships.filter(until__isnull=True).select_related("person"))
            if len(owners) == 2:
                logins[owners[0].person.iin] = f"co-owner of {dwelling.address_code}"
                logins[owners[1].person.iin] = f"the other co-owner of {dwelling.address_code}"
                break
        return logins
