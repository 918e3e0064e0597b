"""Issue 9, item 1: no admin page changes a case, a subject, a register record, a slip, an audit row or the
population register; only the services do. Every role POSTs to every write URL the admin has for every model of
the portal (add, change, delete, bulk delete, and django-simple-history's revert form) and the database stays
as it was."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.forms.models import model_to_dict

from citizens.models import AuditEvent
from deregistration.constants import Status
from deregistration.models import Application
from tests.conftest import walk_in_case

pytestmark = pytest.mark.django_db

PORTAL_APPS = ("citizens", "deregistration")
ADMIN_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in PORTAL_APPS), key=lambda m: m._meta.label
)
ROLES = ["operator", "migration_officer", "supervisor", "superuser"]
REFUSED = (302, 403, 404, 405)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x")


@pytest.fixture
def completed(household, operator):
    """A completed case with a slip and a scan: every table of the admin has a row about the household's persons."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("id.pdf", b"%PDF-1.7\n%%EOF\n")
    return walk_in_case(operator, household, complete=True, issue_slip=True, scans={0: scan})


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table of the portal's apps (history tables included), audit rows aside."""
    state = {}
    for app_label in PORTAL_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model is not AuditEvent:
                state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def audit_rows() -> list[dict]:
    return list(AuditEvent.objects.order_by("pk").values())


def changed_form(obj) -> dict:
    """The object's own fields as a form would post them, each text field altered."""
    data = {}
    for name, value in model_to_dict(obj).items():
        if value is None:
            continue
        if isinstance(value, str):
            value = value + "X"
        elif isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = value
    return data


def write_attempts(model, obj) -> list[tuple[str, dict, tuple[int, ...]]]:
    """Each write URL, what to post there, and the answers that refuse it."""
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
    attempts = [
        (f"{base}/add/", changed_form(obj), REFUSED),
        (f"{base}/{obj.pk}/change/", changed_form(obj), REFUSED),
        (f"{base}/{obj.pk}/delete/", {"post": "yes"}, REFUSED),
        # A list page has no bulk delete to run: it shows the list again (200), or refuses the reader.
        (
            f"{base}/",
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
            (200, *REFUSED),
        ),
    ]
    if getattr(model, "history", None) is not None:
        for version in obj.history.order_by("history_id"):
            url = f"{base}/{obj.pk}/history/{version.history_id}/"
            attempts.append((url, {}, REFUSED))
            attempts.append((url, changed_form(version.instance), REFUSED))
    return attempts


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_no_admin_post_by_any_role_changes_the_database(client, request, completed, model, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    obj = model.objects.order_by("pk").first()
    assert obj is not None, model
    before, audit_before = snapshot(), audit_rows()
    for url, data, refused in write_attempts(model, obj):
        response = client.post(url, data)
        assert response.status_code in refused, (url, response.status_code)
        assert snapshot() == before, url
        # Audit rows are never changed or deleted (a read may add one, a write never happens).
        assert audit_rows()[: len(audit_before)] == audit_before, url


@pytest.mark.parametrize("role", ROLES)
def test_the_revert_form_cannot_reopen_a_completed_case(client, request, completed, role):
    """The attack of the review: POST the form of the case's first version (status ``submitted``)."""
    client.force_login(request.getfixturevalue(role))
    first = completed.history.order_by("history_id").first()
    assert first.status == Status.SUBMITTED
    url = f"/admin/deregistration/application/{completed.pk}/history/{first.history_id}/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # no Revert button either
    response = client.post(url, {})
    assert response.status_code == 403
    assert Application.objects.get(pk=completed.pk).status == Status.COMPLETED
    assert completed.history.count() == Application.objects.get(pk=completed.pk).history.count()


def test_revert_is_switched_off_in_the_settings(settings):
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True
