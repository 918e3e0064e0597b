"""Each role through the admin's own URLs: what it sees, what it may do, and what it may not."""

import pytest
from django.contrib.auth.models import Group

from citizens.models import AuditEvent
from deregistration.models import Application, RegistryRecord
from deregistration.roles import ROLE_PERMISSIONS

from .conftest import case_url, citizens_case, foreigners_case, messages_of

pytestmark = pytest.mark.django_db


def test_the_role_groups_exist_after_migrate_with_exactly_their_permissions():
    for role, wanted in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(wanted)


def test_no_role_may_delete_or_change_the_register_and_a_supervisor_changes_nothing():
    for role, wanted in ROLE_PERMISSIONS.items():
        codenames = {dotted.split(".")[1] for dotted in wanted}
        assert not any(c.startswith("delete_") for c in codenames), role
        assert not any(d.startswith("citizens.") and not d.split(".")[1].startswith("view_") for d in wanted)
    supervisor = {dotted.split(".")[1] for dotted in ROLE_PERMISSIONS["supervisor"]}
    assert all(c.startswith("view_") for c in supervisor)
    assert "view_auditevent" in supervisor
    assert "view_auditevent" not in {d.split(".")[1] for d in ROLE_PERMISSIONS["operator"]}


@pytest.mark.parametrize(
    ("role", "sees_citizens", "sees_foreigners"),
    [
        ("operator", True, False),
        ("migration", False, True),
        ("supervisor", True, True),
        ("admin", True, True),
    ],
)
def test_each_role_sees_its_own_queue_first(
    as_role, operator, migration_officer, role, sees_citizens, sees_foreigners
):
    mine, theirs = citizens_case(operator), foreigners_case(migration_officer)
    page = as_role(role).get("/admin/deregistration/application/").content.decode()
    assert (mine.number in page) is sees_citizens
    assert (theirs.number in page) is sees_foreigners
    every_open = as_role(role).get("/admin/deregistration/application/?queue=open").content.decode()
    assert mine.number in every_open
    assert theirs.number in every_open


def test_an_operator_opening_a_migration_case_is_told_why_and_cannot_act(as_role, migration_officer):
    case = foreigners_case(migration_officer)
    client = as_role("operator")
    page = client.get(case_url(case)).content.decode()
    assert 'id="why-not"' in page
    assert "Service provider (migration service)" in page  # whose case it is
    assert 'id="complete"' not in page
    assert 'id="reject"' not in page
    response = client.post(case_url(case, "complete"))
    assert response.status_code == 302
    assert any("role does not allow" in m for m in messages_of(response))
    case.refresh_from_db()
    assert case.status == "submitted"
    assert not RegistryRecord.objects.exists()


def test_a_migration_officer_completes_a_foreigners_case(as_role, migration_officer):
    case = foreigners_case(migration_officer)
    response = as_role("migration").post(case_url(case, "complete"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "completed"
    assert RegistryRecord.objects.filter(application_number=case.number).count() == 1


@pytest.mark.parametrize("action", ["complete", "reject"])
def test_a_supervisor_reads_every_case_and_changes_none(as_role, operator, action):
    case = citizens_case(operator)
    client = as_role("supervisor")
    page = client.get(case_url(case)).content.decode()
    assert case.number in page
    assert "reads cases and does not act" in page
    assert 'id="complete"' not in page
    response = client.post(case_url(case, action), {"reason_code": "other", "comment": "x"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"
    assert client.get("/admin/deregistration/application/add/").status_code == 403


@pytest.mark.parametrize("role", ["operator", "migration", "supervisor", "admin"])
def test_a_case_page_has_no_save_and_refuses_a_raw_post(as_role, operator, role):
    case = citizens_case(operator)
    client = as_role(role)
    page = client.get(case_url(case)).content.decode()
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert client.post(case_url(case), {"status": "completed"}).status_code == 403
    assert (
        client.post(f"/admin/deregistration/application/{case.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    case.refresh_from_db()
    assert case.status == "submitted"


@pytest.mark.parametrize("action", ["complete", "reject"])
def test_actions_are_post_only(as_role, operator, action):
    case = citizens_case(operator)
    assert as_role("operator").get(case_url(case, action)).status_code == 405
    case.refresh_from_db()
    assert case.status == "submitted"


def test_actions_need_the_csrf_token(operator):
    from django.test import Client

    case = citizens_case(operator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(case_url(case, "complete")).status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"


@pytest.mark.parametrize(
    ("role", "links", "absent"),
    [
        ("operator", ["New case", "Queue"], ["Who read what", "Dashboard"]),
        ("migration", ["New case", "Queue"], ["Who read what", "Dashboard"]),
        ("supervisor", ["Queue", "Who read what"], ["New case"]),
    ],
)
def test_each_role_sees_the_links_of_its_work(as_role, role, links, absent):
    page = as_role(role).get("/admin/").content.decode()
    nav = page[page.index('class="backoffice-nav"') :]
    nav = nav[: nav.index("</nav>")]
    for link in links:
        assert link in nav
    for link in absent:
        assert link not in nav


def test_only_the_supervisor_reads_the_audit_log(as_role, operator):
    citizens_case(operator)
    assert as_role("operator").get("/admin/citizens/auditevent/").status_code == 403
    assert as_role("migration").get("/admin/citizens/auditevent/").status_code == 403
    assert as_role("supervisor").get("/admin/citizens/auditevent/").status_code == 200
    assert AuditEvent.objects.exists()
    assert Application.objects.count() == 1


def test_the_start_page_shows_ones_own_queue_first(as_role, operator, migration_officer):
    mine, theirs = citizens_case(operator), foreigners_case(migration_officer)
    page = as_role("operator").get("/admin/").content.decode()
    queue = page[page.index('id="my-queue"') :]
    assert mine.number in queue
    assert theirs.number not in queue
    assert "term-on_time" in queue
    assert theirs.number in as_role("migration").get("/admin/").content.decode()
