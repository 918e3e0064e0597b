"""Development only: the demo population, accounts, cases and PKI that ``manage.py seed_demo`` loads."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from citizens.accounts import citizen_account_create
from citizens.models import Dwelling, Person, Registration
from citizens.population import population_import
from deregistration.accounts import staff_account_create
from deregistration.models import Application
from deregistration.services import application_complete, application_submit
from devtools.demo import DESIGN_ADDRESS_CODE, DESIGN_OWNER_IIN, DESIGN_RESIDENT_IIN, demo_population
from devtools.pki import CitizenIdentity, ensure_demo_pki

DEMO_PASSWORD = "Demo-pass-2026"  # noqa: S105 - printed for the demo on purpose; never used in production
STAFF = [("operator", "operator"), ("migration", "migration"), ("supervisor", "supervisor")]


class SeedDemo(BaseCommand):
    """The work of ``manage.py seed_demo`` (which refuses to run without DEBUG, then hands over to this)."""

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
        cases = self.demo_cases() if not Application.objects.exists() else []
        created = sum(summary.created.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({Person.objects.count()} persons, {Dwelling.objects.count()} dwellings; "
                f"{created} rows added now). Demo EDS keys in {pki_dir} (never commit them)."
            )
        )
        for line in cases:
            self.stdout.write(f"  demo case: {line}")
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

    def demo_cases(self) -> list[str]:
        """A few cases for the back-office to show: a completed emigration with its slip, a walk-in owner's
        application waiting for an operator, a foreigner's case waiting for the migration service."""
        User = get_user_model()
        operator = User.objects.get(username="operator")
        migration = User.objects.get(username="migration")
        today = timezone.localdate()
        single_owner = [
            d
            for d in Dwelling.objects.order_by("address_code").prefetch_related("ownerships")
            if d.ownerships.filter(until__isnull=True).count() == 1 and d.address_code != DESIGN_ADDRESS_CODE
        ]
        identity = {
            "type": "applicant_identity_document",
            "number": "045600001",
            "issued_on": "2020-01-10",
            "issued_by": "ҚР ІІМ",
        }
        lines = []

        def residents(dwelling, category):
            owner_ids = set(dwelling.ownerships.values_list("person_id", flat=True))
            return [
                r.person
                for r in Registration.objects.active()
                .filter(dwelling=dwelling, kind="permanent")
                .select_related("person")
                .order_by("person__iin")
                if r.person_id not in owner_ids
                and r.person.category == category
                and r.person.age_on(today) >= 16
            ]

        def first_case(actor, case_type, channel, category, documents, *, by_owner=True):
            """Submit a case in the first dwelling with a resident of ``category``; the dwelling is used up."""
            for dwelling in single_owner:
                found = residents(dwelling, category)
                if found:
                    subject = found[0]
                    applicant = dwelling.ownerships.get(until__isnull=True).person if by_owner else subject
                    single_owner.remove(dwelling)
                    return application_submit(
                        actor=actor,
                        case_type=case_type,
                        channel=channel,
                        address_code=dwelling.address_code,
                        applicant_iin=applicant.iin,
                        subjects=[subject.iin],
                        documents=[identity, *documents(subject)],
                    ).application
            return None

        # 1. Leaving for Germany: completed by an operator; the slip is issued.
        leaving = first_case(
            operator,
            "emigration",
            "state_corporation",
            "citizen",
            by_owner=False,
            documents=lambda person: [
                {
                    "type": "police_emigration_certificate",
                    "number": "ПК-2026-0042",
                    "issued_on": (today - timedelta(days=12)).isoformat(),
                    "issued_by": "Алматы қ. ПД",
                    "country": "DEU",
                },
                {
                    "type": "surrendered_identity_document",
                    "document_type": "id_card",
                    "number": person.document_number,
                    "issued_on": person.document_issued_on.isoformat(),
                    "issued_by": person.document_issued_by,
                    "iin": person.iin,
                },
            ],
        )
        if leaving is not None:
            application_complete(actor=operator, application=leaving)
            lines.append(f"{leaving.number} emigration, completed, slip issued")

        def owner_form(number):
            return lambda person: [
                {"type": "owner_application_form", "number": number, "issued_on": today.isoformat()}
            ]

        # 2. An owner's walk-in application waiting for an operator.
        waiting = first_case(operator, "owner_application", "state_corporation", "citizen", owner_form("Ө-1"))
        if waiting is not None:
            lines.append(f"{waiting.number} owner's application, waiting for an operator")
        # 3. A foreigner deregistered on the owner's application: the migration service's case.
        foreigner = first_case(
            migration, "owner_application", "service_provider", "foreign_resident", owner_form("Ө-2")
        )
        if foreigner is not None:
            lines.append(f"{foreigner.number} foreigner, waiting for the migration service")
        return lines
