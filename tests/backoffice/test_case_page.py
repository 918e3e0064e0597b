"""A case's page: complete, reject, issue and print the slip, the register records; conflicts as messages."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from deregistration.models import Application, DepartureSlip, RegistryRecord
from deregistration.services import application_complete
from tests.conftest import walk_in_case

from .conftest import case_url, citizens_case, make_household, messages_of

pytestmark = pytest.mark.django_db


def test_an_operator_completes_a_case_and_sees_the_records_written(as_role, operator):
    case = citizens_case(operator)
    client = as_role("operator")
    response = client.post(case_url(case, "complete"))
    assert response.status_code == 302
    assert response["Location"].endswith(case_url(case))
    assert any("deregistered" in m for m in messages_of(response))
    record = RegistryRecord.objects.get(application_number=case.number)
    page = client.get(case_url(case)).content.decode()
    records = page[page.index('id="records"') :]
    assert record.iin in records
    assert f"No. {case.number}" in records
    assert 'id="complete"' not in page  # done: no button that would do nothing


def test_another_operator_was_faster_is_a_message_not_a_crash(as_role, operator, django_user_model):
    case = citizens_case(operator)
    application_complete(actor=operator, application=case)  # the colleague at the next desk
    response = as_role("operator").post(case_url(case, "complete"))
    assert response.status_code == 302
    assert any("already been completed" in m for m in messages_of(response))
    assert RegistryRecord.objects.filter(application_number=case.number).count() == 1


def test_a_lapsed_consent_is_a_message_and_the_case_shows_refused(as_role, operator):
    home = make_household()
    co_owner = home.dwelling.ownerships.get().person
    from tests.factories import OwnershipFactory, PersonFactory

    OwnershipFactory(dwelling=home.dwelling, person=PersonFactory(), share="0.5")
    home.dwelling.ownerships.filter(person=co_owner).update(share="0.5")
    case = walk_in_case(operator, home)
    assert case.status == "awaiting_consent"
    page = as_role("operator").get(case_url(case)).content.decode()
    assert 'id="complete"' not in page  # nothing to complete before every co-owner agreed
    Application.objects.filter(pk=case.pk).update(consent_expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = as_role("operator").post(case_url(case, "complete"))
    assert response.status_code == 302
    assert messages_of(response)
    case.refresh_from_db()
    assert case.status == "rejected"
    assert case.rejection_reason_code == "co_owner_consent_lapsed"
    assert not RegistryRecord.objects.exists()


def test_a_refusal_names_its_ground_and_reason_and_other_needs_a_comment(as_role, operator):
    case = citizens_case(operator)
    client = as_role("operator")
    response = client.post(case_url(case, "reject"), {"reason_code": "other", "comment": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_comment-errors"' in page
    assert "Explain the reason" in page
    case.refresh_from_db()
    assert case.status == "submitted"
    response = client.post(case_url(case, "reject"), {"reason_code": "unreliable_data"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.rejection_ground, case.rejection_reason_code) == (
        "rejected",
        "unreliable_documents",
        "unreliable_data",
    )
    page = client.get(case_url(case)).content.decode()
    assert "The documents or the data in them are unreliable" in page
    assert 'id="reject"' not in page


def test_an_unknown_reason_is_refused_beside_its_field(as_role, operator):
    case = citizens_case(operator)
    response = as_role("operator").post(case_url(case, "reject"), {"reason_code": "because"})
    assert response.status_code == 400
    assert 'id="id_reason_code-errors"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted"


def test_the_slip_is_issued_and_opens_as_the_stored_pdf_in_the_browser(as_role, operator):
    case = citizens_case(operator, complete=True)  # no slip asked for at the desk
    client = as_role("operator")
    page = client.get(case_url(case)).content.decode()
    assert "Not requested" in page
    assert "Issue the slip" in page
    subject = case.subjects.get()
    response = client.post(case_url(case, f"subjects/{subject.pk}/slip"))
    assert response.status_code == 302
    slip = DepartureSlip.objects.get(subject=subject)
    page = client.get(case_url(case)).content.decode()
    pdf_url = f"/admin/deregistration/departureslip/pdf/{slip.number}/"
    assert pdf_url in page
    assert "Issue the slip" not in page
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert subject.person.iin in text


def test_a_slip_that_failed_can_be_issued_again(as_role, operator, settings):
    settings.SLIP_SEAL_KEY = "/nonexistent/seal.key.pem"  # the seal cannot be read: slips fail
    case = citizens_case(operator, issue_slip=True)
    client = as_role("operator")
    client.post(case_url(case, "complete"))
    case.refresh_from_db()
    assert case.status == "completed"
    assert not DepartureSlip.objects.exists()
    page = client.get(case_url(case)).content.decode()
    assert "slip-failed" in page
    assert "Issue the slip again" in page
    subject = case.subjects.get()
    response = client.post(case_url(case, f"subjects/{subject.pk}/slip"))
    assert response.status_code == 302
    assert messages_of(response)
    assert not DepartureSlip.objects.exists()
    settings.SLIP_SEAL_KEY = settings.SLIP_SEAL_CERT.replace("seal.pem", "seal.key.pem")
    client.post(case_url(case, f"subjects/{subject.pk}/slip"))
    assert DepartureSlip.objects.filter(subject=subject).count() == 1


def test_the_slip_pages_name_the_person_not_row_numbers(as_role, operator):
    case = citizens_case(operator, complete=True, issue_slip=True)
    slip = DepartureSlip.objects.get()
    person = slip.subject.person
    client = as_role("operator")
    listing = client.get("/admin/deregistration/departureslip/").content.decode()
    assert person.full_name in listing
    assert case.number in listing
    assert f"{slip.subject.application_id}/{person.pk}" not in listing
    detail = client.get(f"/admin/deregistration/departureslip/{slip.pk}/change/").content.decode()
    assert person.full_name in detail
    assert f"/pdf/{slip.number}/" in detail
    download = client.get(f"/api/v1/slips/{slip.number}/pdf/")  # the API's download, with the same session
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert f"/api/v1/slips/{slip.number}/pdf/" in detail
    assert 'name="_save"' not in detail


def test_a_case_page_with_many_persons_costs_a_bounded_number_of_queries(
    as_role, operator, django_assert_max_num_queries
):
    from tests.factories import RegistrationFactory

    client = as_role("operator")
    small_home = make_household()
    small = walk_in_case(operator, small_home, complete=True, issue_slip=True)
    with CaptureQueriesContext(connection) as few:
        client.get(case_url(small))
    big_home = make_household()
    tenants = [RegistrationFactory(dwelling=big_home.dwelling).person for _ in range(12)]
    big = walk_in_case(operator, big_home, subjects=tenants, complete=True, issue_slip=True)
    assert DepartureSlip.objects.filter(subject__application=big).count() == 12
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(case_url(big)).content.decode()
    assert all(t.iin in page for t in tenants)
