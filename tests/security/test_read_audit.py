"""Issue 9, item 5: every staff page or API answer that shows a person's data writes ONE audit row (who, which
page, which persons, or the query and the number of rows for a list), never a name or an IIN in clear."""

from __future__ import annotations

import pytest
from django.contrib import admin
from rest_framework.test import APIClient

from citizens.audit import iin_digest, reads_note
from citizens.models import AuditEvent, Dwelling, Ownership, Person, Registration
from deregistration.models import Application, DepartureSlip, RegistryRecord
from deregistration.tokens import api_token_issue
from tests.conftest import citizen_account, walk_in_case

pytestmark = pytest.mark.django_db

AUDITED_APPS = ("citizens", "deregistration")
ADMIN_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in AUDITED_APPS), key=lambda m: m._meta.label
)


@pytest.fixture
def completed(household, operator):
    """A completed case with a slip: every table of the admin has a row about the household's persons."""
    return walk_in_case(operator, household, complete=True, issue_slip=True)


def clear_in(details, household) -> list[str]:
    """The household's IINs and names found in an audit row's details."""
    text = str(details)
    people = (household.owner, household.tenant, household.child)
    return [value for p in people for value in (p.iin, p.last_name, p.first_name) if value in text]


def one_new_event(before: int) -> AuditEvent:
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))
    assert len(events) == 1, [(e.action, e.details) for e in events]
    return events[0]


def last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def persons_shown(model, obj, household, *, listing=False) -> set[int]:
    """Whose data a page of ``obj`` (or its row in a list) shows, by the model's own relation to persons."""
    if model is Person:
        return {obj.pk}
    if model in (Registration, Ownership):
        return {obj.person_id}
    if model is Application:
        return {obj.applicant_id} if listing else {household.owner.pk, household.tenant.pk}
    if model is RegistryRecord:
        return {Person.objects.get(iin=obj.iin).pk}
    if model is DepartureSlip:
        return {obj.subject.person_id}
    if model is Dwelling:  # its inlines: owners and residents
        return {household.owner.pk, household.tenant.pk, household.child.pk}
    return set()


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_each_admin_list_page_writes_one_audit_row_with_its_rows_and_no_personal_data(
    client, supervisor, completed, household, model
):
    client.force_login(supervisor)
    before = last_pk()
    response = client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/", {"o": "1"})
    assert response.status_code == 200
    event = one_new_event(before)
    assert event.actor == supervisor
    assert event.action == f"{model._meta.model_name}.list"
    assert event.details["page"] == f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
    rows = list(response.context["cl"].result_list)
    assert rows
    assert event.details["rows"] == len(rows)
    assert event.details["objects"][model._meta.label_lower] == sorted(str(obj.pk) for obj in rows)
    assert event.details["query"] == {"o": "1"}
    if model is not Dwelling:  # a list of dwellings shows addresses only; a dwelling's page shows its people
        expected = set().union(*(persons_shown(model, obj, household, listing=True) for obj in rows))
        assert set(event.details["persons"]) >= expected
    assert clear_in(event.details, household) == []


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_each_admin_detail_page_writes_one_audit_row_naming_the_persons_shown(
    client, operator, completed, household, model
):
    obj = model.objects.order_by("pk").first()
    client.force_login(operator)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/"
    before = last_pk()
    response = client.get(url)
    if not operator.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        assert response.status_code == 403
        assert last_pk() == before
        return
    assert response.status_code == 200
    event = one_new_event(before)
    assert (event.actor, event.action) == (operator, f"{model._meta.model_name}.view")
    assert (event.object_type, event.object_id) == (model._meta.label_lower, str(obj.pk))
    assert set(event.details["persons"]) >= persons_shown(model, obj, household)
    assert clear_in(event.details, household) == []


def test_a_search_by_iin_is_logged_with_the_iin_as_a_keyed_digest(client, supervisor, household):
    client.force_login(supervisor)
    before = last_pk()
    response = client.get("/admin/citizens/person/", {"q": household.tenant.iin})
    assert household.tenant.last_name in response.content.decode()
    event = one_new_event(before)
    assert event.details["query"] == {"q": iin_digest(household.tenant.iin)}
    assert event.details["persons"] == [household.tenant.pk]
    assert event.details["rows"] == 1
    assert household.tenant.iin not in str(event.details)


def test_a_search_that_finds_nobody_is_logged_too(client, supervisor, db):
    client.force_login(supervisor)
    before = last_pk()
    assert client.get("/admin/citizens/person/", {"q": "800315300018"}).status_code == 200
    event = one_new_event(before)
    assert (event.action, event.details["rows"], event.details["persons"]) == ("person.list", 0, [])


def test_history_pages_of_a_case_are_logged(client, supervisor, completed, household):
    client.force_login(supervisor)
    before = last_pk()
    assert client.get(f"/admin/deregistration/application/{completed.pk}/history/").status_code == 200
    event = one_new_event(before)
    assert (event.action, event.object_id) == ("application.view", str(completed.pk))
    assert household.owner.pk in event.details["persons"]
    version = completed.history.order_by("history_id").first()
    before = last_pk()
    url = f"/admin/deregistration/application/{completed.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200
    assert one_new_event(before).details["page"] == "admin:deregistration_application_simple_history"


def test_an_autocomplete_answer_is_a_logged_list(client, household):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(root)
    before = last_pk()
    response = client.get(
        "/admin/autocomplete/",
        {
            "term": household.owner.iin,
            "app_label": "citizens",
            "model_name": "ownership",
            "field_name": "person",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(household.owner.pk)]
    event = one_new_event(before)
    assert (event.action, event.details["rows"], event.details["persons"]) == (
        "person.list",
        1,
        [household.owner.pk],
    )


def test_a_refused_page_writes_no_read(client, household, django_user_model):
    someone = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(someone)
    before = last_pk()
    assert client.get(f"/admin/citizens/person/{household.owner.pk}/change/").status_code == 403
    assert last_pk() == before


# --- the API ----------------------------------------------------------------------------------------------


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


@pytest.mark.parametrize(
    ("path", "action", "listing"),
    [
        ("/api/v1/applications/", "application.list", True),
        ("/api/v1/applications/{number}/", "application.view", False),
        ("/api/v1/registry-records/", "registryrecord.list", True),
        ("/api/v1/slips/{slip}/", "departureslip.view", False),
    ],
)
def test_each_staff_api_answer_writes_one_audit_row(supervisor, completed, household, path, action, listing):
    slip = DepartureSlip.objects.get()
    before = last_pk()
    response = api_client(supervisor).get(path.format(number=completed.number, slip=slip.number))
    assert response.status_code == 200
    event = one_new_event(before)
    assert (event.actor, event.action) == (supervisor, action)
    assert household.tenant.pk in event.details["persons"]
    assert event.details["page"].startswith("api:")
    assert ("rows" in event.details) is listing
    assert clear_in(event.details, household) == []


def test_staff_actions_answered_with_a_case_are_logged_once(operator, household):
    application = walk_in_case(operator, household)
    before = last_pk()
    response = api_client(operator).post(f"/api/v1/applications/{application.number}/complete/")
    assert response.status_code == 200
    reads = AuditEvent.objects.filter(pk__gt=before, action="application.view")
    assert reads.count() == 1
    assert reads.get().details["persons"] == sorted({household.owner.pk, household.tenant.pk})


def test_a_citizen_reading_their_own_case_writes_no_read(operator, household):
    application = walk_in_case(operator, household)
    owner = citizen_account(household.owner)
    before = last_pk()
    assert api_client(owner).get(f"/api/v1/applications/{application.number}/").status_code == 200
    assert not AuditEvent.objects.filter(pk__gt=before).exists()


def test_a_note_outside_a_request_is_written_at_once(supervisor, household):
    before = last_pk()
    reads_note(supervisor, [household.tenant])
    event = one_new_event(before)
    assert (event.action, event.details["persons"], event.details["page"]) == (
        "person.view",
        [household.tenant.pk],
        "",
    )
