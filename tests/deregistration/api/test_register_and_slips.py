"""The ХҚТ ТП АЖ records (staff), departure slips: issuing, reading, downloading, verifying."""

import hashlib

import pytest

from citizens.audit import iin_digest
from citizens.models import AuditEvent
from deregistration import pdf
from deregistration.models import DepartureSlip, Notification
from deregistration.slips import slip_storage
from tests.conftest import citizen_account

from .conftest import API, client_for, new_home, walk_in

pytestmark = pytest.mark.django_db


# --- the register -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["operator", "migration_officer", "supervisor"])
def test_staff_read_the_register(user, request, operator, home):
    application = walk_in(operator, home, complete=True)
    staff = request.getfixturevalue(user)
    response = client_for(staff).get(f"{API}/registry-records/")
    assert response.status_code == 200
    [record] = response.json()["results"]
    assert record["iin"] == home.tenant.iin
    assert record["full_name"] == home.tenant.full_name
    assert record["application_number"] == application.number
    assert record["address_code"] == home.dwelling.address_code
    assert record["case_type"] == "owner_application"
    assert record["channel"] == "state_corporation"
    assert "Owner's application" in record["basis"]
    for field in ("effective_date", "recorded_at", "address"):
        assert record[field]


def test_the_register_is_filtered_by_iin_and_each_read_is_audited(operator, supervisor):
    first, second = new_home(), new_home()
    walk_in(operator, first, complete=True)
    walk_in(operator, second, complete=True)
    response = client_for(supervisor).get(f"{API}/registry-records/?iin={second.tenant.iin}")
    assert [r["iin"] for r in response.json()["results"]] == [second.tenant.iin]
    event = AuditEvent.objects.get(action="registryrecord.list", actor=supervisor)
    assert event.details["page"] == "api:registry-record-list"
    assert event.details["rows"] == 1
    assert event.details["query"] == {"iin": iin_digest(second.tenant.iin)}
    assert event.details["persons"] == [second.tenant.pk]
    assert second.tenant.iin not in str(event.details)
    assert event.details["objects"] == {
        "deregistration.registryrecord": [str(response.json()["results"][0]["id"])]
    }


@pytest.mark.parametrize("iin", ["123", "800315300019", "abcdefghijkl"])
def test_a_bad_iin_filter_is_400(operator, iin):
    response = client_for(operator).get(f"{API}/registry-records/?iin={iin}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["iin"]


def test_citizens_may_not_read_the_register(owner_user):
    response = client_for(owner_user).get(f"{API}/registry-records/")
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


# --- issuing a slip ---------------------------------------------------------------------------------------


def slip_url(application, person):
    return f"{API}/applications/{application.number}/subjects/{person.iin}/slip/"


def test_an_operator_issues_a_slip(operator, home):
    application = walk_in(operator, home, complete=True)
    response = client_for(operator).post(slip_url(application, home.tenant))
    assert response.status_code == 201
    body = response.json()
    slip = DepartureSlip.objects.get()
    assert body["slip_number"] == body["number"] == slip.number
    assert body["application_number"] == application.number
    assert body["iin"] == home.tenant.iin
    assert body["sha256"] == slip.sha256
    assert body["verify_url"].endswith(f"/verify/{slip.verification_code}/")
    again = client_for(operator).post(slip_url(application, home.tenant))
    assert again.status_code == 409
    assert again.json()["code"] == "slip_already_issued"
    assert DepartureSlip.objects.count() == 1


def test_a_slip_only_for_a_deregistered_person(operator, home):
    application = walk_in(operator, home)
    response = client_for(operator).post(slip_url(application, home.tenant))
    assert response.status_code == 409
    assert response.json()["code"] == "subject_not_deregistered"


def test_a_slip_for_someone_the_case_does_not_name_is_404(operator, home):
    application = walk_in(operator, home, complete=True)
    assert client_for(operator).post(slip_url(application, home.owner)).status_code == 404


@pytest.mark.parametrize("user", ["migration_officer", "supervisor", "owner_user"])
def test_a_slip_is_issued_only_by_the_right_role(user, request, operator, home):
    application = walk_in(operator, home, complete=True)
    response = client_for(request.getfixturevalue(user)).post(slip_url(application, home.tenant))
    assert response.status_code == 403
    assert not DepartureSlip.objects.exists()


def test_another_citizen_issuing_a_slip_gets_404(operator, home, stranger):
    application = walk_in(operator, home, complete=True)
    assert client_for(stranger).post(slip_url(application, home.tenant)).status_code == 404


@pytest.mark.parametrize(
    ("step", "failure", "code"),
    [
        ("seal_pdf", pdf.SealError("no key"), "slip_seal_failed"),
        ("render_slip_pdf", OSError("fonts missing"), "slip_render_failed"),
    ],
)
def test_a_render_or_seal_failure_is_503_and_leaves_nothing(monkeypatch, operator, home, step, failure, code):
    application = walk_in(operator, home, complete=True)
    notifications = Notification.objects.count()

    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(pdf, step, broken)
    response = client_for(operator).post(slip_url(application, home.tenant))
    assert response.status_code == 503
    assert response.json()["code"] == code
    assert not DepartureSlip.objects.exists()
    assert Notification.objects.count() == notifications
    storage = slip_storage()
    assert not storage.exists("") or storage.listdir("")[1] == []
    monkeypatch.undo()
    assert client_for(operator).post(slip_url(application, home.tenant)).status_code == 201


# --- reading and downloading ------------------------------------------------------------------------------


@pytest.fixture
def issued(operator, home):
    """A completed case with a slip for the tenant; the owner (applicant) and tenant have accounts."""
    owner = citizen_account(home.owner)
    tenant = citizen_account(home.tenant)
    application = walk_in(operator, home, complete=True, issue_slip=True)
    return application, DepartureSlip.objects.get(), owner, tenant


@pytest.mark.parametrize("who", ["owner", "tenant", "operator", "supervisor"])
def test_the_applicant_the_person_and_staff_read_a_slip(who, issued, request):
    application, slip, owner, tenant = issued
    user = {"owner": owner, "tenant": tenant}.get(who) or request.getfixturevalue(who)
    response = client_for(user).get(f"{API}/slips/{slip.number}/")
    assert response.status_code == 200
    assert response.json()["number"] == slip.number
    assert response.json()["application_number"] == application.number
    document = client_for(user).get(f"{API}/slips/{slip.number}/pdf/")
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")
    assert hashlib.sha256(document.content).hexdigest() == slip.sha256
    assert "no-store" in document["Cache-Control"]
    assert document["Content-Disposition"] == f'attachment; filename="{slip.number}.pdf"'


def test_staff_reads_and_every_download_are_audited(issued, supervisor):
    _application, slip, owner, _tenant = issued
    client_for(supervisor).get(f"{API}/slips/{slip.number}/")
    client_for(owner).get(f"{API}/slips/{slip.number}/")
    client_for(owner).get(f"{API}/slips/{slip.number}/pdf/")
    assert AuditEvent.objects.filter(
        action="departureslip.view", actor=supervisor, object_id=str(slip.pk)
    ).exists()
    assert not AuditEvent.objects.filter(action="departureslip.view", actor=owner).exists()
    assert AuditEvent.objects.filter(action="slip.download", actor=owner).exists()


def test_another_citizen_guessing_a_slip_number_gets_404(issued, stranger):
    _application, slip, _owner, _tenant = issued
    client = client_for(stranger)
    for path, accept in (
        (f"/slips/{slip.number}/", "application/json"),
        (f"/slips/{slip.number}/pdf/", "application/pdf"),
    ):
        response = client.get(API + path, HTTP_ACCEPT=accept)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "No such departure slip."}


def test_a_damaged_stored_slip_is_503(issued, operator):
    _application, slip, _owner, _tenant = issued
    with slip_storage().open(slip.file_name, "wb") as stored:
        stored.write(b"%PDF-1.7 tampered")
    response = client_for(operator).get(f"{API}/slips/{slip.number}/pdf/")
    assert response.status_code == 503
    assert response.json()["code"] == "slip_unavailable"


def test_anyone_verifies_a_slip_by_its_code(issued):
    _application, slip, _owner, _tenant = issued
    code = slip.verification_code
    for typed in (code, code.lower().replace("-", "")):
        response = client_for().get(f"{API}/slips/verify/{typed}/")
        assert response.status_code == 200
        assert response.json() == {
            "genuine": True,
            "number": slip.number,
            "issued_at": response.json()["issued_at"],
            "initials": slip.subject.person.initials,
        }


def test_a_code_never_issued_is_404_for_anyone(issued):
    response = client_for().get(f"{API}/slips/verify/AAAA-BBBB-CCCC-DDDD-EEEE/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- slip_status ------------------------------------------------------------------------------------------


def test_a_failed_slip_is_shown_listed_and_issued_again(operator, supervisor, home, settings, tmp_path):
    good = settings.SLIP_SEAL_KEY
    broken = tmp_path / "no.key.pem"
    broken.write_text("not a key")
    settings.SLIP_SEAL_KEY = str(broken)
    application = walk_in(operator, home, complete=True, issue_slip=True)
    detail = f"{API}/applications/{application.number}/"

    [subject] = client_for(supervisor).get(detail).json()["subjects"]
    assert (subject["outcome"], subject["slip_status"], subject["slip_number"]) == (
        "deregistered",
        "failed",
        None,
    )
    listed = client_for(supervisor).get(f"{API}/applications/?slip_status=failed").json()["results"]
    assert [a["number"] for a in listed] == [application.number]
    assert client_for(supervisor).get(f"{API}/applications/?slip_status=issued").json()["results"] == []

    response = client_for(operator).post(slip_url(application, home.tenant))
    assert response.status_code == 503
    assert client_for(operator).get(detail).json()["subjects"][0]["slip_status"] == "failed"

    settings.SLIP_SEAL_KEY = good
    response = client_for(operator).post(slip_url(application, home.tenant))
    assert response.status_code == 201
    [subject] = client_for(operator).get(detail).json()["subjects"]
    assert (subject["slip_status"], subject["slip_number"]) == ("issued", response.json()["number"])


def test_slip_status_is_not_requested_without_a_slip(operator, home):
    application = walk_in(operator, home, complete=True)
    [subject] = client_for(operator).get(f"{API}/applications/{application.number}/").json()["subjects"]
    assert subject["slip_status"] == "not_requested"
    assert client_for(operator).get(f"{API}/applications/?slip_status=bogus").status_code == 400
