"""The supervisor's log of who read which person's data."""

import pytest

from citizens.models import AuditEvent

from .conftest import case_url, citizens_case

pytestmark = pytest.mark.django_db

LOG = "/admin/citizens/auditevent/"


def test_the_supervisor_finds_who_read_a_persons_data_by_their_iin(as_role, operator, migration_officer):
    case = citizens_case(operator)
    tenant = case.subjects.get().person
    bystander = citizens_case(operator).subjects.get().person
    as_role("operator").get(case_url(case))  # the operator opens the case: the tenant's data is shown
    as_role("migration").get(f"/admin/citizens/person/{bystander.pk}/change/")
    log = as_role("supervisor").get(LOG, {"q": tenant.iin}).content.decode()
    assert "operator1" in log
    assert "migration1" not in log  # read someone else
    assert "admin:deregistration_application_change" in log  # which page
    by_user = as_role("supervisor").get(LOG, {"q": "migration1"}).content.decode()
    assert "admin:citizens_person_change" in by_user
    assert "operator1" not in by_user


def test_an_iin_nobody_read_finds_nothing_and_a_partial_one_is_not_a_search(as_role, operator):
    case = citizens_case(operator)
    as_role("operator").get(case_url(case))
    never_read = citizens_case(operator).subjects.get().person
    client = as_role("supervisor")
    assert "operator1" not in client.get(LOG, {"q": never_read.iin}).content.decode()
    tenant = case.subjects.get().person
    assert "operator1" not in client.get(LOG, {"q": tenant.iin[:11]}).content.decode()


def test_opening_a_log_entry_names_the_persons_and_is_itself_logged(as_role, operator):
    case = citizens_case(operator)
    tenant = case.subjects.get().person
    as_role("operator").get(case_url(case))
    event = AuditEvent.objects.filter(action="application.view").latest("at")
    before = AuditEvent.objects.order_by("-pk").first().pk
    page = as_role("supervisor").get(f"{LOG}{event.pk}/change/").content.decode()
    assert tenant.full_name in page
    read = AuditEvent.objects.get(pk__gt=before)
    assert read.actor.username == "supervisor1"
    assert tenant.pk in read.details["persons"]
    assert tenant.iin not in str(read.details)


@pytest.mark.parametrize("role", ["operator", "migration"])
def test_only_supervisors_read_the_log(as_role, role):
    assert as_role(role).get(LOG).status_code == 403
