"""Walk-in intake through the admin's own pages: each kind of case, each error beside its field, nothing stored
until all is right, co-owners' consents at the counter, scans checked by their content, and a case from intake to
completion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from citizens.models import AuditEvent
from deregistration.models import Application, Consent, DocumentScan, RegistryRecord
from deregistration.scans import scan_storage
from tests.conftest import walk_in_case
from tests.factories import OwnershipFactory, PersonFactory, RegistrationFactory

from .conftest import REFUGEE, case_url, make_household

pytestmark = pytest.mark.django_db

ADD = "/admin/deregistration/application/add/"
IDENTIFY = "/admin/deregistration/application/intake/"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def nothing_stored() -> bool:
    return not Application.objects.exists() and not DocumentScan.objects.exists()


def identify(client, case_type: str, iin: str):
    return client.post(IDENTIFY, {"case_type": case_type, "applicant_iin": iin})


def open_screen(client, case_type: str, person, **query):
    response = identify(client, case_type, person.iin)
    assert response.status_code == 302, response.content.decode()[:2000]
    screen = client.get(response["Location"], query)
    assert screen.status_code == 200
    return response["Location"], screen


def filled(screen_response, **changes) -> dict:
    """What the screen's forms hold (the register's data prefilled), as a POST body, with ``changes`` applied:
    ``subjects=[iins]``, ``doc-1-number="X"``, ``consent-0-decision="approve"``..."""
    screen = screen_response.context["screen"]
    data = {"idempotency_key": screen.form.initial["idempotency_key"], "subjects": []}
    for form in [*(b.form for b in screen.blocks), *(c.form for c in screen.co_owners)]:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value in (None, "") or name == "scan":
                continue
            data[f"{form.prefix}-{name}"] = value.isoformat() if hasattr(value, "isoformat") else value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def block_of(screen_response, doc_type: str, holder=None):
    for block in screen_response.context["screen"].blocks:
        if block.doc_type == doc_type and (holder is None or block.holder == holder):
            return block.form.prefix
    raise AssertionError(doc_type)


def complete_owner_documents(screen, **changes) -> dict:
    form = block_of(screen, "owner_application_form")
    return filled(screen, **{f"{form}-number": "Ө-17", **changes})


def error_beside(page: str, field_id: str) -> str:
    """The text of the error list rendered beside the field with this id."""
    start = page.index(f'id="{field_id}-errors"')
    return page[start : page.index("</ul>", start)]


# --- who may open cases --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("migration", 200), ("supervisor", 403)])
def test_who_may_open_a_case(as_role, role, status):
    assert as_role(role).get(ADD).status_code == status


def test_the_new_case_page_takes_no_post_itself(as_role):
    assert as_role("operator").post(ADD, {"case_type": "owner_application"}).status_code == 405
    assert nothing_stored()


# --- the applicant, by the exact IIN -------------------------------------------------------------------------


@pytest.mark.parametrize("case_type", ["owner_application", "emigration", "court_decision"])
@pytest.mark.parametrize(
    ("iin", "message"), [("800315300019", "IIN"), ("80031530001", "12"), ("061211600012", "No person")]
)
def test_a_bad_or_unknown_iin_is_refused_beside_its_field(as_role, case_type, iin, message):
    response = identify(as_role("operator"), case_type, iin)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in error_beside(page, "id_applicant_iin")
    assert 'href="#id_applicant_iin"' in page  # the summary at the top leads to the field
    assert nothing_stored()


def test_the_applicants_data_is_shown_for_the_check_and_the_read_is_logged(as_role):
    home = make_household()
    _url, screen = open_screen(as_role("operator"), "owner_application", home.owner)
    page = screen.content.decode()
    applicant = page[page.index('id="applicant"') :]
    for value in (
        home.owner.full_name,
        home.owner.iin,
        home.owner.document_number,
        "Citizen of the Republic",
    ):
        assert value in applicant
    read = AuditEvent.objects.filter(details__page="admin:deregistration_application_intake").get()
    assert home.owner.pk in read.details["persons"]
    assert home.tenant.pk in read.details["persons"]


def test_errors_come_in_the_operators_language(as_role):
    client = as_role("operator")
    response = client.post(
        IDENTIFY,
        {"case_type": "owner_application", "applicant_iin": "061211600012"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    with translation.override("ru"):
        expected = translation.gettext("No person with this IIN in the register.")
    assert expected != "No person with this IIN in the register."
    assert expected in response.content.decode()


# --- the owner's application ---------------------------------------------------------------------------------


def test_an_owners_application_from_intake_to_completion(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    page = screen.content.decode()
    assert f'value="{home.owner.iin}"' not in page  # the applicant is shown, never offered as a subject
    response = client.post(url, complete_owner_documents(screen, subjects=[home.tenant.iin], issue_slip="on"))
    assert response.status_code == 302
    case = Application.objects.get()
    assert response["Location"].endswith(case_url(case))
    assert (case.status, case.channel, case.case_type) == (
        "submitted",
        "state_corporation",
        "owner_application",
    )
    assert [s.person for s in case.subjects.all()] == [home.tenant]
    assert {d.type for d in case.documents.all()} == {"applicant_identity_document", "owner_application_form"}
    client.post(case_url(case, "complete"))
    case.refresh_from_db()
    assert case.status == "completed"
    assert RegistryRecord.objects.get(application_number=case.number).iin == home.tenant.iin
    assert case.subjects.get().slip_status == "issued"


def test_a_missing_document_is_named_beside_its_fields_and_nothing_is_stored(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    form = block_of(screen, "owner_application_form")
    response = client.post(url, filled(screen, subjects=[home.tenant.iin], **{f"{form}-issued_on": ""}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Owner&#x27;s application for deregistration: this field is required." in error_beside(
        page, f"id_{form}-number"
    )
    assert nothing_stored()
    assert home.tenant.iin in page  # the screen comes back as it was filled


def test_no_person_ticked_is_refused_beside_the_list(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    response = client.post(url, complete_owner_documents(screen))
    assert response.status_code == 400
    assert "Name at least one person" in error_beside(response.content.decode(), "id_subjects")
    assert nothing_stored()


def test_a_person_no_longer_registered_there_is_named_on_their_row(as_role, operator):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    walk_in_case(operator, home, complete=True)  # meanwhile, at the next desk: the tenant is deregistered
    taken = Application.objects.get()
    response = client.post(url, complete_owner_documents(screen, subjects=[home.tenant.iin, home.child.iin]))
    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index(f'id="subject-{home.tenant.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "no permanent registration" in row
    assert list(Application.objects.all()) == [taken]


def test_a_crafted_subject_who_is_not_on_the_screen_is_refused_on_their_row(as_role):
    home = make_household()
    stranger = RegistrationFactory().person
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    response = client.post(url, complete_owner_documents(screen, subjects=[stranger.iin]))
    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index(f'id="subject-{stranger.pk}"') :]
    assert "no permanent registration" in row[: row.index("</tr>")]
    assert nothing_stored()


def co_owned_home():
    home = make_household()
    co_owner = PersonFactory(document_number="041009999")
    OwnershipFactory(dwelling=home.dwelling, person=co_owner, share="0.5")
    home.dwelling.ownerships.filter(person=home.owner).update(share="0.5")
    return home, co_owner


def test_a_co_owners_consent_given_at_the_counter_is_recorded(as_role, operator):
    home, co_owner = co_owned_home()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    page = screen.content.decode()
    assert co_owner.full_name in page
    assert "041009999" in page
    response = client.post(
        url,
        complete_owner_documents(
            screen, subjects=[home.tenant.iin], **{f"consent-{co_owner.pk}-decision": "approve"}
        ),
    )
    assert response.status_code == 302
    case = Application.objects.get()
    assert case.status == "submitted"  # every co-owner agreed: the term runs now
    consent = Consent.objects.get(application=case)
    assert (consent.co_owner, consent.decision, consent.given) == (co_owner, "approved", "counter")
    assert (consent.identity_document_number, consent.recorded_by) == ("041009999", operator)


def test_a_co_owner_absent_and_not_answering_leaves_the_case_waiting(as_role):
    home, _co_owner = co_owned_home()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    response = client.post(url, complete_owner_documents(screen, subjects=[home.tenant.iin]))
    assert response.status_code == 302
    case = Application.objects.get()
    assert case.status == "awaiting_consent"
    assert Consent.objects.get(application=case).decision == "pending"


def test_a_co_owners_consent_errors_are_beside_its_fields(as_role):
    home, co_owner = co_owned_home()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    response = client.post(
        url,
        complete_owner_documents(
            screen,
            subjects=[home.tenant.iin],
            **{f"consent-{co_owner.pk}-decision": "approve", f"consent-{co_owner.pk}-id_number": ""},
        ),
    )
    assert response.status_code == 400
    assert "required" in error_beside(response.content.decode(), f"id_consent-{co_owner.pk}-id_number")
    declined = client.post(
        url,
        complete_owner_documents(
            screen, subjects=[home.tenant.iin], **{f"consent-{co_owner.pk}-decision": "decline"}
        ),
    )
    assert declined.status_code == 400
    assert "declines" in error_beside(declined.content.decode(), f"id_consent-{co_owner.pk}-decision")
    assert nothing_stored()


# --- scans ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code_text"),
    [
        ("passport.pdf", PNG, "its name ends in .pdf"),
        ("passport.png", b"MZ\x90\x00 not an image", "Attach a PDF, JPEG or PNG file"),
    ],
)
def test_a_scan_whose_content_does_not_match_is_refused_and_nothing_is_stored(
    as_role, name, content, code_text
):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    identity = block_of(screen, "applicant_identity_document")
    data = complete_owner_documents(screen, subjects=[home.tenant.iin])
    data[f"{identity}-scan"] = SimpleUploadedFile(name, content)
    response = client.post(url, data)
    assert response.status_code == 400
    assert code_text in error_beside(response.content.decode(), f"id_{identity}-scan")
    assert nothing_stored()
    assert not scan_storage().exists("") or not any(scan_storage().listdir("")[1])


def test_a_scan_too_large_is_refused(as_role, settings):
    settings.SCAN_MAX_BYTES = 100
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    identity = block_of(screen, "applicant_identity_document")
    data = complete_owner_documents(screen, subjects=[home.tenant.iin])
    data[f"{identity}-scan"] = SimpleUploadedFile("id.pdf", PDF + b"0" * 200)
    response = client.post(url, data)
    assert response.status_code == 400
    assert "larger than" in error_beside(response.content.decode(), f"id_{identity}-scan")
    assert nothing_stored()


def test_scans_are_stored_privately_and_open_from_the_case(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    identity = block_of(screen, "applicant_identity_document")
    form = block_of(screen, "owner_application_form")
    data = complete_owner_documents(screen, subjects=[home.tenant.iin])
    data[f"{identity}-scan"] = SimpleUploadedFile("ID card.PDF", PDF)
    data[f"{form}-scan"] = SimpleUploadedFile("application", PNG)  # no extension: the content decides
    assert client.post(url, data).status_code == 302
    scans = {s.document.type: s for s in DocumentScan.objects.select_related("document")}
    assert scans["applicant_identity_document"].content_type == "application/pdf"
    assert scans["owner_application_form"].content_type == "image/png"
    scan = scans["applicant_identity_document"]
    assert "ID card" not in scan.file_name
    assert scan.file_name.endswith(".pdf")
    case = Application.objects.get()
    page = client.get(case_url(case)).content.decode()
    link = f"/admin/deregistration/documentscan/{scan.pk}/file/"
    assert link in page
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == PDF


def test_the_same_screen_sent_twice_opens_one_case(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    data = complete_owner_documents(screen, subjects=[home.tenant.iin])
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1


# --- leaving the country ---------------------------------------------------------------------------------------


def emigration_data(screen, applicant, *children, **changes):
    police = block_of(screen, "police_emigration_certificate")
    data = filled(
        screen,
        subjects=[c.iin for c in children],
        **{
            f"{police}-number": "ПК-2026-0042",
            f"{police}-issued_on": (timezone.localdate() - dt.timedelta(days=20)).isoformat(),
            f"{police}-issued_by": "Алматы қ. ПД",
            f"{police}-country": "DEU",
        },
    )
    data.update(changes)
    return data


def test_leaving_the_country_with_a_child_from_intake_to_completion(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "emigration", home.tenant)
    page = screen.content.decode()
    assert home.child.full_name in page
    assert f'value="{home.owner.iin}"' not in page  # an adult is no child leaving with the applicant
    response = client.post(url, emigration_data(screen, home.tenant, home.child))
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Application.objects.get()
    assert {s.person for s in case.subjects.all()} == {home.tenant, home.child}
    assert {(d.type, d.holder_iin) for d in case.documents.all()} >= {
        ("surrendered_identity_document", home.tenant.iin),
        ("child_passport", home.child.iin),
    }
    client.post(case_url(case, "complete"))
    assert RegistryRecord.objects.filter(application_number=case.number).count() == 2


def test_leaving_the_country_without_the_police_certificate_is_refused_beside_it(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "emigration", home.tenant)
    police = block_of(screen, "police_emigration_certificate")
    response = client.post(
        url, emigration_data(screen, home.tenant, **{f"{police}-number": "", f"{police}-country": "Germany"})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "required" in error_beside(page, f"id_{police}-number")
    assert "alpha-3" in error_beside(page, f"id_{police}-country")
    assert nothing_stored()


def test_a_child_no_longer_registered_there_is_named_on_their_row(as_role, operator):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "emigration", home.tenant)
    walk_in_case(operator, home, subjects=[home.child], complete=True)  # the child was deregistered meanwhile
    response = client.post(url, emigration_data(screen, home.tenant, home.child))
    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index(f'id="subject-{home.child.pk}"') :]
    assert "no permanent registration" in row[: row.index("</tr>")]
    assert Application.objects.count() == 1


def test_a_person_with_no_registration_has_nothing_to_leave(as_role):
    nowhere = PersonFactory()
    _url, screen = open_screen(as_role("operator"), "emigration", nowhere)
    assert 'id="problem"' in screen.content.decode()
    assert 'id="intake"' not in screen.content.decode()


# --- a court decision --------------------------------------------------------------------------------------


def court_data(screen, *subjects, **changes):
    court = block_of(screen, "court_decision")
    today = timezone.localdate()
    data = filled(
        screen,
        subjects=[s.iin for s in subjects],
        **{
            f"{court}-number": "2-1234/2026",
            f"{court}-court": "Алмалы аудандық соты",
            f"{court}-case_number": "2-1234/2026",
            f"{court}-decided_on": (today - dt.timedelta(days=40)).isoformat(),
            f"{court}-in_force_on": (today - dt.timedelta(days=10)).isoformat(),
        },
    )
    data.update(changes)
    return data


def test_a_court_decision_from_intake_to_completion(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "court_decision", home.owner)
    response = client.post(url, court_data(screen, home.tenant))
    assert response.status_code == 302
    case = Application.objects.get()
    client.post(case_url(case, "complete"))
    case.refresh_from_db()
    assert case.status == "completed"
    assert "Алмалы аудандық соты" in RegistryRecord.objects.get(application_number=case.number).basis


def test_a_court_decision_missing_or_not_in_force_is_refused_beside_its_fields(as_role):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "court_decision", home.owner)
    court = block_of(screen, "court_decision")
    missing = client.post(url, court_data(screen, home.tenant, **{f"{court}-court": ""}))
    assert missing.status_code == 400
    assert "required" in error_beside(missing.content.decode(), f"id_{court}-court")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    early = client.post(url, court_data(screen, home.tenant, **{f"{court}-in_force_on": tomorrow}))
    assert early.status_code == 400
    assert "not entered into force" in error_beside(early.content.decode(), f"id_{court}-in_force_on")
    assert nothing_stored()


def test_a_court_decision_naming_someone_no_longer_there(as_role, operator):
    home = make_household()
    client = as_role("operator")
    url, screen = open_screen(client, "court_decision", home.owner)
    walk_in_case(operator, home, complete=True)
    response = client.post(url, court_data(screen, home.tenant))
    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index(f'id="subject-{home.tenant.pk}"') :]
    assert "no permanent registration" in row[: row.index("</tr>")]


# --- the migration service -------------------------------------------------------------------------------------


def test_a_migration_officer_opens_and_completes_a_case_for_a_refugee(as_role):
    home = make_household(tenant=REFUGEE)
    client = as_role("migration")
    url, screen = open_screen(client, "owner_application", home.owner)
    assert "Refugee" in screen.content.decode()
    response = client.post(url, complete_owner_documents(screen, subjects=[home.tenant.iin]))
    assert response.status_code == 302
    case = Application.objects.get()
    assert case.channel == "service_provider"
    client.post(case_url(case, "complete"))
    case.refresh_from_db()
    assert case.status == "completed"


def test_an_operator_is_told_a_refugees_case_belongs_to_the_migration_service(as_role):
    home = make_household(tenant=REFUGEE)
    client = as_role("operator")
    url, screen = open_screen(client, "owner_application", home.owner)
    response = client.post(url, complete_owner_documents(screen, subjects=[home.tenant.iin]))
    assert response.status_code == 400
    assert "migration service" in response.content.decode()
    assert nothing_stored()


def test_an_administrator_opens_each_case_in_the_channel_its_persons_need(as_role):
    citizens_home, refugees_home = make_household(), make_household(tenant=REFUGEE)
    client = as_role("admin")
    for home in (citizens_home, refugees_home):
        url, screen = open_screen(client, "owner_application", home.owner)
        assert (
            client.post(url, complete_owner_documents(screen, subjects=[home.tenant.iin])).status_code == 302
        )
    channels = {a.subjects.get().person: a.channel for a in Application.objects.all()}
    assert channels == {citizens_home.tenant: "state_corporation", refugees_home.tenant: "service_provider"}


def test_the_services_missing_document_error_lands_on_that_documents_block(as_role, operator, rf):
    """The service names a missing document in its error's params; the screen puts it on that block."""
    from django.core.exceptions import ValidationError

    from deregistration.backoffice import intake
    from tests.conftest import submit_walk_in, walk_in_documents

    home = make_household()
    documents = [
        d
        for d in walk_in_documents("owner_application", [home.tenant])
        if d["type"] != "owner_application_form"
    ]
    with pytest.raises(ValidationError) as refused:
        submit_walk_in(operator, home, documents=documents)
    request = rf.post("/", {"idempotency_key": "k", "subjects": [home.tenant.iin]})
    request.user = operator
    screen = intake._screen(request, "owner_application", home.owner)
    assert all([screen.form.is_valid(), *(b.form.is_valid() for b in screen.blocks)])
    intake._attach(refused.value, screen, [], [], [home.tenant.iin])
    form_block = next(b for b in screen.blocks if b.doc_type == "owner_application_form")
    assert "Missing document" in " ".join(form_block.form.non_field_errors())
    assert not screen.form.non_field_errors()


def test_an_owner_of_two_dwellings_picks_the_one_first(as_role):
    home = make_household()
    second = make_household()
    OwnershipFactory(dwelling=second.dwelling, person=home.owner)
    client = as_role("operator")
    url, chooser = open_screen(client, "owner_application", home.owner)
    page = chooser.content.decode()
    assert f"?dwelling={second.dwelling.pk}" in page
    assert 'id="intake"' not in page
    screen = client.get(url, {"dwelling": second.dwelling.pk})
    assert second.tenant.full_name in screen.content.decode()
    response = client.post(
        f"{url}?dwelling={second.dwelling.pk}", complete_owner_documents(screen, subjects=[second.tenant.iin])
    )
    assert response.status_code == 302
    assert Application.objects.get().dwelling == second.dwelling
