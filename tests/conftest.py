import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL; on SQLite they are skipped with the reason."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks, triggers on DELETE); run with DATABASE_URL set"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- Staff and households, shared by the service, API and page tests ------------------------------------------


@pytest.fixture
def operator(db):
    from deregistration.accounts import staff_account_create

    return staff_account_create(username="operator1", role="operator", password="x", validate=False)


@pytest.fixture
def migration_officer(db):
    from deregistration.accounts import staff_account_create

    return staff_account_create(username="migration1", role="migration", password="x", validate=False)


@pytest.fixture
def supervisor(db):
    from deregistration.accounts import staff_account_create

    return staff_account_create(username="supervisor1", role="supervisor", password="x", validate=False)


def citizen_account(person):
    from citizens.accounts import citizen_account_create

    return citizen_account_create(iin=person.iin, password="Citizen-pass-2026", validate=False)


@dataclass
class Household:
    dwelling: object
    owner: object
    tenant: object
    child: object

    @property
    def subjects(self):
        return [self.tenant.iin]


@pytest.fixture
def household(db):
    """An owner with their apartment; a tenant and a child of 10 registered there (all citizens)."""
    from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

    dwelling = DwellingFactory()
    owner = PersonFactory(last_name="Ахметов", first_name="Нұрлан", birth_date=dt.date(1980, 3, 15))
    OwnershipFactory(dwelling=dwelling, person=owner)
    tenant = PersonFactory(
        last_name="Сәрсенбаева", first_name="Әйгерім", sex="F", birth_date=dt.date(1985, 7, 22)
    )
    child = PersonFactory(
        last_name="Сәрсенбаев",
        first_name="Ұлан",
        birth_date=timezone.localdate().replace(year=2016),
        document_type="passport",
    )
    for person in (owner, tenant, child):
        RegistrationFactory(person=person, dwelling=dwelling)
    return Household(dwelling=dwelling, owner=owner, tenant=tenant, child=child)


def identity_document():
    return {
        "type": "applicant_identity_document",
        "number": "045612378",
        "issued_on": "2021-05-04",
        "issued_by": "ҚР ІІМ",
    }


def walk_in_documents(case_type, subjects, *, today=None):
    """A complete checklist for a walk-in case naming these persons (docs/service.md, "Three kinds of case")."""
    today = today or timezone.localdate()
    documents = [identity_document()]
    if case_type == "owner_application":
        documents.append({"type": "owner_application_form", "number": "Ө-17", "issued_on": today.isoformat()})
    elif case_type == "emigration":
        documents.append(
            {
                "type": "police_emigration_certificate",
                "number": "ПК-2026-0042",
                "issued_on": (today - dt.timedelta(days=20)).isoformat(),
                "issued_by": "Алматы қ. ПД",
                "country": "DEU",
            }
        )
        for person in subjects:
            document = {
                "type": "child_passport",
                "number": person.document_number,
                "issued_on": "2020-05-04",
                "issued_by": "ҚР ІІМ",
                "iin": person.iin,
            }
            if person.age_on(today) >= 16:
                # The identity document the person's category holds (a foreigner's residence permit, ...).
                document.update(type="surrendered_identity_document", document_type=person.document_type)
            documents.append(document)
    elif case_type == "court_decision":
        documents.append(
            {
                "type": "court_decision",
                "number": "2-1234/2026",
                "court": "Алмалы аудандық соты",
                "case_number": "2-1234/2026",
                "decided_on": (today - dt.timedelta(days=40)).isoformat(),
                "in_force_on": (today - dt.timedelta(days=10)).isoformat(),
            }
        )
    return documents


@pytest.fixture(scope="session")
def seal_files(tmp_path_factory):
    """The issuer's seal for departure slips: a throwaway CA and a "State Corporation" certificate, as files."""
    from devtools import pki

    directory = tmp_path_factory.mktemp("seal")
    ca = pki.make_ca("Test NCA Root")
    seal = pki.make_seal_certificate(ca, common_name="Мемлекеттік корпорация (TEST)")
    pki.write_certificate(directory / "ca.pem", ca.certificate)
    pki.write_certified_key(directory / "seal.pem", directory / "seal.key.pem", seal)
    return directory


@pytest.fixture(autouse=True)
def _slip_seal(settings, seal_files, tmp_path):
    """Every test seals slips with the test seal and stores them in its own folder."""
    settings.SLIP_SEAL_CERT = str(seal_files / "seal.pem")
    settings.SLIP_SEAL_KEY = str(seal_files / "seal.key.pem")
    settings.SLIP_SEAL_CHAIN = str(seal_files / "ca.pem")
    settings.MEDIA_ROOT = tmp_path / "media"


def submit_walk_in(
    actor,
    household,
    *,
    case_type="owner_application",
    channel="state_corporation",
    subjects=None,
    applicant=None,
    documents=None,
    **extra,
):
    """Submit a walk-in case at the household's dwelling (by default the owner naming the tenant, with every
    document of the checklist); returns the service's SubmitResult."""
    from deregistration.services import application_submit

    subjects = subjects if subjects is not None else [household.tenant]
    applicant = applicant or household.owner
    return application_submit(
        actor=actor,
        case_type=case_type,
        channel=channel,
        address_code=household.dwelling.address_code,
        applicant_iin=applicant.iin,
        subjects=[p.iin for p in subjects],
        documents=walk_in_documents(case_type, subjects) if documents is None else documents,
        **extra,
    )


def walk_in_case(actor, household, *, complete=False, **options):
    """A walk-in case as ``submit_walk_in`` makes it, completed by ``actor`` too when ``complete``."""
    from deregistration.services import application_complete

    application = submit_walk_in(actor, household, **options).application
    return application_complete(actor=actor, application=application) if complete else application


def run_at_once(*calls, timeout: float = 60):
    """Run each call in its own thread and database connection, all released together; return each call's
    result or the exception it raised. A thread still running after ``timeout`` seconds fails the test."""
    import threading

    from django.db import close_old_connections, connection

    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), f"a call still runs after {timeout} s"
    return outcomes
