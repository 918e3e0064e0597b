"""``GET /dwellings/`` says, for each resident, whether the portal can deregister them and, if not, why and
where to go; a portal submission naming one it cannot take is refused with the same code (issue 10, item 5)."""

import pytest
import yaml
from django.core.management import call_command

from deregistration import rules
from deregistration.models import Application, UsedNonce
from tests.conftest import citizen_account
from tests.factories import OwnershipFactory, PersonFactory, RegistrationFactory

from .conftest import API, client_for, codes, new_home, portal_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_home(db):
    """The owner (registered there), a citizen tenant, a foreign resident, a refugee, a citizen registered
    there only temporarily."""
    home = new_home()
    home.foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    home.refugee = PersonFactory(category="refugee", citizenship="AFG", document_type="refugee_certificate")
    home.lodger = PersonFactory()
    RegistrationFactory(person=home.foreigner, dwelling=home.dwelling)
    RegistrationFactory(person=home.refugee, dwelling=home.dwelling)
    RegistrationFactory(person=home.lodger, dwelling=home.dwelling, kind="temporary")
    return home


def residents(user, **headers):
    response = client_for(user).get(f"{API}/dwellings/", **headers)
    assert response.status_code == 200
    [dwelling] = response.json()["results"]
    return {r["iin"]: r for r in dwelling["residents"]}


def test_each_resident_is_marked_with_whether_the_portal_can_deregister_them(mixed_home):
    listed = residents(citizen_account(mixed_home.owner))
    # Everyone registered there is still listed: the owner may see who is registered at their property.
    assert set(listed) == {
        mixed_home.owner.iin,
        mixed_home.tenant.iin,
        mixed_home.foreigner.iin,
        mixed_home.refugee.iin,
        mixed_home.lodger.iin,
    }
    tenant = listed[mixed_home.tenant.iin]
    assert tenant["portal_can_deregister"] is True
    assert tenant["reason"] is None
    verdicts = {
        iin: (r["portal_can_deregister"], (r["reason"] or {}).get("code")) for iin, r in listed.items()
    }
    assert verdicts == {
        mixed_home.owner.iin: (False, rules.APPLICANT_IS_SUBJECT),
        mixed_home.tenant.iin: (True, None),
        mixed_home.foreigner.iin: (False, rules.CHANNEL_NOT_ALLOWED),
        mixed_home.refugee.iin: (False, rules.CHANNEL_NOT_ALLOWED),
        mixed_home.lodger.iin: (False, rules.NOT_REGISTERED_HERE),
    }


def test_the_reason_says_where_to_go(mixed_home):
    listed = residents(citizen_account(mixed_home.owner), HTTP_ACCEPT_LANGUAGE="en")
    assert "migration service" in listed[mixed_home.foreigner.iin]["reason"]["message"]
    assert "migration service" in listed[mixed_home.refugee.iin]["reason"]["message"]
    assert "permanent registrations only" in listed[mixed_home.lodger.iin]["reason"]["message"]
    assert "register at your new address" in listed[mixed_home.owner.iin]["reason"]["message"]


def test_a_resident_named_in_an_open_case_is_marked_with_its_number(sign_request_for):
    home = new_home(co_owned=True)
    owner = citizen_account(home.owner)
    response = client_for(owner).post(
        f"{API}/applications/", portal_body(sign_request_for, home), format="json"
    )
    assert response.json()["status"] == "awaiting_consent"
    number = response.json()["number"]

    tenant = residents(owner)[home.tenant.iin]
    assert tenant["portal_can_deregister"] is False
    assert tenant["reason"]["code"] == rules.SUBJECT_IN_OPEN_CASE
    assert number in tenant["reason"]["message"]
    # The co-owner sees the same, in their own listing of the dwelling.
    assert (
        residents(citizen_account(home.co_owner))[home.tenant.iin]["reason"]["code"]
        == rules.SUBJECT_IN_OPEN_CASE
    )


def test_a_resident_of_a_decided_case_is_not_held_back(operator):
    """A refused case no longer holds its subjects: the owner can name them again."""
    from deregistration.services import application_reject
    from tests.deregistration.api.conftest import walk_in

    home = new_home()
    application = walk_in(operator, home)
    assert residents(citizen_account(home.owner))[home.tenant.iin]["portal_can_deregister"] is False
    application_reject(actor=operator, application=application, reason_code=rules.UNRELIABLE_DATA)
    assert residents(citizen_account(home.owner))[home.tenant.iin]["portal_can_deregister"] is True


@pytest.mark.parametrize(
    ("who", "code"),
    [("lodger", rules.NOT_REGISTERED_HERE), ("foreigner", rules.CHANNEL_NOT_ALLOWED)],
)
def test_a_portal_submission_naming_someone_the_list_refuses_is_refused_with_the_same_code(
    mixed_home, sign_request_for, who, code
):
    person = getattr(mixed_home, who)
    body = portal_body(sign_request_for, mixed_home, subjects=[person.iin])
    response = client_for(citizen_account(mixed_home.owner)).post(f"{API}/applications/", body, format="json")
    assert response.status_code == 400
    listed = residents(citizen_account(mixed_home.owner))[person.iin]["reason"]["code"]
    assert code == listed
    field = "channel" if code == rules.CHANNEL_NOT_ALLOWED else "subjects[0]"
    assert codes(response, field) == [code]
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()


def test_a_portal_submission_naming_someone_in_an_open_case_is_refused_and_stores_nothing(sign_request_for):
    home = new_home(co_owned=True)
    owner = citizen_account(home.owner)
    client = client_for(owner)
    first = client.post(f"{API}/applications/", portal_body(sign_request_for, home), format="json")
    assert first.status_code == 201
    second = client.post(f"{API}/applications/", portal_body(sign_request_for, home), format="json")
    assert second.status_code == 400
    assert codes(second, "subjects[0]") == [rules.SUBJECT_IN_OPEN_CASE]
    assert first.json()["number"] in second.json()["errors"]["subjects[0]"][0]["message"]
    assert Application.objects.count() == 1
    assert UsedNonce.objects.count() == 1


def test_the_owner_of_two_dwellings_sees_each_with_its_own_verdicts():
    owner = PersonFactory()
    first, second = new_home(owner=owner), new_home(owner=owner)
    RegistrationFactory(
        person=PersonFactory(category="stateless_resident", citizenship="XXX"), dwelling=second.dwelling
    )
    response = client_for(citizen_account(owner)).get(f"{API}/dwellings/")
    by_code = {d["address_code"]: d["residents"] for d in response.json()["results"]}
    assert [r["portal_can_deregister"] for r in by_code[first.dwelling.address_code]] == [True]
    assert sorted(r["portal_can_deregister"] for r in by_code[second.dwelling.address_code]) == [False, True]


def test_a_co_owner_is_marked_like_any_resident():
    """A co-owner registered there is a resident like any other: the applicant alone is never a subject."""
    home = new_home()
    co_owner = PersonFactory()
    OwnershipFactory(dwelling=home.dwelling, person=co_owner, share="0.5")
    RegistrationFactory(person=co_owner, dwelling=home.dwelling)
    listed = residents(citizen_account(co_owner))
    assert listed[co_owner.iin]["reason"]["code"] == rules.APPLICANT_IS_SUBJECT
    assert listed[home.owner.iin]["portal_can_deregister"] is True


def test_the_schema_documents_the_new_fields(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--lang", "en", "--file", str(target))
    components = yaml.safe_load(target.read_text())["components"]["schemas"]
    resident = components["Resident"]
    assert {"portal_can_deregister", "reason"} <= set(resident["required"])
    assert resident["properties"]["portal_can_deregister"]["type"] == "boolean"
    assert set(components["PortalRefusal"]["properties"]) == {"code", "message"}
