"""The cabinet's first pages read as rows (``deregistration.cabinet_rows``, written by ``api.presenters``) give
exactly the JSON of DRF's serializers, on a rich scene and in each language, at a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.pagination import CursorPagination

from deregistration import rules
from deregistration.api.pagination import KeysetPagination
from deregistration.constants import RefusalGround, Status
from deregistration.models import Application, Consent
from deregistration.precompiled import PREPARE_ON_USE
from deregistration.services import application_reject
from tests.conftest import citizen_account
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

from .conftest import API, client_for, new_home, portal_body, walk_in
from .test_hot_paths import expire

pytestmark = pytest.mark.django_db

LANGUAGES = ["kk", "ru", "en"]
COMMENT = "Құжат жалған"


def _drf_paginate(self, queryset, request, view=None):
    """DRF's own keyset pagination, over the list's queryset (a ``cabinet_rows.RowsFirst`` builds it on demand):
    the view then serializes model instances."""
    rest = getattr(queryset, "rest", None)
    if callable(rest):
        queryset = rest()
    return CursorPagination.paginate_queryset(self, queryset, request, view)


def _rows_then_serializer(monkeypatch, client, url, language):
    """The answer of the rows path, then that of DRF's own (the view serializing model instances)."""
    answers = []
    for served_as_rows in (True, False):
        with monkeypatch.context() as patched:
            if not served_as_rows:
                patched.setattr(KeysetPagination, "paginate_queryset", _drf_paginate)
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response["Content-Language"] == language
        answers.append(response.json())
    return answers


def _reads(queries):
    """The statements that read, without those preparing a statement on PostgreSQL (``deregistration.precompiled``
    prepares a query on its second run on a connection, in a savepoint: SAVEPOINT, PREPARE, RELEASE)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "PREPARE", "RELEASE"))
    ]


def _warm_count(client, url):
    """The statements of a request once every query of it is prepared (on PostgreSQL; on SQLite the same)."""
    for _ in range(PREPARE_ON_USE):
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def _served_as_rows(monkeypatch):
    """Records whether each page the paginator gives was served as rows."""
    served = []
    original = KeysetPagination.paginate_queryset

    def paginate(self, queryset, request, view=None):
        page = original(self, queryset, request, view)
        served.append(self.served_rows)
        return page

    monkeypatch.setattr(KeysetPagination, "paginate_queryset", paginate)
    return served


# --- a citizen's cases ----------------------------------------------------------------------------------------


@pytest.fixture
def cases(operator, sign_request_for):
    """One owner's cases: completed (with a slip, two subjects, one without a patronymic), open, refused with an
    operator's comment, refused on its ground alone, and a portal case awaiting a co-owner's consent."""
    owner = PersonFactory()
    completed_home = new_home(owner=owner)
    nameless = PersonFactory(last_name="Ким", first_name="Лариса", patronymic="")
    RegistrationFactory(person=nameless, dwelling=completed_home.dwelling)
    completed = walk_in(
        operator, completed_home, complete=True, issue_slip=True, subjects=[completed_home.tenant, nameless]
    )
    submitted = walk_in(operator, new_home(owner=owner))
    commented = application_reject(
        actor=operator,
        application=walk_in(operator, new_home(owner=owner)),
        reason_code=rules.UNRELIABLE_DATA,
        comment=COMMENT,
    )
    grounded = application_reject(
        actor=operator,
        application=walk_in(operator, new_home(owner=owner)),
        reason_code=rules.PERSONAL_DATA_CONSENT_WITHDRAWN,
    )
    co_owned = new_home(owner=owner, co_owned=True)
    client = client_for(citizen_account(owner))
    response = client.post(f"{API}/applications/", portal_body(sign_request_for, co_owned), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == Status.AWAITING_CONSENT
    waiting = Application.objects.get(number=response.json()["number"])
    return {
        "client": client,
        "nameless": nameless,
        "co_owner": co_owned.co_owner,
        "completed": completed,
        "submitted": submitted,
        "commented": commented,
        "grounded": grounded,
        "waiting": waiting,
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cases_as_rows_are_the_serializers_json(cases, monkeypatch, language):
    served = _served_as_rows(monkeypatch)
    rows, serialized = _rows_then_serializer(monkeypatch, cases["client"], f"{API}/applications/", language)
    assert served == [True]  # the first answer came from the rows, the second from the serializer
    assert rows == serialized
    assert rows["next"] is None
    assert rows["previous"] is None

    by_number = {a["number"]: a for a in rows["results"]}
    # Newest first, as the view orders them.
    assert list(by_number) == [
        cases[name].number for name in ("waiting", "grounded", "commented", "submitted", "completed")
    ]
    completed = by_number[cases["completed"].number]
    assert completed["status"] == Status.COMPLETED
    assert completed["completed_at"] is not None
    assert completed["rejection"] is None
    assert completed["consents"] == []
    assert len(completed["subjects"]) == 2
    assert all(s["outcome"] == "deregistered" and s["registry_record_id"] for s in completed["subjects"])
    assert all(s["slip_number"] for s in completed["subjects"])
    nameless = next(s for s in completed["subjects"] if s["iin"] == cases["nameless"].iin)
    assert nameless["full_name"] == "Ким Лариса"

    submitted = by_number[cases["submitted"].number]
    assert (submitted["status"], submitted["completed_at"], submitted["rejection"]) == (
        Status.SUBMITTED,
        None,
        None,
    )
    assert submitted["deadline_at"] is not None
    assert [s["outcome"] for s in submitted["subjects"]] == ["pending"]

    assert by_number[cases["commented"].number]["rejection"] == {
        "ground": RefusalGround.UNRELIABLE_DOCUMENTS,
        "reason_code": rules.UNRELIABLE_DATA,
        "reason": COMMENT,
    }
    grounded = by_number[cases["grounded"].number]["rejection"]
    assert grounded["reason_code"] == rules.PERSONAL_DATA_CONSENT_WITHDRAWN
    assert grounded["ground"] == RefusalGround.NO_PERSONAL_DATA_CONSENT
    with translation.override(language):
        assert grounded["reason"] == str(RefusalGround.NO_PERSONAL_DATA_CONSENT.label)

    waiting = by_number[cases["waiting"].number]
    assert waiting["status"] == Status.AWAITING_CONSENT
    assert waiting["channel"] == "portal"
    assert waiting["consent_expires_at"] is not None
    assert waiting["rejection"] is None
    assert waiting["consents"] == [
        {"co_owner_iin": cases["co_owner"].iin, "decision": "pending", "decided_at": None, "given": None}
    ]


def test_the_refusals_reason_is_in_the_readers_language(cases):
    number = cases["grounded"].number
    reasons = {}
    for language in LANGUAGES:
        response = cases["client"].get(f"{API}/applications/", HTTP_ACCEPT_LANGUAGE=language)
        [shown] = [a for a in response.json()["results"] if a["number"] == number]
        reasons[language] = shown["rejection"]["reason"]
    assert len(set(reasons.values())) == 3, reasons  # the ground's label, translated for each reader
    assert "Law on Public Services" in reasons["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_lapsed_window_is_refused_before_the_rows_show_it(cases, monkeypatch, language):
    waiting = cases["waiting"]
    expire(waiting)
    rows, serialized = _rows_then_serializer(monkeypatch, cases["client"], f"{API}/applications/", language)
    [shown] = [a for a in rows["results"] if a["number"] == waiting.number]
    assert shown["status"] == Status.REJECTED
    assert shown["rejection"]["reason_code"] == rules.CO_OWNER_CONSENT_LAPSED
    assert [c["decision"] for c in shown["consents"]] == ["lapsed"]
    # Refused for good by the rows path itself (the serializer path only read it afterwards).
    waiting.refresh_from_db()
    assert waiting.status == Status.REJECTED
    assert Consent.objects.get(application=waiting).decision == "lapsed"
    assert rows == serialized
    assert len(rows["results"]) == 5


def test_a_lapsed_window_is_refused_by_the_rows_path_alone(cases, monkeypatch):
    """The rows path is the one that refuses: nothing else read the case before it."""
    waiting = cases["waiting"]
    expire(waiting)
    served = _served_as_rows(monkeypatch)
    response = cases["client"].get(f"{API}/applications/")
    assert served == [True]
    [shown] = [a for a in response.json()["results"] if a["number"] == waiting.number]
    assert shown["status"] == Status.REJECTED
    assert shown["rejection"]["ground"] == Application.objects.get(pk=waiting.pk).rejection_ground


def test_the_cases_rows_take_four_queries_for_one_case_or_twenty(operator, sign_request_for):
    owner = PersonFactory()
    client = client_for(citizen_account(owner))
    home = new_home(owner=owner, co_owned=True)
    assert (
        client.post(f"{API}/applications/", portal_body(sign_request_for, home), format="json").status_code
        == 201
    )
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{API}/applications/").json()["results"]) == 1
    for i in range(19):
        application = walk_in(operator, new_home(owner=owner), complete=i % 3 == 0, issue_slip=i % 3 == 0)
        if i % 3 == 1:
            application_reject(actor=operator, application=application, reason_code=rules.UNRELIABLE_DATA)
    with CaptureQueriesContext(connection) as twenty:
        page = client.get(f"{API}/applications/").json()
    assert len(page["results"]) == 20
    assert {a["status"] for a in page["results"]} == {
        Status.AWAITING_CONSENT,
        Status.COMPLETED,
        Status.REJECTED,
        Status.SUBMITTED,
    }
    # Token and person, the page, its subjects, its consents.
    assert len(_reads(one)) == len(_reads(twenty)) == 4
    assert _warm_count(client, f"{API}/applications/") == 4


# --- the dwellings a citizen owns -----------------------------------------------------------------------------


@pytest.fixture
def dwellings(sign_request_for):
    """The owner's mixed home (a citizen tenant, a foreigner, a refugee, a temporary lodger, the owner), a
    co-owned dwelling whose tenant is named in the owner's open case, and one with a block whose street has no
    Russian name, where a resident without a patronymic lives."""
    home = new_home()
    owner = home.owner
    foreigner = PersonFactory(
        category="foreign_resident", citizenship="UZB", document_type="residence_permit"
    )
    refugee = PersonFactory(category="refugee", citizenship="AFG", document_type="refugee_certificate")
    lodger = PersonFactory()
    RegistrationFactory(person=foreigner, dwelling=home.dwelling)
    RegistrationFactory(person=refugee, dwelling=home.dwelling)
    RegistrationFactory(person=lodger, dwelling=home.dwelling, kind="temporary")

    co_owned = new_home(owner=owner, co_owned=True)
    client = client_for(citizen_account(owner))
    response = client.post(f"{API}/applications/", portal_body(sign_request_for, co_owned), format="json")
    assert response.json()["status"] == Status.AWAITING_CONSENT

    blocked = DwellingFactory(block="2", street_ru="")
    OwnershipFactory(dwelling=blocked, person=owner)
    nameless = PersonFactory(last_name="Ли", first_name="Ирина", patronymic="")
    RegistrationFactory(person=nameless, dwelling=blocked)
    return {
        "client": client,
        "home": home,
        "foreigner": foreigner,
        "refugee": refugee,
        "lodger": lodger,
        "co_owned": co_owned,
        "case": response.json()["number"],
        "blocked": blocked,
        "nameless": nameless,
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dwellings_as_rows_are_the_serializers_json(dwellings, monkeypatch, language):
    served = _served_as_rows(monkeypatch)
    rows, serialized = _rows_then_serializer(monkeypatch, dwellings["client"], f"{API}/dwellings/", language)
    assert served == [True]
    assert rows == serialized

    home, co_owned, blocked = dwellings["home"], dwellings["co_owned"], dwellings["blocked"]
    by_code = {d["address_code"]: d for d in rows["results"]}
    assert list(by_code) == sorted(
        [home.dwelling.address_code, co_owned.dwelling.address_code, blocked.address_code]
    )
    verdicts = {
        r["iin"]: (r["portal_can_deregister"], (r["reason"] or {}).get("code"))
        for r in by_code[home.dwelling.address_code]["residents"]
    }
    assert verdicts == {
        home.owner.iin: (False, rules.APPLICANT_IS_SUBJECT),
        home.tenant.iin: (True, None),
        dwellings["foreigner"].iin: (False, rules.CHANNEL_NOT_ALLOWED),
        dwellings["refugee"].iin: (False, rules.CHANNEL_NOT_ALLOWED),
        dwellings["lodger"].iin: (False, rules.NOT_REGISTERED_HERE),
    }
    assert all(
        r["reason"] is None or r["reason"]["message"]
        for r in by_code[home.dwelling.address_code]["residents"]
    )

    shared = by_code[co_owned.dwelling.address_code]
    assert sorted(shared["owners"]) == sorted([home.owner.iin, co_owned.co_owner.iin])
    [tenant] = shared["residents"]
    assert tenant["iin"] == co_owned.tenant.iin
    assert tenant["reason"]["code"] == rules.SUBJECT_IN_OPEN_CASE
    assert dwellings["case"] in tenant["reason"]["message"]

    [nameless] = by_code[blocked.address_code]["residents"]
    assert nameless["full_name"] == "Ли Ирина"
    assert nameless["registered_on"] == "2018-06-01"
    assert by_code[blocked.address_code]["address"] == blocked.address_line(language)
    assert "корпус 2" in by_code[blocked.address_code]["address"]
    assert "Абай даңғылы" in by_code[blocked.address_code]["address"]  # no Russian name: the Kazakh one
    address = by_code[home.dwelling.address_code]["address"]
    assert address == home.dwelling.address_line(language)
    if language == "ru":
        assert "проспект Абая" in address
        assert "кв. 25" in address
    else:
        assert "Абай даңғылы" in address
        assert "пәтер 25" in address


def test_the_dwellings_addresses_differ_in_russian_only(dwellings):
    addresses = {
        language: dwellings["client"]
        .get(f"{API}/dwellings/", HTTP_ACCEPT_LANGUAGE=language)
        .json()["results"][0]["address"]
        for language in LANGUAGES
    }
    assert addresses["kk"] == addresses["en"] != addresses["ru"]


def test_the_dwellings_rows_take_the_same_queries_for_one_dwelling_or_several(sign_request_for):
    home = new_home()
    client = client_for(citizen_account(home.owner))
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{API}/dwellings/").json()["results"]) == 1
    for _ in range(4):
        new_home(owner=home.owner, co_owned=True)
    co_owned = new_home(owner=home.owner, co_owned=True)
    assert (
        client.post(
            f"{API}/applications/", portal_body(sign_request_for, co_owned), format="json"
        ).status_code
        == 201
    )
    with CaptureQueriesContext(connection) as several:
        page = client.get(f"{API}/dwellings/").json()
    assert len(page["results"]) == 6
    assert sum(len(d["residents"]) for d in page["results"]) == 2 + 5
    # Token and person, the page, its owners, its residents (each with its open case, by a subquery).
    assert len(_reads(one)) == len(_reads(several)) == 4
    assert _warm_count(client, f"{API}/dwellings/") == 4
