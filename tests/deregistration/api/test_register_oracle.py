"""The register is not an oracle (issue 9, item 3): a citizen's submission tells nothing about a person or an
address that does not concern a dwelling the citizen owns, whatever the IINs and address codes it names."""

import datetime as dt

import pytest

from deregistration.models import Application, UsedNonce
from tests.conftest import citizen_account
from tests.factories import DwellingFactory, PersonFactory, RegistrationFactory, next_iin

from .conftest import API, client_for, new_home, portal_body

pytestmark = pytest.mark.django_db

NON_CITIZENS = [
    {"category": "foreign_resident", "citizenship": "RUS", "document_type": "residence_permit"},
    {"category": "stateless_resident", "citizenship": "XXX", "document_type": "stateless_certificate"},
    {"category": "refugee", "citizenship": "AFG", "document_type": "refugee_certificate"},
]


@pytest.fixture
def probe(home):
    """A hundred IINs: the owner's tenant, citizens and non-citizens registered elsewhere, people registered at
    the owner's dwelling only temporarily, and valid IINs nobody holds."""
    elsewhere = [RegistrationFactory().person.iin for _ in range(30)]
    foreigners = [
        RegistrationFactory(person=PersonFactory(**NON_CITIZENS[i % 3])).person.iin for i in range(20)
    ]
    guests = [
        RegistrationFactory(person=PersonFactory(), dwelling=home.dwelling, kind="temporary").person.iin
        for _ in range(5)
    ]
    nobody = [next_iin(dt.date(1971, 1, 1) + dt.timedelta(days=i)) for i in range(44)]
    iins = [home.tenant.iin, *elsewhere, *foreigners, *guests, *nobody]
    assert len(iins) == len(set(iins)) == 100
    return iins


def post(user, body):
    return client_for(user).post(f"{API}/applications/", body, format="json")


def test_an_unsigned_request_naming_100_iins_learns_only_that_it_is_unsigned(home, probe):
    owner = citizen_account(home.owner)
    body = {
        "case_type": "owner_application",
        "channel": "portal",
        "address_code": home.dwelling.address_code,
        "applicant_iin": home.owner.iin,
        "subjects": probe,
    }
    response = post(owner, body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"signed_request"}
    assert response.json()["reason_code"] == "signature_required"
    # The same answer, word for word, for a hundred IINs nobody holds and for an address nobody has.
    strangers = [next_iin(dt.date(1972, 6, 1) + dt.timedelta(days=i)) for i in range(100)]
    for other in ({**body, "subjects": strangers}, {**body, "address_code": "0299999999999999"}):
        assert post(owner, other).json() == response.json()
    assert not Application.objects.exists()


def test_a_signed_request_answers_everyone_not_registered_here_alike(home, probe, sign_request_for):
    owner = citizen_account(home.owner)
    response = post(owner, portal_body(sign_request_for, home, subjects=probe))
    assert response.status_code == 400
    errors = response.json()["errors"]
    # Only the persons named are in error (no channel, no category), each the same way but for their own IIN.
    assert set(errors) == {f"subjects[{i}]" for i in range(1, 100)}
    answers = set()
    for index in range(1, 100):
        [entry] = errors[f"subjects[{index}]"]
        assert set(entry) == {"code", "message"}
        answers.add((entry["code"], entry["message"].replace(probe[index], "<IIN>")))
    assert answers == {
        (
            "not_registered_here",
            "The person with IIN <IIN> has no permanent registration (registration at the place of residence) "
            "at this address.",
        )
    }
    assert not Application.objects.exists()
    assert not UsedNonce.objects.exists()


def test_one_non_citizen_registered_elsewhere_is_answered_as_anyone_else(home, sign_request_for):
    owner = citizen_account(home.owner)
    answers = []
    for fields in [*NON_CITIZENS, {}]:
        person = RegistrationFactory(person=PersonFactory(**fields)).person
        response = post(owner, portal_body(sign_request_for, home, subjects=[person.iin]))
        body = response.json()
        answers.append((response.status_code, body["reason_code"], set(body["errors"])))
    nobody = next_iin(dt.date(1973, 3, 3))
    response = post(owner, portal_body(sign_request_for, home, subjects=[nobody]))
    answers.append((response.status_code, response.json()["reason_code"], set(response.json()["errors"])))
    assert answers == [(400, "not_registered_here", {"subjects[0]"})] * 5


def test_whether_an_address_code_exists_is_not_told(home, sign_request_for):
    owner = citizen_account(home.owner)
    # Somebody else's dwelling, with a resident there, an address code nobody has, a dwelling nobody owns now.
    theirs = new_home()
    nowhere = "0299999999999999"
    assert not DwellingFactory._meta.model.objects.filter(address_code=nowhere).exists()
    unowned = DwellingFactory()
    answers = []
    for address_code, subjects in [
        (theirs.dwelling.address_code, [theirs.tenant.iin]),
        (nowhere, [theirs.tenant.iin]),
        (theirs.dwelling.address_code, [home.tenant.iin]),
        (unowned.address_code, [theirs.tenant.iin]),
    ]:
        signed = sign_request_for(home.owner.iin, address_code=address_code, subjects=subjects).decode()
        body = {**portal_body(sign_request_for, home), "address_code": address_code, "subjects": subjects}
        response = post(owner, {**body, "signed_request": signed})
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == answers[2] == answers[3]
    status, body = answers[0]
    assert status == 400
    assert body["errors"] == {
        "address_code": [
            {"code": "not_owner", "message": "You do not own a dwelling with this address code."}
        ]
    }


def test_the_owner_sees_who_is_registered_at_their_own_dwelling(home, sign_request_for):
    """At their own dwelling the owner may be told that a resident is served by the migration service."""
    foreigner = PersonFactory(**NON_CITIZENS[0])
    RegistrationFactory(person=foreigner, dwelling=home.dwelling)
    response = post(
        citizen_account(home.owner), portal_body(sign_request_for, home, subjects=[foreigner.iin])
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"channel"}


def test_a_co_owner_is_an_owner_for_these_answers(sign_request_for):
    home = new_home(co_owned=True)
    co_owner = citizen_account(home.co_owner)
    body = portal_body(sign_request_for, home)
    signed = sign_request_for(
        home.co_owner.iin, address_code=home.dwelling.address_code, subjects=[home.tenant.iin]
    ).decode()
    response = post(co_owner, {**body, "applicant_iin": home.co_owner.iin, "signed_request": signed})
    assert response.status_code == 201
    assert response.json()["status"] == "awaiting_consent"
