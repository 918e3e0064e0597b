"""A co-owner answers in their own cabinet: choose, then sign the consent XML of that answer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deregistration import eds
from deregistration.eds.errors import MESSAGES
from deregistration.models import Consent, RegistryRecord, UsedNonce

from .conftest import browser_for, error_summary, text
from .test_cabinet import portal_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(co_home, eds_pki):
    application = portal_case(co_home, eds_pki)
    return co_home, application, application.consents.get()


def consent_to_sign(client, consent, decision) -> bytes:
    response = client.get(f"/cabinet/consents/{consent.pk}/{decision}/consent.xml")
    assert response.status_code == 200
    return response.content


def test_the_request_names_the_applicant_the_dwelling_and_the_persons(waiting):
    home, application, consent = waiting
    client = browser_for(home.co_owner_user)
    assert f'href="/cabinet/consents/{consent.pk}/"' in text(client.get("/cabinet/"))
    html = text(client.get(f"/cabinet/consents/{consent.pk}/"))
    for shown in (application.number, home.owner.full_name, home.tenant.full_name, home.tenant.iin):
        assert shown in html


def test_an_answer_must_be_chosen(waiting):
    home, _application, consent = waiting
    response = browser_for(home.co_owner_user).post(f"/cabinet/consents/{consent.pk}/", {})
    assert error_summary(response) == ["Choose whether you approve or decline the application."]
    assert 'href="#id_decision_0"' in text(response)


@pytest.mark.parametrize(("choice", "verb"), [("approved", "approve"), ("declined", "decline")])
def test_the_choice_leads_to_the_document_of_that_answer(waiting, choice, verb):
    home, application, consent = waiting
    client = browser_for(home.co_owner_user)
    response = client.post(f"/cabinet/consents/{consent.pk}/", {"decision": choice})
    assert response["Location"] == f"/cabinet/consents/{consent.pk}/{verb}/"
    xml = consent_to_sign(client, consent, verb).decode()
    assert "urn:kz:deregistration:consent:1" in xml
    assert f"<decision>{verb}</decision>" in xml
    assert f"<applicationNumber>{application.number}</applicationNumber>" in xml
    assert f"<coOwnerIin>{home.co_owner.iin}</coOwnerIin>" in xml
    assert 'name="signed_consent"' in text(client.get(response["Location"]))


def test_a_co_owners_signed_approval_completes_the_case(waiting, eds_pki):
    home, application, consent = waiting
    client = browser_for(home.co_owner_user)
    signed = eds_pki.sign(
        consent_to_sign(client, consent, "approve"), signer=eds_pki.citizen(home.co_owner.iin)
    )
    response = client.post(
        f"/cabinet/consents/{consent.pk}/approve/", {"signed_file": SimpleUploadedFile("c.xml", signed)}
    )
    assert response["Location"] == f"/cabinet/consents/{consent.pk}/"
    page = client.get(response["Location"])
    assert "You approved the application." in text(page)
    consent.refresh_from_db()
    application.refresh_from_db()
    assert consent.decision == "approved"
    assert application.status == "completed"
    assert RegistryRecord.objects.get().iin == home.tenant.iin
    # The answered request offers no second answer.
    assert 'name="decision"' not in text(page)
    assert (
        client.get(f"/cabinet/consents/{consent.pk}/decline/")["Location"]
        == f"/cabinet/consents/{consent.pk}/"
    )


def test_a_co_owners_signed_decline_refuses_the_case(waiting, eds_pki):
    home, application, consent = waiting
    client = browser_for(home.co_owner_user)
    signed = eds_pki.sign(
        consent_to_sign(client, consent, "decline"), signer=eds_pki.citizen(home.co_owner.iin)
    )
    client.post(f"/cabinet/consents/{consent.pk}/decline/", {"signed_consent": signed.decode()})
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.rejection_reason_code == "co_owner_declined"
    assert not RegistryRecord.objects.exists()


def test_an_approval_signed_on_the_decline_page_is_refused_and_stores_nothing(waiting, eds_pki):
    home, _application, consent = waiting
    client = browser_for(home.co_owner_user)
    signed = eds_pki.sign(
        consent_to_sign(client, consent, "approve"), signer=eds_pki.citizen(home.co_owner.iin)
    )
    nonces = UsedNonce.objects.count()
    response = client.post(f"/cabinet/consents/{consent.pk}/decline/", {"signed_consent": signed.decode()})
    assert response.status_code == 200
    [message] = error_summary(response)
    assert message.startswith(str(MESSAGES[eds.CONTENT_MISMATCH]).split("%")[0])
    consent.refresh_from_db()
    assert consent.decision == "pending"
    assert UsedNonce.objects.count() == nonces


def test_a_consent_signed_with_the_applicants_key_is_refused(waiting, eds_pki):
    home, _application, consent = waiting
    client = browser_for(home.co_owner_user)
    signed = eds_pki.sign(consent_to_sign(client, consent, "approve"), signer=eds_pki.citizen(home.owner.iin))
    response = client.post(f"/cabinet/consents/{consent.pk}/approve/", {"signed_consent": signed.decode()})
    assert error_summary(response) == [str(MESSAGES[eds.SIGNER_MISMATCH])]
    assert 'id="id_signed_consent_error"' in text(response)
    assert Consent.objects.get(pk=consent.pk).decision == "pending"


def test_the_demo_signer_answers_for_the_co_owner(waiting, eds_pki, settings):
    settings.DEBUG = True
    settings.EDS_DEMO_SIGNER = True
    home, application, consent = waiting
    eds_pki.citizen(home.co_owner.iin)
    client = browser_for(home.co_owner_user)
    client.post(f"/cabinet/consents/{consent.pk}/approve/", {"sign_with": "demo"})
    application.refresh_from_db()
    assert application.status == "completed"


def test_the_applicant_cannot_answer_their_own_request(waiting):
    home, _application, consent = waiting
    assert browser_for(home.user).get(f"/cabinet/consents/{consent.pk}/").status_code == 404


def test_an_unknown_answer_is_not_found(waiting):
    home, _application, consent = waiting
    assert browser_for(home.co_owner_user).get(f"/cabinet/consents/{consent.pk}/maybe/").status_code == 404
