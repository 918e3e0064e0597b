"""``/apply/``: each step, each validation error, the no-JavaScript path, the three ways to sign, refusals
that store nothing, and one application for a double click."""

import datetime as dt
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deregistration import eds, rules
from deregistration.eds.errors import MESSAGES
from deregistration.models import Application, RegistryRecord, UsedNonce
from tests.conftest import citizen_account
from tests.factories import PersonFactory, RegistrationFactory

from .conftest import browser_for, draft_url, error_summary, new_home, request_to_sign, start_draft, text

pytestmark = pytest.mark.django_db


def upload(data: bytes, name="signed.xml"):
    return SimpleUploadedFile(name, data, content_type="application/xml")


def signed_by(eds_pki, xml: bytes, iin: str) -> bytes:
    return eds_pki.sign(xml, signer=eds_pki.citizen(iin))


def nothing_stored():
    return (
        not Application.objects.exists()
        and not UsedNonce.objects.exists()
        and not RegistryRecord.objects.exists()
    )


# --- step 1: the dwelling -----------------------------------------------------------------------------------


def test_step_one_lists_only_the_dwellings_the_citizen_owns(home):
    other = new_home()
    html = text(browser_for(home.user).get("/apply/"))
    assert home.dwelling.address_code in html
    assert other.dwelling.address_code not in html
    assert "Step 1 of 4" in html


def test_step_one_without_a_choice_is_an_error_beside_the_field_and_in_the_summary(home):
    response = browser_for(home.user).post("/apply/", {})
    assert response.status_code == 200
    assert error_summary(response) == ["Choose the dwelling the persons are registered at."]
    assert 'href="#id_address_code_0"' in text(response)
    assert 'id="id_address_code_error"' in text(response)


def test_a_dwelling_the_citizen_does_not_own_is_refused_and_nothing_is_kept(home):
    other = new_home()
    client = browser_for(home.user)
    response = client.post("/apply/", {"address_code": other.dwelling.address_code})
    assert response.status_code == 200
    assert error_summary(response) == ["Choose one of the dwellings you own."]
    assert "portal_drafts" not in client.session
    assert nothing_stored()


def test_a_citizen_who_owns_nothing_is_told_so(db):
    user = citizen_account(PersonFactory())
    assert "You own no dwelling in the register" in text(browser_for(user).get("/apply/"))


# --- step 2: the residents ----------------------------------------------------------------------------------


def test_step_two_shows_everyone_and_offers_only_whom_the_portal_can_take(home):
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    RegistrationFactory(person=foreigner, dwelling=home.dwelling)
    client = browser_for(home.user)
    prefix = draft_url(client.post("/apply/", {"address_code": home.dwelling.address_code}))
    html = text(client.get(prefix + "residents/"))
    assert f'value="{home.tenant.iin}"' in html
    assert foreigner.full_name in html
    assert f'value="{foreigner.iin}"' not in html
    assert "migration service" in html
    assert home.owner.full_name in html
    assert f'value="{home.owner.iin}"' not in html
    assert "Cannot be chosen on the portal." in html


def test_step_two_without_a_tick_is_an_error(home):
    client = browser_for(home.user)
    prefix = draft_url(client.post("/apply/", {"address_code": home.dwelling.address_code}))
    response = client.post(prefix + "residents/", {"issue_slip": "on"})
    assert error_summary(response) == ["Tick at least one person who does not live at your address."]
    assert 'href="#id_subjects_0"' in text(response)
    # What was typed is kept.
    assert re.search(r'<input type="checkbox" name="issue_slip"[^>]* checked>', text(response))


@pytest.mark.parametrize("who", ["owner", "stranger", "foreigner"])
def test_a_tampered_iin_is_refused_and_nothing_is_stored(home, who):
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    RegistrationFactory(person=foreigner, dwelling=home.dwelling)
    iin = {"owner": home.owner.iin, "stranger": PersonFactory().iin, "foreigner": foreigner.iin}[who]
    client = browser_for(home.user)
    prefix = draft_url(client.post("/apply/", {"address_code": home.dwelling.address_code}))
    response = client.post(prefix + "residents/", {"subjects": [home.tenant.iin, iin]})
    assert response.status_code == 200
    assert error_summary(response) == [
        f"{iin} cannot be deregistered on the portal. Tick only persons from the list."
    ]
    assert client.get(prefix + "review/")["Location"] == prefix + "residents/"
    assert nothing_stored()


def test_another_sessions_draft_is_not_found(home):
    client = browser_for(home.user)
    prefix = draft_url(client.post("/apply/", {"address_code": home.dwelling.address_code}))
    assert browser_for(home.user).get(prefix + "residents/").status_code == 404
    intruder = new_home()
    assert browser_for(intruder.user).get(prefix + "residents/").status_code == 404


# --- step 3: the review -------------------------------------------------------------------------------------


def test_the_review_shows_what_will_be_signed_and_needs_a_confirmation(co_home):
    client = browser_for(co_home.user)
    prefix = start_draft(client, co_home, confirm=False, issue_slip=True)
    html = text(client.get(prefix + "review/"))
    assert co_home.tenant.full_name in html
    assert co_home.co_owner.full_name in html  # who else must consent
    assert "Yes, for each person" in html
    response = client.post(prefix + "review/", {})
    assert error_summary(response) == ["Confirm that the persons you named do not live at your address."]
    assert client.get(prefix + "sign/")["Location"] == prefix + "review/"


def test_steps_cannot_be_skipped(home):
    client = browser_for(home.user)
    prefix = draft_url(client.post("/apply/", {"address_code": home.dwelling.address_code}))
    assert client.get(prefix + "sign/")["Location"] == prefix + "residents/"
    assert client.get(prefix + "review/")["Location"] == prefix + "residents/"
    assert client.get(prefix + "result/")["Location"] == prefix + "residents/"


def test_going_back_keeps_the_choices_and_a_new_dwelling_clears_them(home):
    owner_of_two = home.owner
    second = new_home(owner=owner_of_two)
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    html = text(client.get(prefix + "residents/"))
    assert f'value="{home.tenant.iin}" id="id_subjects_0" checked' in html
    assert f'value="{home.dwelling.address_code}"' in text(client.get(prefix + "dwelling/"))
    client.post(prefix + "dwelling/", {"address_code": second.dwelling.address_code})
    assert client.get(prefix + "review/")["Location"] == prefix + "residents/"


# --- step 4: signing ----------------------------------------------------------------------------------------


def test_the_sign_page_shows_the_request_xml_of_the_draft(home, eds_pki):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    html = text(client.get(prefix + "sign/"))
    xml = request_to_sign(client, prefix).decode()
    assert "urn:kz:deregistration:request:1" in xml
    assert f"<applicantIin>{home.owner.iin}</applicantIin>" in xml
    assert f'<subject iin="{home.tenant.iin}"/>' in xml
    assert "&lt;applicantIin&gt;" in html  # shown on the page, escaped
    # The page hands the same document to NCALayer's script as data, not as code.
    assert '<script id="ncalayer-data" type="application/json">' in html
    assert 'name="signed_request"' in html
    assert 'name="signed_file"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_signed_file_upload_completes_the_application_without_javascript(home, eds_pki):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), home.owner.iin)
    response = client.post(prefix + "sign/", {"signed_file": upload(signed), "sign_with": "file"})
    assert response["Location"] == prefix + "result/"
    application = Application.objects.get()
    assert application.status == "completed"
    assert application.idempotency_key.startswith("portal-")
    html = text(client.get(prefix + "result/"))
    assert application.number in html
    assert "Done: the persons were deregistered" in html


def test_the_signed_xml_may_be_pasted(home, eds_pki):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), home.owner.iin).decode()
    response = client.post(prefix + "sign/", {"signed_request": signed, "sign_with": "text"})
    assert response["Location"] == prefix + "result/"
    assert Application.objects.get().status == "completed"


def test_the_sign_request_command_signs_the_downloaded_file(home, eds_pki, tmp_path):
    """``manage.py sign_request`` is one of the "any signing tool" the page offers."""
    from io import StringIO

    from django.core.management import call_command

    from devtools import pki

    client = browser_for(home.user)
    prefix = start_draft(client, home)
    source = tmp_path / "request.xml"
    source.write_bytes(request_to_sign(client, prefix))
    eds_pki.citizen(home.owner.iin)  # writes the owner's key and certificate where seed_demo would
    out = StringIO()
    call_command(
        "sign_request",
        str(source),
        "--key",
        str(pki.citizen_key_path(eds_pki.keys_dir, home.owner.iin)),
        "--cert",
        str(pki.citizen_cert_path(eds_pki.keys_dir, home.owner.iin)),
        stdout=out,
    )
    response = client.post(prefix + "sign/", {"signed_file": upload(out.getvalue().encode())})
    assert response["Location"] == prefix + "result/"


def test_a_double_click_on_send_makes_one_application(home, eds_pki):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), home.owner.iin)
    first = client.post(prefix + "sign/", {"signed_file": upload(signed)})
    # The second click's request was already on its way with the same draft and signature.
    session = client.session
    draft = session["portal_drafts"][prefix.split("/")[2]]
    draft["application_number"] = ""
    session.save()
    second = client.post(prefix + "sign/", {"signed_file": upload(signed)})
    assert first["Location"] == second["Location"] == prefix + "result/"
    assert Application.objects.count() == 1
    assert RegistryRecord.objects.count() == 1


def test_the_back_button_after_sending_shows_the_result_not_a_new_form(home, eds_pki):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), home.owner.iin)
    client.post(prefix + "sign/", {"signed_file": upload(signed)})
    for step in ("dwelling/", "residents/", "review/", "sign/"):
        assert client.get(prefix + step)["Location"] == prefix + "result/"
    assert client.post(prefix + "sign/", {"signed_file": upload(signed)})["Location"] == prefix + "result/"
    assert Application.objects.count() == 1


def test_the_demo_signer_signs_on_the_server_when_debug_and_the_setting_are_on(home, eds_pki, settings):
    settings.DEBUG = True
    settings.EDS_DEMO_SIGNER = True
    eds_pki.citizen(home.owner.iin)
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    assert 'value="demo"' in text(client.get(prefix + "sign/"))
    response = client.post(prefix + "sign/", {"sign_with": "demo"})
    assert response["Location"] == prefix + "result/"
    assert Application.objects.get().status == "completed"


def test_the_demo_signer_is_not_offered_or_honoured_without_debug(home, eds_pki, settings):
    settings.DEBUG = False
    settings.EDS_DEMO_SIGNER = True
    eds_pki.citizen(home.owner.iin)
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    assert 'value="demo"' not in text(client.get(prefix + "sign/"))
    response = client.post(prefix + "sign/", {"sign_with": "demo"})
    assert response.status_code == 200
    assert error_summary(response) == [
        "Sign the document: with NCALayer, or upload the signed file, or paste the signed XML."
    ]
    assert nothing_stored()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Sign the document: with NCALayer, or upload the signed file, or paste the signed XML."),
        (
            {"signed_file": "binary"},
            "This file is not a signed XML document. Upload the .xml file your signing program saved.",
        ),
        (
            {"signed_file": "large"},
            "The file is too large: a signed request is a few kilobytes, at most 256 KiB.",
        ),
        ({"signed_file": "xml", "signed_request": "<x/>"}, "Give the signed document one way only."),
    ],
)
def test_each_error_of_the_sign_form_is_named(home, eds_pki, data, message):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    files = {
        "binary": upload(b"\xff\xfe\x00<\x00?\x00x\x00m\x00l", "key.p12"),
        "large": upload(b"<a>" + b"x" * (300 * 1024) + b"</a>"),
        "xml": upload(b"<?xml version='1.0'?><a/>"),
    }
    if "signed_file" in data:
        data = {**data, "signed_file": files[data["signed_file"]]}
    response = client.post(prefix + "sign/", data)
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert nothing_stored()


def _post_signed(client, prefix, signed: bytes):
    return client.post(prefix + "sign/", {"signed_file": upload(signed)})


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("expired", eds.CERTIFICATE_EXPIRED),
        ("other_person", eds.SIGNER_MISMATCH),
        ("revoked", eds.CERTIFICATE_REVOKED),
        ("foreign_ca", eds.CERTIFICATE_UNTRUSTED),
        ("tampered", eds.DIGEST_MISMATCH),
        ("other_request", eds.CONTENT_MISMATCH),
        ("stale", eds.REQUEST_STALE),
        ("garbage", eds.MALFORMED_DOCUMENT),
    ],
)
def test_every_signature_failure_is_shown_in_words_beside_the_file_and_stores_nothing(
    home, eds_pki, case, code
):
    from devtools import pki

    client = browser_for(home.user)
    prefix = start_draft(client, home)
    xml = request_to_sign(client, prefix)
    owner = home.owner.iin
    if case == "expired":
        now = timezone.now()
        signer = eds_pki.certificate(
            iin=owner, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
        )
        signed = eds_pki.sign(xml, signer=signer)
    elif case == "other_person":
        signed = signed_by(eds_pki, xml, home.tenant.iin)
    elif case == "revoked":
        signer = eds_pki.certificate(iin=owner)
        eds_pki.revoke(signer.serial_number)
        signed = eds_pki.sign(xml, signer=signer)
    elif case == "foreign_ca":
        signed = eds_pki.sign(
            xml, signer=eds_pki.certificate(iin=owner, ca=pki.make_ca("Other CA", key=eds_pki.spare_keys[0]))
        )
    elif case == "tampered":
        signed = signed_by(eds_pki, xml, owner).replace(home.tenant.iin.encode(), home.owner.iin.encode(), 1)
    elif case == "other_request":
        other = PersonFactory()
        signed = eds_pki.sign_request_for(
            owner, address_code=home.dwelling.address_code, subjects=[other.iin]
        )
    elif case == "stale":
        signed = eds_pki.sign_request_for(
            owner,
            address_code=home.dwelling.address_code,
            subjects=[home.tenant.iin],
            requested_at=timezone.now() - dt.timedelta(hours=1),
        )
    else:
        signed = b"<?xml version='1.0'?><notARequest/>"
    response = _post_signed(client, prefix, signed)
    assert response.status_code == 200
    [message] = error_summary(response)
    expected = str(MESSAGES[code])
    if code == eds.CONTENT_MISMATCH:
        assert message.startswith(expected.split("%")[0]), message
    else:
        assert message == expected
    html = text(response)
    assert 'id="id_signed_file_error"' in html, "the error stands beside the field that carried the document"
    assert 'href="#id_signed_file"' in html
    assert nothing_stored()
    if code == eds.REQUEST_STALE:
        assert request_to_sign(client, prefix) != xml  # a freshly dated request is offered


def test_a_signature_error_from_ncalayer_stands_beside_the_text_field(home, eds_pki):
    client = browser_for(home.user)
    prefix = start_draft(client, home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), home.tenant.iin).decode()
    response = client.post(prefix + "sign/", {"signed_request": signed, "sign_with": "ncalayer"})
    assert error_summary(response) == [str(eds.EDSError(eds.SIGNER_MISMATCH).message)]
    assert 'id="id_signed_request_error"' in text(response)
    assert '<details class="sign-way" open>' in text(response)


def test_a_resident_who_left_meanwhile_is_refused_at_sending(home, eds_pki, operator):
    from tests.conftest import walk_in_case

    client = browser_for(home.user)
    prefix = start_draft(client, home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), home.owner.iin)
    walk_in_case(operator, home, complete=True)  # the tenant is deregistered at the counter meanwhile
    response = _post_signed(client, prefix, signed)
    assert response.status_code == 200
    assert any(home.tenant.iin in message for message in error_summary(response))
    assert Application.objects.filter(channel="portal").count() == 0
    assert UsedNonce.objects.count() == 0


def test_a_co_owned_dwelling_waits_for_consent_and_says_so(co_home, eds_pki):
    client = browser_for(co_home.user)
    prefix = start_draft(client, co_home)
    signed = signed_by(eds_pki, request_to_sign(client, prefix), co_home.owner.iin)
    response = _post_signed(client, prefix, signed)
    html = text(client.get(response["Location"]))
    assert "Sent: waiting for the co-owners" in html
    assert co_home.co_owner.full_name in html
    assert "Co-owners must answer by" in html
    assert Application.objects.get().status == "awaiting_consent"


def test_pages_follow_the_chosen_language(home, eds_pki):
    client = browser_for(home.user, language="ru")
    response = client.post("/apply/", {})
    assert '<html lang="ru">' in text(response)


def test_the_reason_codes_the_form_offers_are_the_rules(home):
    """The residents step asks the same function as the API and the service."""
    verdict = rules.portal_resident_refusal(category="citizen", is_applicant=True, kind="permanent")
    client = browser_for(home.user)
    prefix = draft_url(client.post("/apply/", {"address_code": home.dwelling.address_code}))
    assert html.escape(verdict.message) in text(client.get(prefix + "residents/"))
