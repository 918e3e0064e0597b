"""Each page runs a fixed number of SQL queries, the same with 1 and with 50 applications, notifications,
consent requests, dwellings and residents; and weighs under 100 KB with its CSS, script and images (no fonts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deregistration.constants import NotificationKind
from deregistration.models import Application
from deregistration.notifications import notify
from tests.conftest import citizen_account, walk_in_case
from tests.factories import OwnershipFactory, PersonFactory, RegistrationFactory

from .conftest import browser_for, new_home, start_draft

pytestmark = pytest.mark.django_db

# The queries of each page, session and user included.
LIMITS = {
    "cabinet": 19,
    "applications": 9,
    "application": 7,
    "notifications": 6,
    "property": 9,
    "apply": 7,
    "residents": 8,
    "review": 8,
    "sign": 11,
    "consent": 7,
}
STATIC = ["portal/portal.css", "portal/portal.js", "portal/emblem.svg"]


class Scene:
    """A citizen with ``n`` of everything their pages list."""

    def __init__(self, n: int, operator):
        self.home = new_home()
        self.user = self.home.user
        owner = self.home.owner
        for _ in range(n - 1):
            RegistrationFactory(
                person=PersonFactory(), dwelling=self.home.dwelling
            )  # n residents besides the owner
        for _ in range(n):
            extra = new_home(owner=owner)  # n more dwellings, each with a case waiting for an operator
            walk_in_case(operator, extra)
            notify(
                recipient=self.user, kind=NotificationKind.SLIP_ISSUED, application=None, slip="S", number="N"
            )
            shared = new_home()  # n consent requests: dwellings the citizen co-owns
            OwnershipFactory(dwelling=shared.dwelling, person=owner, share="0.5")
            walk_in_case(operator, shared)
        decided = new_home(owner=owner)  # a case naming n persons
        for _ in range(n - 1):
            RegistrationFactory(person=PersonFactory(), dwelling=decided.dwelling)
        named = [r.person for r in decided.dwelling.registrations.select_related("person")]
        self.case = walk_in_case(operator, decided, subjects=named)
        consenting = new_home()
        self.co_owner = PersonFactory()
        OwnershipFactory(dwelling=consenting.dwelling, person=self.co_owner, share="0.5")
        for _ in range(n - 1):
            RegistrationFactory(person=PersonFactory(), dwelling=consenting.dwelling)
        residents = [r.person for r in consenting.dwelling.registrations.select_related("person")]
        residents = [p for p in residents if p.pk != consenting.owner.pk]
        self.consent = walk_in_case(operator, consenting, subjects=residents).consents.get()
        self.co_owner_user = citizen_account(self.co_owner)

    def residents(self):
        return [
            r.person
            for r in self.home.dwelling.registrations.select_related("person").order_by("id")
            if r.person_id != self.home.owner.pk
        ]

    def url(self, page: str, client) -> tuple[object, str]:
        if page == "consent":
            return browser_for(self.co_owner_user), f"/cabinet/consents/{self.consent.pk}/"
        if page in ("residents", "review", "sign"):
            prefix = start_draft(client, self.home, subjects=[p.iin for p in self.residents()])
            return client, prefix + page + "/"
        return client, {
            "cabinet": "/cabinet/",
            "applications": "/cabinet/applications/",
            "application": f"/cabinet/applications/{self.case.number}/",
            "notifications": "/cabinet/notifications/",
            "apply": "/apply/",
            "property": "/cabinet/property/",
        }[page]


def measure(scene: Scene, page: str) -> tuple[int, int]:
    client, url = scene.url(page, browser_for(scene.user))
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (page, response.status_code)
    return len(queries.captured_queries), len(response.content)


@pytest.mark.parametrize("page", list(LIMITS))
def test_a_page_takes_the_same_queries_for_one_and_for_fifty(page, operator, eds_pki):
    one = measure(Scene(1, operator), page)
    fifty = measure(Scene(50, operator), page)
    assert fifty[0] == one[0], f"{page}: {one[0]} queries with 1 of each, {fifty[0]} with 50"
    assert one[0] <= LIMITS[page], f"{page}: {one[0]} queries"
    static = sum((Path(settings.BASE_DIR) / "static" / name).stat().st_size for name in STATIC)
    assert fifty[1] + static < 100 * 1024, (
        f"{page}: {fifty[1]} bytes of HTML with 50 of each, {static} of static"
    )
    assert Application.objects.exists()
