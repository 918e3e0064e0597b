"""Issue 14: hostile values in every field of every form of the portal and the back-office.

Each form is first sent with valid values and must be accepted (so the fuzz is not refused for another reason);
then each of its fields in turn gets each value of ``HOSTILE`` (hostile text, wrong types, huge values, Unicode
confusables and invisible characters, dates out of range, an IIN with a wrong checksum), the rest staying valid.
Every answer must be a redirect (the value was acceptable) or a refusal that stored nothing (the domain's tables
as they were) and shows an error naming the field, in the language of the request (Russian here: the compiled
catalogues are needed, as ``make test`` builds them with ``make messages``). Never a 5xx.
Each post runs in a savepoint rolled back afterwards: every attempt starts from the same state.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client

from tests.backoffice.conftest import make_household
from tests.backoffice.test_intake import complete_owner_documents, court_data, emigration_data, open_screen
from tests.conftest import citizen_account, walk_in_case
from tests.db_state import changed_tables, db_state
from tests.factories import OwnershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

HOSTILE: dict[str, str | list[str]] = {
    "empty": "",
    "blanks": " \t ",
    "huge": "Ж" * 100_000,
    "markup": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE citizens_person; --",
    "null byte": "Ө-17\x00",
    "control characters": "\x1b[31m\r\n\x7f",
    "right-to-left override": "\u202e71-Ө",
    "zero-width space": "Ө\u200b-17",
    "latin and cyrillic confusables": "Аbаy",
    "mathematical digits": "𝟎𝟔𝟏𝟐𝟏𝟏𝟔𝟎𝟎𝟎𝟏𝟐",
    "arabic-indic digits": "٠٦١٢١١٦٠٠٠١٢",
    "fullwidth digits": "０６１２１１６０００１２",
    "iin with a wrong checksum": "061211600013",
    "iin of eleven digits": "06121160001",
    "negative": "-1",
    "forty nines": "9" * 40,
    "float overflow": "1e308",
    "not a number": "NaN",
    "date 9999-12-31": "9999-12-31",
    "date in year 10000": "10000-01-01",
    "date in year 1": "0001-01-01",
    "impossible date": "2026-02-30",
    "date of another format": "31.12.99999",
    "two values": ["Ө-17", "Ө-18"],
    "emoji sequence": "👨\u200d👩\u200d👧",
}
# Fields that only pick (choices, tick boxes, hidden keys) get the values that break a pick; text and dates get all.
FOR_PICKS = ("empty", "huge", "markup", "null byte", "control characters", "zero-width space", "two values")
PICKS = {"case_type", "reason_code", "ground", "document_type", "issue_slip", "confirm", "idempotency_key"}
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


@dataclass
class Form:
    """A form as a browser sends it: the page's address, a valid body, the fields to fuzz and who sends it."""

    client: Client
    url: str
    valid: dict
    fields: list[str] = field(default_factory=list)
    # A login form answers one error for the whole form (it never says which of the two was wrong).
    names_the_field: bool = True
    # False where a valid body needs a real signature: only the refusals are checked.
    check_valid: bool = True
    # A rule across fields may name the other field: {fuzzed field: [the other fields' names]}.
    also: dict[str, list[str]] = field(default_factory=dict)


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru", raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def field_errors(page: str) -> dict[str, list[str]]:
    """The page's errors by the id of the field they name: the error summary's links, and the lists beside
    fields (``id="<field id>-errors"``)."""
    found: dict[str, list[str]] = {}
    summary = re.search(r'class="error-summary.*?</ul>', page, re.S)
    for item in re.findall(r"<li>(.*?)</li>", summary.group(0) if summary else "", re.S):
        link = re.match(r'<a href="#([^"]+)">(.*?)</a>$', item.strip(), re.S)
        anchor, message = link.groups() if link else ("__all__", item)  # an error of the whole form
        found.setdefault(anchor, []).append(html.unescape(re.sub(r"<[^>]+>", "", message)))
    for anchor, items in re.findall(r'<ul class="errorlist[^"]*" id="([^"]+)-errors">(.*?)</ul>', page, re.S):
        found.setdefault(anchor, []).extend(
            html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", items, re.S)
        )
    # The admin's login form: one note for the whole form.
    for note in re.findall(r'<p class="errornote">(.*?)</p>', page, re.S):
        found.setdefault("__all__", []).append(html.unescape(note.strip()))
    return found


def _portal_household():
    household = make_household()
    return household, citizen_account(household.owner)


def _draft(client, household, step: str) -> str:
    """Walk the portal's form up to ``step``; the step's URL."""
    prefix = re.match(
        r"(/apply/[\w-]+/)",
        client.post("/apply/", {"address_code": household.dwelling.address_code})["Location"],
    ).group(1)
    if step == "residents":
        return prefix + "residents/"
    client.post(prefix + "residents/", {"subjects": [household.tenant.iin]})
    if step == "review":
        return prefix + "review/"
    client.post(prefix + "review/", {"confirm": "on"})
    return prefix + "sign/"


def login_form(_operator) -> Form:
    household, _user = _portal_household()
    return Form(
        browser(),
        "/login/",
        {"username": household.owner.iin, "password": "Citizen-pass-2026"},
        ["username", "password"],
        names_the_field=False,
    )


def admin_login_form(operator) -> Form:
    return Form(
        browser(),
        "/admin/login/",
        {"username": "operator1", "password": "x"},
        ["username", "password"],
        names_the_field=False,
    )


def dwelling_form(_operator) -> Form:
    household, user = _portal_household()
    return Form(browser(user), "/apply/", {"address_code": household.dwelling.address_code}, ["address_code"])


def residents_form(_operator) -> Form:
    household, user = _portal_household()
    client = browser(user)
    url = _draft(client, household, "residents")
    return Form(
        client, url, {"subjects": household.tenant.iin, "issue_slip": "on"}, ["subjects", "issue_slip"]
    )


def review_form(_operator) -> Form:
    household, user = _portal_household()
    client = browser(user)
    return Form(client, _draft(client, household, "review"), {"confirm": "on"}, ["confirm"])


def _signature_form(client, url: str, text_field: str) -> Form:
    """A signing step: the signed document pasted (``text_field``) or uploaded (``signed_file``)."""
    return Form(
        client, url, {text_field: ""}, [text_field], check_valid=False, also={text_field: ["signed_file"]}
    )


def sign_form(_operator) -> Form:
    household, user = _portal_household()
    client = browser(user)
    return _signature_form(client, _draft(client, household, "sign"), "signed_request")


def consent_form(operator) -> Form:
    from deregistration.models import Consent

    household = make_household()
    co_owner = PersonFactory()
    OwnershipFactory(dwelling=household.dwelling, person=co_owner, share="0.5")
    walk_in_case(operator, household)
    consent = Consent.objects.get(co_owner=co_owner)
    return _signature_form(
        browser(citizen_account(co_owner)), f"/cabinet/consents/{consent.pk}/approve/", "signed_consent"
    )


def identify_form(operator) -> Form:
    household = make_household()
    body = {"case_type": "owner_application", "applicant_iin": household.owner.iin}
    return Form(browser(operator), "/admin/deregistration/application/intake/", body, list(body))


def _intake(operator, case_type: str) -> Form:
    household = make_household()
    client = browser(operator)
    applicant = household.tenant if case_type == "emigration" else household.owner
    url, screen = open_screen(client, case_type, applicant)
    if case_type == "owner_application":
        body = complete_owner_documents(screen, subjects=[household.tenant.iin])
    elif case_type == "emigration":
        body = emigration_data(screen, household.tenant, household.child)
    else:
        body = court_data(screen, household.tenant)
    # Each kind of field once: the documents' blocks repeat the same fields (number, issued on...).
    fields, kinds = [], set()
    for name in body:
        kind = name.rsplit("-", 1)[-1]
        if kind not in kinds and kind in SCREEN_FIELDS[case_type]:
            fields.append(name)
            kinds.add(kind)
    decided = [n for n in fields if n.endswith("-decided_on")]
    also = {decided[0]: ["in_force_on"]} if decided else {}
    return Form(client, url, body, fields, also=also)


# What each intake screen adds to the fuzz (the owner's screen has the fields every screen has).
SCREEN_FIELDS = {
    "owner_application": {"subjects", "issue_slip", "idempotency_key", "number", "issued_on", "issued_by"},
    "emigration": {"country", "document_type"},
    "court_decision": {"court", "case_number", "decided_on", "in_force_on"},
}


def owner_intake_form(operator) -> Form:
    return _intake(operator, "owner_application")


def emigration_intake_form(operator) -> Form:
    return _intake(operator, "emigration")


def court_intake_form(operator) -> Form:
    return _intake(operator, "court_decision")


def reject_form(operator) -> Form:
    case = walk_in_case(operator, make_household())
    body = {"reason_code": "missing_document", "ground": "requirements_not_met", "comment": "Құжат жоқ"}
    return Form(browser(operator), f"/admin/deregistration/application/{case.pk}/reject/", body, list(body))


FORMS = {
    "portal login": login_form,
    "portal dwelling": dwelling_form,
    "portal residents": residents_form,
    "portal review": review_form,
    "portal sign": sign_form,
    "portal consent": consent_form,
    "admin login": admin_login_form,
    "back-office identify": identify_form,
    "back-office intake, owner's application": owner_intake_form,
    "back-office intake, leaving the country": emigration_intake_form,
    "back-office intake, court decision": court_intake_form,
    "back-office reject": reject_form,
}


def _post(form: Form, body: dict, before: dict):
    """Post in a savepoint rolled back afterwards; the answer and which of the domain's tables changed."""
    with transaction.atomic():
        response = form.client.post(form.url, body)
        changed = changed_tables(before, db_state())
        transaction.set_rollback(True)
    return response, changed


@pytest.mark.parametrize("name", list(FORMS))
def test_hostile_values_in_every_field_are_refused_beside_the_field_and_store_nothing(name, operator):
    form = FORMS[name](operator)
    before = db_state()
    if form.check_valid:
        response, _changed = _post(form, form.valid, before)
        assert response.status_code in (302, 303), (name, field_errors(response.content.decode()))
    problems, accepted, refused = [], 0, 0
    for fuzzed in form.fields:
        picks = fuzzed.rsplit("-", 1)[-1] in PICKS
        for label, value in HOSTILE.items():
            if picks and label not in FOR_PICKS:
                continue
            response, changed = _post(form, {**form.valid, fuzzed: value}, before)
            where = f"{fuzzed} = {label}: {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where}, a server error")
                continue
            if response.status_code in (302, 303):
                accepted += 1
                continue  # acceptable: the field took the value (or ignored it), as a valid one
            refused += 1
            if changed:
                problems.append(f"{where}, refused but changed {changed}")
            errors = field_errors(response.content.decode())
            names = [fuzzed.rsplit("-", 1)[-1], *form.also.get(fuzzed, [])]
            named = [a for a in errors if not form.names_the_field or any(n in a for n in names)]
            if not named:
                problems.append(f"{where}, no error names the field: {sorted(errors)}")
                continue
            text = " ".join(m for a in named for m in errors[a])
            for part in value if isinstance(value, list) else [value]:
                text = text.replace(part, "")
            if not CYRILLIC.search(text):
                problems.append(f"{where}, the error is not translated: {text[:200]}")
    print(f"{name}: {len(form.fields)} fields, {accepted} values accepted, {refused} refused")
    assert not problems, "\n".join(problems)
    assert refused >= len(form.fields)  # each field refuses something


# --- the 5xx the fuzz found (on PostgreSQL), each pinned where it was fixed --------------------------------------


@pytest.mark.parametrize("form_class", ["portal", "admin"])
def test_a_username_longer_than_its_field_is_refused_by_the_sign_in_form_itself(form_class):
    from deregistration.admin import StaffLoginForm
    from deregistration.portal.forms import LoginForm

    form = (LoginForm if form_class == "portal" else StaffLoginForm)(
        data={"username": "7" * 300, "password": "x"}
    )
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["username"]] == ["max_length"]


def test_a_posted_value_that_cannot_be_an_iin_finds_nobody_without_a_query(django_assert_num_queries):
    from citizens.selectors import persons_by_iin

    with django_assert_num_queries(0):
        assert persons_by_iin(iins=["0612116000\x0012", "٠٦١٢١١٦٠٠٠١٢", "x" * 5000]) == {}
