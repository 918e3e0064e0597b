"""Data migrations keep what was stored: each is run forward over rows written in the earlier shape."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

SURRENDERED_RENAMED = [("deregistration", "0004_surrendered_identity_document")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.fixture
def at(request):
    """Migrate to a state for the test and back to the newest one after it."""
    yield migrate
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def a_person(apps, iin, **fields):
    values = {
        "last_name": "Сәрсенбаева",
        "first_name": "Әйгерім",
        "birth_date": dt.date(1985, 7, 22),
        "sex": "F",
        "citizenship": "KAZ",
        "category": "citizen",
        "document_type": "id_card",
        "document_number": iin[:9],
        "document_issued_on": dt.date(2021, 5, 4),
        "document_issued_by": "ҚР ІІМ",
        **fields,
    }
    return apps.get_model("citizens", "Person").objects.create(iin=iin, **values)


def a_case(apps):
    Dwelling = apps.get_model("citizens", "Dwelling")
    Registration = apps.get_model("citizens", "Registration")
    Application = apps.get_model("deregistration", "Application")
    person = a_person(apps, "850722400028")
    dwelling = Dwelling.objects.create(
        address_code="0201400012345678",
        kato="751110000",
        region="Алматы қаласы",
        locality="Алматы",
        street="Абай даңғылы",
        building="10",
    )
    Registration.objects.create(
        person=person, dwelling=dwelling, kind="permanent", registered_on=dt.date(2015, 6, 1)
    )
    now = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    application = Application.objects.create(
        number="DR-20260105-AAAAAA",
        case_type="emigration",
        channel="state_corporation",
        status="submitted",
        applicant=person,
        dwelling=dwelling,
        submitted_at=now,
        deadline_at=now + dt.timedelta(minutes=30),
    )
    return application, person


def test_a_surrendered_id_card_becomes_a_surrendered_identity_document_of_kind_id_card(at):
    apps = at([("deregistration", "0003_consent_given_at_counter")])
    application, person = a_case(apps)
    apps.get_model("deregistration", "ApplicationDocument").objects.create(
        application=application, type="surrendered_id_card", number="045612378", holder_iin=person.iin
    )
    apps = at(SURRENDERED_RENAMED)
    document = apps.get_model("deregistration", "ApplicationDocument").objects.get()
    assert (document.type, document.document_type, document.number) == (
        "surrendered_identity_document",
        "id_card",
        "045612378",
    )


def test_answers_stored_before_counter_consents_were_given_on_the_portal(at):
    apps = at([("deregistration", "0002_registry_append_only")])
    application, _person = a_case(apps)
    Consent = apps.get_model("deregistration", "Consent")
    co_owners = [a_person(apps, iin) for iin in ("061211600012", "800315300018", "900101300811")]
    for person, decision in zip(co_owners, ["approved", "declined", "pending"], strict=True):
        Consent.objects.create(
            application=application, co_owner=person, decision=decision, expires_at=application.submitted_at
        )
    apps = at([("deregistration", "0003_consent_given_at_counter")])
    given = dict(apps.get_model("deregistration", "Consent").objects.values_list("decision", "given"))
    assert given == {"approved": "portal", "declined": "portal", "pending": ""}


def test_a_deregistered_person_without_the_slip_the_case_called_for_is_failed(at):
    apps = at([("deregistration", "0004_surrendered_identity_document")])
    application, person = a_case(apps)
    Subject = apps.get_model("deregistration", "ApplicationSubject")
    Registration = apps.get_model("citizens", "Registration")
    Slip = apps.get_model("deregistration", "DepartureSlip")
    application.issue_slip = True
    application.save()
    others = [a_person(apps, iin) for iin in ("061211600012", "800315300018")]
    for someone in others:
        Registration.objects.create(
            person=someone, dwelling=application.dwelling, kind="permanent", registered_on=dt.date(2020, 1, 1)
        )
    subjects = [
        Subject.objects.create(
            application=application,
            person=someone,
            registration=Registration.objects.get(person=someone),
            position=position,
            outcome="deregistered" if position < 2 else "pending",
        )
        for position, someone in enumerate([person, *others])
    ]
    Slip.objects.create(
        number="KP-1",
        subject=subjects[0],
        verification_code="C-1",
        file_name="x.pdf",
        sha256="0" * 64,
        size=1,
        issued_at=application.submitted_at,
    )
    apps = at([("deregistration", "0005_subject_slip_status")])
    rows = apps.get_model("deregistration", "ApplicationSubject").objects.order_by("position")
    assert [(s.slip_status, s.slip_error) for s in rows] == [
        ("issued", ""),
        ("failed", "slip_failed"),
        ("not_requested", ""),
    ]
