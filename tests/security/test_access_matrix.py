"""Issue 14: the access matrix. Every URL of ``config/urls.py`` (portal pages, the admin with each ModelAdmin's
views and the back-office's own, the API) is called by GET and by an empty POST as each role below, and each
answer's status class is checked against ``ACCESS``. A URL that is not in the table fails with the line to add.

The URLs' parameters name real objects of "citizen": their person, dwelling, case, slip, notification, consent,
draft. The objects are made once for the module (in a transaction rolled back at its end) and every request runs
in its own savepoint, so that a POST that changes something changes it for nobody else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import Household, citizen_account, walk_in_case
from tests.factories import DwellingFactory, OwnershipFactory, PersonFactory, RegistrationFactory

ROLES = ("anonymous", "citizen", "other_citizen", "operator", "migration", "supervisor")

# URL name (or the route of an unnamed pattern) -> (GET, POST): one status class per role, in ROLES' order
# (anonymous, citizen, another citizen, operator, migration officer, supervisor): "2" a 2xx answer, "3" a redirect,
# "4" a refusal (401, 403, 404, 405). Citizen-owned objects fill the parameters.
ACCESS: dict[str, tuple[str, str]] = {
    "admin/(?P<url>.*)$": ("333444", "333444"),
    "admin/auth/group/<path:object_id>/": ("333333", "333333"),
    "admin/auth/user/<path:object_id>/": ("333333", "333333"),
    "admin/citizens/auditevent/<path:object_id>/": ("333333", "333333"),
    "admin/citizens/dwelling/<path:object_id>/": ("333333", "333333"),
    "admin/citizens/ownership/<path:object_id>/": ("333333", "333333"),
    "admin/citizens/person/<path:object_id>/": ("333333", "333333"),
    "admin/citizens/registration/<path:object_id>/": ("333333", "333333"),
    "admin/deregistration/application/<path:object_id>/": ("333333", "333333"),
    "admin/deregistration/departureslip/<path:object_id>/": ("333333", "333333"),
    "admin/deregistration/documentscan/<path:object_id>/": ("333333", "333333"),
    "admin/deregistration/registryrecord/<path:object_id>/": ("333333", "333333"),
    "admin:app_list": ("333222", "333222"),
    "admin:auth_group_add": ("333444", "333444"),
    "admin:auth_group_change": ("333444", "333444"),
    "admin:auth_group_changelist": ("333444", "333444"),
    "admin:auth_group_delete": ("333444", "333444"),
    "admin:auth_group_history": ("333444", "333444"),
    "admin:auth_user_add": ("333444", "333444"),
    "admin:auth_user_change": ("333444", "333444"),
    "admin:auth_user_changelist": ("333444", "333444"),
    "admin:auth_user_delete": ("333444", "333444"),
    "admin:auth_user_history": ("333444", "333444"),
    "admin:auth_user_password_change": ("333444", "333444"),
    "admin:autocomplete": ("333444", "333444"),
    "admin:citizens_auditevent_add": ("333444", "333444"),
    "admin:citizens_auditevent_change": ("333442", "333444"),
    "admin:citizens_auditevent_changelist": ("333442", "333442"),
    "admin:citizens_auditevent_delete": ("333444", "333444"),
    "admin:citizens_auditevent_history": ("333442", "333442"),
    "admin:citizens_dwelling_add": ("333444", "333444"),
    "admin:citizens_dwelling_change": ("333222", "333444"),
    "admin:citizens_dwelling_changelist": ("333222", "333222"),
    "admin:citizens_dwelling_delete": ("333444", "333444"),
    "admin:citizens_dwelling_history": ("333222", "333222"),
    "admin:citizens_ownership_add": ("333444", "333444"),
    "admin:citizens_ownership_change": ("333222", "333444"),
    "admin:citizens_ownership_changelist": ("333222", "333222"),
    "admin:citizens_ownership_delete": ("333444", "333444"),
    "admin:citizens_ownership_history": ("333222", "333222"),
    "admin:citizens_person_add": ("333444", "333444"),
    "admin:citizens_person_change": ("333222", "333444"),
    "admin:citizens_person_changelist": ("333222", "333222"),
    "admin:citizens_person_delete": ("333444", "333444"),
    "admin:citizens_person_history": ("333222", "333222"),
    "admin:citizens_registration_add": ("333444", "333444"),
    "admin:citizens_registration_change": ("333222", "333444"),
    "admin:citizens_registration_changelist": ("333222", "333222"),
    "admin:citizens_registration_delete": ("333444", "333444"),
    "admin:citizens_registration_history": ("333222", "333222"),
    "admin:deregistration_application_add": ("333224", "333444"),
    "admin:deregistration_application_change": ("333222", "333444"),
    "admin:deregistration_application_changelist": ("333222", "333222"),
    "admin:deregistration_application_complete": ("333444", "333333"),
    "admin:deregistration_application_dashboard": ("333442", "333442"),
    "admin:deregistration_application_delete": ("333444", "333444"),
    "admin:deregistration_application_history": ("333222", "333444"),
    "admin:deregistration_application_identify": ("333444", "333444"),
    "admin:deregistration_application_intake": ("333224", "333224"),
    "admin:deregistration_application_reject": ("333444", "333444"),
    "admin:deregistration_application_simple_history": ("333222", "333444"),
    "admin:deregistration_application_slip_issue": ("333444", "333333"),
    "admin:deregistration_departureslip_add": ("333444", "333444"),
    "admin:deregistration_departureslip_change": ("333222", "333444"),
    "admin:deregistration_departureslip_changelist": ("333222", "333222"),
    "admin:deregistration_departureslip_delete": ("333444", "333444"),
    "admin:deregistration_departureslip_history": ("333222", "333222"),
    "admin:deregistration_departureslip_pdf": ("333222", "333222"),
    "admin:deregistration_documentscan_add": ("333444", "333444"),
    "admin:deregistration_documentscan_change": ("333222", "333444"),
    "admin:deregistration_documentscan_changelist": ("333222", "333222"),
    "admin:deregistration_documentscan_delete": ("333444", "333444"),
    "admin:deregistration_documentscan_file": ("333222", "333222"),
    "admin:deregistration_documentscan_history": ("333222", "333222"),
    "admin:deregistration_registryrecord_add": ("333444", "333444"),
    "admin:deregistration_registryrecord_change": ("333222", "333444"),
    "admin:deregistration_registryrecord_changelist": ("333222", "333222"),
    "admin:deregistration_registryrecord_delete": ("333444", "333444"),
    "admin:deregistration_registryrecord_history": ("333222", "333222"),
    "admin:index": ("333222", "333222"),
    "admin:jsi18n": ("333222", "333444"),
    "admin:login": ("222333", "222222"),
    "admin:logout": ("333444", "333222"),
    "admin:password_change": ("333222", "333222"),
    "admin:password_change_done": ("333222", "333444"),
    "admin:view_on_site": ("333444", "333444"),
    "api-docs": ("222222", "444444"),
    "api-schema": ("222222", "444444"),
    "api:application-complete": ("444444", "444444"),
    "api:application-detail": ("424222", "444444"),
    "api:application-list": ("422222", "444444"),
    "api:application-reject": ("444444", "444444"),
    "api:application-subject-slip": ("444444", "444444"),
    "api:consent-approve": ("444444", "444444"),
    "api:consent-decline": ("444444", "444444"),
    "api:consent-list": ("422444", "444444"),
    "api:dwelling-list": ("422444", "444444"),
    "api:me": ("422222", "444444"),
    "api:notification-list": ("422444", "444444"),
    "api:notification-read": ("444444", "424444"),
    "api:registry-record-list": ("444222", "444444"),
    "api:slip-detail": ("424222", "444444"),
    "api:slip-pdf": ("424222", "444444"),
    "api:slip-verify": ("222222", "444444"),
    "api:token": ("444444", "444444"),
    "deregistration:home": ("222222", "444444"),
    "deregistration:verify": ("222222", "444444"),
    "deregistration:verify-form": ("222222", "444444"),
    "portal:application": ("324444", "344444"),
    "portal:applications": ("322444", "344444"),
    "portal:apply": ("322444", "322444"),
    "portal:apply-dwelling": ("324444", "324444"),
    "portal:apply-request-xml": ("334444", "344444"),
    "portal:apply-residents": ("324444", "324444"),
    "portal:apply-result": ("334444", "344444"),
    "portal:apply-review": ("334444", "334444"),
    "portal:apply-sign": ("334444", "334444"),
    "portal:cabinet": ("322444", "344444"),
    "portal:consent": ("324444", "324444"),
    "portal:consent-sign": ("324444", "324444"),
    "portal:consent-xml": ("324444", "344444"),
    "portal:login": ("233333", "233333"),
    "portal:logout": ("444444", "333333"),
    "portal:not-for-you": ("222222", "222222"),
    "portal:notification": ("324444", "344444"),
    "portal:notifications": ("322444", "344444"),
    "portal:property": ("322444", "344444"),
    "portal:slip-pdf": ("324444", "344444"),
    "set_language": ("333333", "333333"),
}
# Anyone may read these: the public pages, the slip check, the API schema and its documentation.
PUBLIC = {
    "admin:login",
    "api-docs",
    "api-schema",
    "api:slip-verify",
    "deregistration:home",
    "deregistration:verify",
    "deregistration:verify-form",
    "portal:login",
    "portal:not-for-you",
}


# Redirects that are not a sign-in: the language switch (back where the caller was), signing out, the admin's short
# address of an object (to its change page, which then asks to sign in).
GOES_ELSEWHERE = {
    "set_language",
    "admin:logout",
    "portal:logout",
    *(key for key in ACCESS if key.startswith("admin/") and key.endswith("<path:object_id>/")),
}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            key = ":".join(n for n in (namespace, entry.name) if n) if entry.name else route
            yield key, route, entry


URLS = {key: (route, entry) for key, route, entry in _walk(get_resolver())}


@dataclass
class World:
    users: dict[str, object]
    values: dict[str, object]
    draft_id: str
    history_id: int
    citizen_session: str


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _slip_seal(settings, seal_files, media):
    """As the suite's own fixture, but one media folder for the module: the module's slip lives there."""
    settings.SLIP_SEAL_CERT = str(seal_files / "seal.pem")
    settings.SLIP_SEAL_KEY = str(seal_files / "seal.key.pem")
    settings.SLIP_SEAL_CHAIN = str(seal_files / "ca.pem")
    settings.MEDIA_ROOT = media


def _build_world(seal_files, media) -> World:
    from django.test import override_settings

    from deregistration.accounts import staff_account_create
    from deregistration.models import ApplicationSubject, Consent, DepartureSlip, DocumentScan, Notification
    from deregistration.portal.drafts import draft_new

    staff = {
        role: staff_account_create(username=f"matrix-{role}", role=role, password="x", validate=False)
        for role in ("operator", "migration", "supervisor")
    }
    dwelling = DwellingFactory()
    owner, tenant = PersonFactory(), PersonFactory()
    OwnershipFactory(dwelling=dwelling, person=owner)
    for person in (owner, tenant):
        RegistrationFactory(person=person, dwelling=dwelling)
    household = Household(dwelling=dwelling, owner=owner, tenant=tenant, child=None)
    citizen = citizen_account(owner)
    other = citizen_account(PersonFactory())
    with override_settings(
        MEDIA_ROOT=media,
        SLIP_SEAL_CERT=str(seal_files / "seal.pem"),
        SLIP_SEAL_KEY=str(seal_files / "seal.key.pem"),
        SLIP_SEAL_CHAIN=str(seal_files / "ca.pem"),
    ):
        scan = SimpleUploadedFile("id.pdf", b"%PDF-1.7\n%%EOF\n")
        case = walk_in_case(staff["operator"], household, complete=True, issue_slip=True, scans={0: scan})
    # A second dwelling the citizen co-owns: its other owner's case waits for the citizen's consent.
    shared = DwellingFactory()
    partner = PersonFactory()
    OwnershipFactory(dwelling=shared, person=partner)
    OwnershipFactory(dwelling=shared, person=owner, share="0.5")
    RegistrationFactory(person=PersonFactory(), dwelling=shared)
    lodger = PersonFactory()
    RegistrationFactory(person=lodger, dwelling=shared)
    partner_household = Household(dwelling=shared, owner=partner, tenant=lodger, child=None)
    walk_in_case(staff["operator"], partner_household)

    subject = ApplicationSubject.objects.get(application=case)
    slip = DepartureSlip.objects.get(subject=subject)
    notification = Notification.objects.filter(recipient=citizen).first()
    consent = Consent.objects.get(co_owner=owner)
    from citizens.models import AuditEvent, Ownership, Registration
    from deregistration.models import RegistryRecord

    client = Client()
    client.force_login(citizen)
    session = client.session
    draft = draft_new(session, address_code=dwelling.address_code)
    session.save()
    values = {
        "citizens_person": owner.pk,
        "citizens_dwelling": dwelling.pk,
        "citizens_ownership": Ownership.objects.get(person=owner, dwelling=dwelling).pk,
        "citizens_registration": Registration.objects.get(person=owner).pk,
        "citizens_auditevent": AuditEvent.objects.order_by("pk").first().pk,
        "deregistration_application": case.pk,
        "deregistration_registryrecord": RegistryRecord.objects.get(iin=tenant.iin).pk,
        "deregistration_departureslip": slip.pk,
        "deregistration_documentscan": DocumentScan.objects.get(application=case).pk,
        "auth_user": citizen.pk,
        "auth_group": Group.objects.get(name="operator").pk,
        "id": citizen.pk,
        "content_type_id": ContentType.objects.get_for_model(type(dwelling)).pk,
        "subject_id": subject.pk,
        "case_type": "owner_application",
        "person_id": owner.pk,
        "scan_id": DocumentScan.objects.get(application=case).pk,
        "app_label": "citizens",
        "url": "nowhere/",
        "iin": tenant.iin,
        "code": slip.verification_code,
        "application": case.number,
        "slip": slip.number,
        "notification": notification.pk,
        "consent": consent.pk,
        "decision": "approve",
    }
    return World(
        users={"anonymous": None, "citizen": citizen, "other_citizen": other, **staff},
        values=values,
        draft_id=draft.id,
        history_id=case.history.order_by("history_id").first().history_id,
        citizen_session=session.session_key,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, seal_files, media):
    """The module's objects, in a transaction that its end rolls back (each test nests in it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world(seal_files, media)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _path(key: str, route: str, world: World) -> str:
    """The route with its parameters filled with the citizen's objects."""
    values = world.values
    model = re.match(r"admin:(\w+?_\w+?)_(?:change|delete|history|complete|reject|slip_issue|pdf)$", key)
    by_name = {
        "object_id": values.get(model.group(1)) if model else None,
        "number": values["slip"] if "slip" in key else values["application"],
        "id": values["notification"]
        if "notification" in key
        else values["consent"]
        if "consent" in key
        else values["id"],
        "notification_id": values["notification"],
        "consent_id": values["consent"],
        "draft_id": world.draft_id,
    }
    if key == "admin:view_on_site":
        by_name["object_id"] = values["citizens_dwelling"]
    if key != "admin:view_on_site" and model is None and re.match(r"admin/\w+/\w+/<path:object_id>/$", route):
        admin_model = re.match(r"admin/(\w+)/(\w+)/", route)
        by_name["object_id"] = values[f"{admin_model.group(1)}_{admin_model.group(2)}"]
    if key == "admin:deregistration_application_simple_history":
        return f"/admin/deregistration/application/{values['deregistration_application']}/history/{world.history_id}/"
    if key == "admin:app_list":
        return "/admin/citizens/"
    if key.startswith("admin/(?P<url>"):
        return "/admin/nowhere/"

    def fill(match: re.Match) -> str:
        name = match.group(2)
        value = by_name.get(name)
        return str(values[name] if value is None else value)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def _client(role: str, world: World) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    user = world.users[role]
    if role == "citizen":
        from django.conf import settings

        client.cookies[settings.SESSION_COOKIE_NAME] = world.citizen_session
    elif user is not None:
        client.force_login(user)
    return client


def _status_class(response) -> str:
    return str(response.status_code // 100)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(URLS))
def test_every_url_answers_each_role_as_the_access_table_says(key, world):
    route, _entry = URLS[key]
    path = _path(key, route, world)
    seen = {}
    for method in ("get", "post"):
        classes = []
        for role in ROLES:
            client = _client(role, world)
            with transaction.atomic():
                response = getattr(client, method)(path)
                transaction.set_rollback(True)
            assert response.status_code < 500, f"{method.upper()} {path} as {role}: {response.status_code}"
            if role == "anonymous" and response.status_code in (301, 302) and key not in GOES_ELSEWHERE:
                # A redirect of an anonymous caller is a refusal only when it asks them to sign in.
                assert "login/" in response["Location"], f"{method.upper()} {path}: {response['Location']}"
            classes.append(_status_class(response))
        seen[method] = "".join(classes)
    assert key in ACCESS, f'add {key} to the access table: "{key}": ("{seen["get"]}", "{seen["post"]}"),'
    assert (seen["get"], seen["post"]) == ACCESS[key], path


def test_the_table_opens_nothing_to_anonymous_callers_or_another_citizen_beyond_the_public_pages():
    """A guard on the table itself: an edit that gives away the citizen's objects is caught here."""
    for key, (get, post) in ACCESS.items():
        if key in PUBLIC:
            continue
        assert "2" not in (get[0], post[0]), f"{key} answers an anonymous caller"
        route = URLS[key][0] if key in URLS else ""
        if "<" in route and not route.startswith("admin/"):
            assert "2" not in (get[2], post[2]), f"{key} shows the citizen's object to another citizen"
