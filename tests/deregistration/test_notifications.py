"""The personal cabinet's messages: the right words for the case, in the reader's language."""

import pytest
from django.utils import translation

from deregistration.models import Notification
from deregistration.notifications import notification_body, notification_title
from tests.conftest import citizen_account, walk_in_case

pytestmark = pytest.mark.django_db


def test_the_owner_is_told_the_persons_who_did_not_live_there_were_deregistered(household, operator):
    owner = citizen_account(household.owner)
    application = walk_in_case(operator, household, complete=True)
    message = Notification.objects.get(recipient=owner)
    with translation.override("en"):
        body = notification_body(message)
    assert "did not live at your address" in body
    assert application.number in body
    assert household.tenant.full_name in body


def test_a_person_leaving_the_country_is_not_told_about_strangers_at_their_address(household, operator):
    leaving = citizen_account(household.tenant)
    walk_in_case(
        operator,
        household,
        case_type="emigration",
        applicant=household.tenant,
        subjects=[household.tenant, household.child],
        complete=True,
    )
    messages = Notification.objects.filter(recipient=leaving, kind="application_completed")
    with translation.override("en"):
        body = notification_body(messages.get())
    assert "did not live" not in body
    assert household.child.full_name in body


@pytest.mark.parametrize(("language", "word"), [("kk", "тіркеу"), ("ru", "учет")])
def test_a_message_is_worded_in_the_readers_language(household, operator, language, word):
    tenant = citizen_account(household.tenant)
    walk_in_case(operator, household, complete=True)
    message = Notification.objects.get(recipient=tenant)
    with translation.override(language):
        text = f"{notification_title(message)} {notification_body(message)}"
    assert word in text.lower()
    assert household.dwelling.street in text
