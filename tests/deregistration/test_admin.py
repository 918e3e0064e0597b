"""The back-office's pages open for each staff role, and stay read-only where the law says so."""

import pytest
from django.contrib import admin

from citizens.models import AuditEvent
from deregistration.models import Application, DepartureSlip, RegistryRecord
from tests.conftest import walk_in_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(household, operator):
    return walk_in_case(operator, household, complete=True, issue_slip=True)


@pytest.mark.parametrize("model", [m for m in admin.site._registry if m._meta.app_label != "auth"])
def test_every_changelist_opens_for_a_supervisor(client, supervisor, completed, model):
    client.force_login(supervisor)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    response = client.get(url)
    # A supervisor may read what their role's permissions list; the audit log is theirs too.
    assert response.status_code in (200, 403), url
    if supervisor.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        assert response.status_code == 200, url


def test_a_case_and_its_history_open_and_the_read_is_logged(client, operator, completed):
    client.force_login(operator)
    assert client.get(f"/admin/deregistration/application/{completed.pk}/change/").status_code == 200
    assert client.get(f"/admin/deregistration/application/{completed.pk}/history/").status_code == 200
    assert AuditEvent.objects.filter(action="application.view", object_id=str(completed.pk)).exists()


@pytest.mark.parametrize("model", [RegistryRecord, DepartureSlip, Application])
def test_nobody_deletes_records_of_the_service_in_the_back_office(
    client, completed, model, django_user_model
):
    superuser = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(superuser)
    obj = model.objects.first()
    response = client.post(
        f"/admin/deregistration/{model._meta.model_name}/{obj.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
