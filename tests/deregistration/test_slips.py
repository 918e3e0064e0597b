"""Departure slips from real cases: issued once, stored once, served after a permission check, verifiable."""

import hashlib

import pytest
from django.urls import reverse
from pypdf import PdfReader

from citizens.models import AuditEvent, Registration
from deregistration import pdf, rules
from deregistration.errors import Conflict, NotAllowed, NotFound, Unavailable
from deregistration.models import DepartureSlip
from deregistration.slips import normalise_code, slip_by_code, slip_issue, slip_pdf
from tests.conftest import walk_in_case, walk_in_documents

pytestmark = pytest.mark.django_db


def complete(operator, household, case_type="owner_application", subjects=None, applicant=None, **extra):
    return walk_in_case(
        operator,
        household,
        case_type=case_type,
        subjects=subjects,
        applicant=applicant,
        complete=True,
        **extra,
    )


def text_of(document: bytes) -> str:
    from io import BytesIO

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(document)).pages)


def test_emigration_always_issues_a_slip_to_each_person(household, operator):
    application = complete(
        operator, household, "emigration", [household.tenant, household.child], applicant=household.tenant
    )
    slips = DepartureSlip.objects.filter(subject__application=application)
    assert slips.count() == 2
    text = text_of(slip_pdf(actor=operator, slip=slips.get(subject__person=household.child)))
    assert "МЕКЕНЖАЙДАН КЕТУ ПАРАҒЫ" in text
    assert "АДРЕСНЫЙ ЛИСТОК УБЫТИЯ" in text
    assert household.child.iin in text
    assert "Германия" in text  # the country from the police certificate
    assert "ПК-2026-0042" in text


def test_other_cases_issue_a_slip_only_on_request(household, operator):
    complete(operator, household)
    assert not DepartureSlip.objects.exists()
    complete(operator, household, subjects=[household.child], issue_slip=True)
    slip = DepartureSlip.objects.get()
    text = text_of(slip_pdf(actor=operator, slip=slip))
    assert household.child.full_name in text
    assert household.owner.full_name in text  # the ground: the owner's application, with the owner's name
    assert slip.verification_code in text
    assert household.dwelling.address_code in text
    assert "Абай даңғылы" in text


def test_staff_issue_a_slip_later_once_and_only_for_a_deregistered_person(
    household, operator, migration_officer
):
    application = complete(operator, household)
    subject = application.subjects.get()
    with pytest.raises(NotAllowed):
        slip_issue(actor=migration_officer, subject=subject)
    slip = slip_issue(actor=operator, subject=subject)
    assert slip.issued_by == operator
    with pytest.raises(Conflict) as excinfo:
        slip_issue(actor=operator, subject=subject)
    assert excinfo.value.code == rules.SLIP_ALREADY_ISSUED
    assert DepartureSlip.objects.count() == 1


def test_no_slip_for_a_person_not_deregistered(household, operator):
    application = walk_in_case(operator, household)
    with pytest.raises(Conflict) as excinfo:
        slip_issue(actor=operator, subject=application.subjects.get())
    assert excinfo.value.code == rules.NOT_DEREGISTERED


def test_a_failed_render_never_blocks_the_deregistration_and_the_slip_can_be_issued_again(
    household, operator, monkeypatch
):
    def broken(data):
        raise OSError("fonts missing")

    monkeypatch.setattr(pdf, "render_slip_pdf", broken)
    application = complete(operator, household, "emigration", [household.tenant], applicant=household.tenant)
    assert application.status == "completed"
    assert Registration.objects.get(person=household.tenant).ended_on is not None
    assert not DepartureSlip.objects.exists()
    monkeypatch.undo()
    slip = slip_issue(actor=operator, subject=application.subjects.get())
    assert slip.subject.person == household.tenant


def test_two_downloads_give_the_same_bytes_as_issued_and_each_is_logged(household, operator):
    complete(operator, household, issue_slip=True)
    slip = DepartureSlip.objects.get()
    first = slip_pdf(actor=operator, slip=slip)
    second = slip_pdf(actor=operator, slip=slip)
    assert first == second
    assert first.startswith(b"%PDF")
    assert hashlib.sha256(first).hexdigest() == slip.sha256
    assert AuditEvent.objects.filter(action="slip.download", object_id=str(slip.pk)).count() == 2


def test_the_stored_slip_carries_a_valid_seal(household, operator, seal_files):
    complete(operator, household, issue_slip=True)
    document = slip_pdf(actor=operator, slip=DepartureSlip.objects.get())
    status = pdf.verify_pdf_seal(document, trust_roots_pem_paths=[seal_files / "ca.pem"])
    assert status.intact
    assert status.valid
    assert status.trusted


def test_verification_by_code_shows_only_number_date_and_initials(client, household, operator):
    complete(operator, household, issue_slip=True)
    slip = DepartureSlip.objects.get()
    page = client.get(reverse("deregistration:verify", args=[slip.verification_code]))
    body = page.content.decode()
    assert page.status_code == 200
    assert slip.number in body
    assert household.tenant.initials in body
    assert household.tenant.iin not in body
    assert household.tenant.last_name not in body
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]


@pytest.mark.parametrize("code", ["AAAA-BBBB-CCCC-DDDD-EEEE", "KP-20261127-0001", "'; DROP TABLE x; --"])
def test_a_forged_or_unknown_code_is_not_genuine(client, household, operator, code):
    complete(operator, household, issue_slip=True)
    slip = DepartureSlip.objects.get()
    assert code != slip.verification_code
    with pytest.raises(NotFound):
        slip_by_code(code=code)
    assert client.get(reverse("deregistration:verify", args=[code])).status_code == 404
    # The slip's own number is no verification code.
    with pytest.raises(NotFound):
        slip_by_code(code=slip.number)


def test_a_typed_code_is_found_whatever_its_case_and_spacing(household, operator):
    complete(operator, household, issue_slip=True)
    slip = DepartureSlip.objects.get()
    typed = slip.verification_code.replace("-", " ").lower()
    assert normalise_code(typed) == slip.verification_code
    assert slip_by_code(code=typed) == slip


def test_verification_codes_are_unguessable(household, operator):
    complete(operator, household, subjects=[household.tenant, household.child], issue_slip=True)
    codes = list(DepartureSlip.objects.values_list("verification_code", flat=True))
    assert len(set(codes)) == 2
    assert all(len(code.replace("-", "")) == 20 for code in codes)  # 100 bits


# --- slip_status: a failed slip is visible, and staff issue it again -------------------------------------------


@pytest.fixture
def broken_seal(settings, tmp_path):
    """The seal's key file holds no key: sealing really fails (no stand-in), as on a misconfigured server."""
    key = tmp_path / "seal.key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    good = settings.SLIP_SEAL_KEY
    settings.SLIP_SEAL_KEY = str(key)

    def repair():
        settings.SLIP_SEAL_KEY = good

    return repair


def statuses(application):
    return list(application.subjects.order_by("position").values_list("slip_status", "slip_error"))


def test_slip_status_follows_the_case(household, operator):
    waiting = walk_in_case(operator, household, case_type="emigration", applicant=household.tenant)
    assert statuses(waiting) == [("not_requested", "")]  # nothing to make before the person is deregistered
    leaving = complete(
        operator, household, "emigration", [household.tenant, household.child], applicant=household.tenant
    )
    assert statuses(leaving) == [("issued", ""), ("issued", "")]


def test_a_case_without_a_slip_says_not_requested_and_a_later_issue_says_issued(household, operator):
    application = complete(operator, household)
    assert statuses(application) == [("not_requested", "")]
    slip_issue(actor=operator, subject=application.subjects.get())
    assert statuses(application) == [("issued", "")]


def test_a_slip_that_could_not_be_sealed_is_failed_and_staff_issue_it_again(household, operator, broken_seal):
    application = complete(operator, household, "emigration", [household.tenant], applicant=household.tenant)
    assert application.status == "completed"  # the deregistration stands
    assert Registration.objects.get(person=household.tenant).ended_on is not None
    subject = application.subjects.get()
    assert statuses(application) == [("failed", "slip_seal_failed")]
    subject.refresh_from_db()
    assert subject.slip_attempted_at is not None
    assert not DepartureSlip.objects.exists()

    # Still broken: issuing again fails the same way and says so.
    with pytest.raises(Unavailable):
        slip_issue(actor=operator, subject=subject)
    assert statuses(application) == [("failed", "slip_seal_failed")]

    broken_seal()
    slip = slip_issue(actor=operator, subject=subject)
    assert statuses(application) == [("issued", "")]
    assert household.tenant.iin in text_of(slip_pdf(actor=operator, slip=slip))


def test_a_second_issue_of_an_issued_slip_is_a_conflict_not_a_failure(household, operator):
    application = complete(operator, household, issue_slip=True)
    with pytest.raises(Conflict):
        slip_issue(actor=operator, subject=application.subjects.get())
    assert statuses(application) == [("issued", "")]


def test_a_person_leaving_for_spain_gets_a_slip_naming_spain(household, operator):
    documents = walk_in_documents("emigration", [household.tenant])
    documents[1]["country"] = "ESP"  # outside the hand-written list of 23 countries the slip knew before
    application = complete(
        operator, household, "emigration", [household.tenant], applicant=household.tenant, documents=documents
    )
    text = text_of(slip_pdf(actor=operator, slip=DepartureSlip.objects.get(subject__application=application)))
    assert "Испания Патшалығы" in text
    assert "Королевство Испания" in text
    assert "ESP" not in text


def test_a_destination_that_is_no_iso_country_is_refused(household, operator):
    from django.core.exceptions import ValidationError

    documents = walk_in_documents("emigration", [household.tenant])
    documents[1]["country"] = "ABC"
    with pytest.raises(ValidationError) as excinfo:
        walk_in_case(
            operator, household, case_type="emigration", applicant=household.tenant, documents=documents
        )
    [error] = excinfo.value.error_dict["documents[1].country"]
    assert error.code == "invalid_document"
    assert error.params == {"document": "police_emigration_certificate"}
