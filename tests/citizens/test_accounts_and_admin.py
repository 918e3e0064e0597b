import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from citizens.models import AuditEvent
from deregistration.accounts import staff_account_create
from deregistration.constants import Role
from deregistration.roles import role_of
from tests.factories import PersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_create_citizen_account_uses_the_iin_as_username_and_links_the_person():
    person = PersonFactory()
    call_command("create_citizen_account", person.iin, "--password", "Qazaq-stan-2026")
    user = User.objects.get(username=person.iin)
    person.refresh_from_db()
    assert person.account == user
    assert user.check_password("Qazaq-stan-2026")
    assert not user.is_staff
    assert role_of(user) == Role.CITIZEN


def test_create_citizen_account_refuses_an_invalid_or_unknown_iin():
    with pytest.raises(CommandError, match="iin"):
        call_command("create_citizen_account", "800315300019", "--password", "Qazaq-stan-2026")
    with pytest.raises(CommandError, match="No person"):
        call_command("create_citizen_account", "061211600012", "--password", "Qazaq-stan-2026")
    assert not User.objects.exists()


def test_create_citizen_account_refuses_a_weak_password():
    person = PersonFactory()
    with pytest.raises(CommandError, match="password"):
        call_command("create_citizen_account", person.iin, "--password", "12345678")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("role", "can", "cannot"),
    [
        ("operator", "deregistration.act_state_corporation", "deregistration.act_service_provider"),
        ("migration", "deregistration.act_service_provider", "deregistration.act_state_corporation"),
        ("supervisor", "deregistration.view_application", "deregistration.change_application"),
    ],
)
def test_create_staff_account_puts_the_user_in_the_role_group_with_its_permissions(role, can, cannot):
    call_command("create_staff_account", f"{role}1", "--role", role, "--password", "Staff-pass-2026")
    user = User.objects.get(username=f"{role}1")
    assert user.is_staff
    assert not user.is_superuser
    assert role_of(user) == Role(role)
    assert user.has_perm(can)
    assert not user.has_perm(cannot)
    assert user.has_perm("citizens.view_person")
    assert not user.has_perm("citizens.change_person")


def test_create_staff_account_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("create_staff_account", "x", "--role", "director", "--password", "Staff-pass-2026")
    assert not User.objects.exists()


def test_the_start_page_explains_the_service(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 200
    assert "ХҚТ ТП АЖ" in response.content.decode()


@pytest.fixture
def operator_client(client):
    user = staff_account_create(username="op", role="operator", password="Staff-pass-2026")
    client.force_login(user)
    return client


def test_admin_finds_a_person_by_exact_iin_only(operator_client):
    wanted = PersonFactory(last_name="Әбілқайыров")
    other = PersonFactory(last_name="Қасымов")
    page = operator_client.get("/admin/citizens/person/", {"q": wanted.iin}).content.decode()
    assert wanted.last_name in page
    assert other.last_name not in page
    partial = operator_client.get("/admin/citizens/person/", {"q": wanted.iin[:6]}).content.decode()
    assert wanted.last_name not in partial


def test_each_staff_read_of_a_person_is_audit_logged_without_personal_data(operator_client):
    person = RegistrationFactory().person
    response = operator_client.get(f"/admin/citizens/person/{person.pk}/change/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="person.view")
    assert event.actor.username == "op"
    assert event.object_id == str(person.pk)
    assert person.iin not in str(event.details)
    assert person.last_name not in str(event.details)


def test_operators_cannot_change_a_person_in_the_admin(operator_client):
    person = PersonFactory()
    response = operator_client.post(f"/admin/citizens/person/{person.pk}/change/", {"last_name": "X"})
    assert response.status_code == 403
