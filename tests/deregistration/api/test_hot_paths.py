"""The request hot paths (docs/benchmarks.md, "Requests"): what each costs in SQL, and that the shortcuts keep
the rules (a lapsed consent window is never shown as waiting; every download is audited)."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from citizens.models import AuditEvent
from deregistration.constants import Status
from deregistration.models import Application, Consent, DepartureSlip
from tests.conftest import citizen_account

from .conftest import API, client_for, new_home, portal_body, walk_in

pytestmark = pytest.mark.django_db

# The owner's portal case, signed -> completed, no slip: token (with the person), nonce, the dwelling's current
# owners with the dwelling (one query), the persons named with their registrations here (one query), open
# cases; then ONE transaction: nonce, case, the lock of the case with its applicant and dwelling, the lock of
# the registration (the operators' locks, in their order), subject, the registration's end, register record,
# subject, case, notification; the history of the case and of its subject (stored, then completed: one INSERT
# per history table, deregistration.history) and the two audit rows (submitted, completed: one INSERT,
# citizens.audit.audit_batched). The answer is built from the rows in memory. Inside a test's transaction the
# case's transaction is a savepoint (2 statements). It was 43 before the hot paths were trimmed, then 33 with
# the dwelling and its owners, and the persons and their registrations, read apart, the case stored and
# completed in two transactions, one INSERT per history or audit row and the case read back for the answer.
# The register's hash chain adds 2 per record: the lock of its head and the head's move
# (deregistration.register_chain).
PORTAL_CASE_STATEMENTS = 22


def statements(queries, prefix: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(prefix)]


def test_a_portal_case_takes_a_fixed_number_of_statements(sign_request_for):
    home = new_home()
    client = client_for(citizen_account(home.owner))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"{API}/applications/", portal_body(sign_request_for, home), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == Status.COMPLETED
    assert len(queries.captured_queries) == PORTAL_CASE_STATEMENTS
    # The applicant is the citizen's own person, read with the token; the owners are read once, with the dwelling.
    assert len(statements(queries, 'SELECT "citizens_ownership"')) == 1
    assert not statements(queries, 'SELECT 1 AS "a" FROM "citizens_person"')
    assert not statements(queries, 'SELECT "citizens_dwelling"')
    assert len(statements(queries, 'INSERT INTO "deregistration_historical')) == 2
    assert len(statements(queries, 'INSERT INTO "citizens_auditevent"')) == 1


def test_a_portal_case_completed_at_once_keeps_its_whole_history(sign_request_for):
    """Stored, then completed, in one transaction: the history and the audit show both steps, each with its
    author (the citizen, then the portal itself), as an operator's completion would."""
    home = new_home()
    account = citizen_account(home.owner)
    number = (
        client_for(account)
        .post(f"{API}/applications/", portal_body(sign_request_for, home), format="json")
        .json()["number"]
    )
    application = Application.objects.get(number=number)
    steps = application.history.order_by("history_date", "history_id")
    assert [(h.history_type, h.status, h.history_user_id) for h in steps] == [
        ("+", Status.SUBMITTED, account.pk),
        ("~", Status.COMPLETED, None),
    ]
    assert steps[0].deadline_at == application.deadline_at
    assert steps[1].completed_at == application.completed_at
    subject = application.subjects.get()
    subject_steps = subject.history.order_by("history_date", "history_id")
    assert [(h.history_type, h.outcome, h.registry_record_id, h.history_user_id) for h in subject_steps] == [
        ("+", "pending", None, account.pk),
        ("~", "deregistered", subject.registry_record_id, None),
    ]
    audit = AuditEvent.objects.filter(object_type="deregistration.application", object_id=str(application.pk))
    assert [(e.action, e.actor_id) for e in audit.order_by("id")] == [
        ("application.submit", account.pk),
        ("application.complete", None),
    ]
    assert audit.get(action="application.complete").details == {"subjects": 1}


@pytest.mark.parametrize("text", ["<a>\ud800</a>", "\udfff", "ok \U0001f600 \udc00 after"])
def test_a_signed_document_with_a_lone_surrogate_is_refused_as_drf_refuses_it(text):
    from rest_framework.fields import CharField

    from deregistration.api.serializers import SignedDocumentField

    ours, drfs = SignedDocumentField(), CharField()
    with pytest.raises(ValidationError) as ours_refused:
        ours.run_validation(text)
    with pytest.raises(ValidationError) as drf_refused:
        drfs.run_validation(text)
    assert ours_refused.value.detail == drf_refused.value.detail
    assert ours_refused.value.get_codes() == ["surrogate_characters_not_allowed"]
    assert ours.run_validation(" <a>\U0001f600</a>\n") == " <a>\U0001f600</a>\n"  # kept as posted


def test_a_portal_case_with_a_lone_surrogate_in_its_signed_request_is_a_400(sign_request_for):
    home = new_home()
    client = client_for(citizen_account(home.owner))
    body = portal_body(sign_request_for, home)
    body["signed_request"] = body["signed_request"].replace("</", "\ud800</", 1)
    # As a client would send it: JSON escapes it as \\ud800 (json.dumps keeps to ASCII).
    response = client.post(f"{API}/applications/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "surrogate_characters_not_allowed" in response.content.decode()
    assert not Application.objects.exists()


def test_a_citizens_list_costs_the_same_queries_with_one_case_and_with_twenty(operator):
    home = new_home()
    client = client_for(citizen_account(home.owner))
    walk_in(operator, home, complete=True)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{API}/applications/").json()["results"]) == 1
    for _ in range(19):
        walk_in(operator, new_home(owner=home.owner), complete=True)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(f"{API}/applications/").json()["results"]) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries) == 4
    # The signed request (kilobytes of XML a case) is not read for a list.
    assert all("signed_request" not in q["sql"] for q in twenty.captured_queries)


# --- the consent window, checked on the rows shown ----------------------------------------------------------


@pytest.fixture
def waiting(sign_request_for):
    """A co-owned dwelling's portal case waiting for the co-owner, with both owners' clients."""
    home = new_home(co_owned=True)
    owner = client_for(citizen_account(home.owner))
    response = owner.post(f"{API}/applications/", portal_body(sign_request_for, home), format="json")
    assert response.json()["status"] == Status.AWAITING_CONSENT
    application = Application.objects.get(number=response.json()["number"])
    return application, owner, client_for(citizen_account(home.co_owner))


def expire(application):
    Application.objects.filter(pk=application.pk).update(
        consent_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_a_list_never_shows_a_lapsed_window_as_waiting(waiting):
    application, owner, co_owner = waiting
    expire(application)
    shown = owner.get(f"{API}/applications/").json()["results"][0]
    assert shown["status"] == Status.REJECTED
    assert shown["rejection"]["reason_code"] == "co_owner_consent_lapsed"
    application.refresh_from_db()
    assert application.status == Status.REJECTED  # refused for good, not only shown so
    consent = co_owner.get(f"{API}/consents/").json()["results"][0]
    assert consent["decision"] == "lapsed"


def test_the_co_owners_list_alone_lapses_the_window_too(waiting):
    application, _owner, co_owner = waiting
    expire(application)
    assert co_owner.get(f"{API}/consents/").json()["results"][0]["decision"] == "lapsed"
    application.refresh_from_db()
    assert application.status == Status.REJECTED


def test_a_window_still_open_is_shown_waiting_and_costs_no_write(waiting):
    application, owner, _co_owner = waiting
    with CaptureQueriesContext(connection) as queries:
        shown = owner.get(f"{API}/applications/").json()["results"][0]
    assert shown["status"] == Status.AWAITING_CONSENT
    assert not statements(queries, "UPDATE")
    assert Consent.objects.get(application=application).decision == "pending"


def test_a_list_touches_only_the_cases_it_shows_and_the_command_sweeps_the_rest(waiting, operator):
    application, _owner, _co_owner = waiting
    expire(application)
    someone_else = client_for(citizen_account(new_home().owner))
    assert someone_else.get(f"{API}/applications/").json()["results"] == []
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONSENT  # not this reader's case: left to the sweep
    call_command("lapse_consents", stdout=None)
    application.refresh_from_db()
    assert application.status == Status.REJECTED


def test_a_list_filtered_on_waiting_cases_never_holds_a_lapsed_one(waiting):
    application, owner, _co_owner = waiting
    expire(application)
    assert owner.get(f"{API}/applications/?status=awaiting_consent").json()["results"] == []
    refused = owner.get(f"{API}/applications/?status=rejected").json()["results"]
    assert [a["number"] for a in refused] == [application.number]


# --- the slip download --------------------------------------------------------------------------------------


@pytest.fixture
def slip(operator):
    home = new_home()
    owner = citizen_account(home.owner)
    walk_in(operator, home, complete=True, issue_slip=True)
    return DepartureSlip.objects.get(), owner


@pytest.mark.parametrize("who", ["owner", "supervisor"])
def test_a_slip_download_writes_its_audit_rows_in_one_statement(who, slip, request):
    found, owner = slip
    user = owner if who == "owner" else request.getfixturevalue("supervisor")
    client = client_for(user)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/slips/{found.number}/pdf/")
    assert response.status_code == 200
    assert len(statements(queries, 'INSERT INTO "citizens_auditevent"')) == 1
    rows = AuditEvent.objects.order_by("id")[before:]
    # The download for everyone; for staff also the read of the slip's persons.
    expected = ["slip.download"] if who == "owner" else ["slip.download", "departureslip.view"]
    assert [row.action for row in rows] == expected
    assert all(row.actor == user for row in rows)
    assert len(queries.captured_queries) == (3 if who == "owner" else 4)


def test_a_failed_download_writes_no_audit_row(slip):
    found, owner = slip
    before = AuditEvent.objects.count()
    response = client_for(owner).get(f"{API}/slips/{found.number[:-1]}X/pdf/")
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before


# --- authentication -----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_an_api_token_is_found_on_an_index(db):
    from deregistration.tokens import ApiToken

    query = ApiToken.objects.select_related("user", "user__person").filter(digest="0" * 64).query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan" in plan or "Index Only Scan" in plan
    assert "digest" in plan
