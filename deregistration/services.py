"""The service layer: every change to a case goes through these functions, whichever door it came in by.

The portal's pages, the back-office (admin) and the API parse and present; the rules are applied here
(with the tables of ``rules.py``), and the database's constraints hold what can be held there.

Errors: ``django.core.exceptions.ValidationError`` with a ``{field: [error]}`` dict and stable codes for
bad input (400); ``errors.NotAllowed`` (403), ``errors.NotFound`` (404), ``errors.Conflict`` (409).
A service that raises leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from citizens import selectors as register
from citizens.audit import audit_log
from citizens.constants import IdentityDocumentType
from citizens.countries import is_country_code
from citizens.iin import iin_error
from citizens.models import Dwelling, Person
from citizens.services import registration_end, registrations_lock_active
from config.faults import fault_point

from . import eds, rules, selectors
from .constants import (
    SURRENDERED_ID_CARD,
    CaseType,
    Channel,
    ConsentDecision,
    ConsentGiven,
    CounterDecision,
    DocumentType,
    NotificationKind,
    RefusalGround,
    Role,
    SlipStatus,
    Status,
    SubjectOutcome,
)
from .errors import Conflict, NotAllowed, NotFound
from .models import (
    Application,
    ApplicationDocument,
    ApplicationSubject,
    Consent,
    Notification,
    UsedNonce,
)
from .notifications import notify
from .register_chain import registry_record_append
from .roles import role_of

logger = logging.getLogger(__name__)

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter


@dataclass(frozen=True)
class SubmitResult:
    application: Application
    created: bool


def _new_number(prefix: str, length: int = 6) -> str:
    day = timezone.localdate()
    return f"{prefix}-{day:%Y%m%d}-{''.join(secrets.choice(NUMBER_ALPHABET) for _ in range(length))}"


def _account_of(person: Person) -> Any:
    return person.account if person.account_id else None


def _history_user(instance: Any, actor: Any) -> None:
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None


def _invalid(errors: Mapping[str, list[ValidationError]]) -> ValidationError:
    return ValidationError({field: list(items) for field, items in errors.items()})


# --- Submission ---------------------------------------------------------------------------------------------


def _fingerprint(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValueError:
            return None
    return None


# Checked with their own messages in _parse_documents; the model's field checks (lengths) cover the rest.
DOCUMENT_FIELDS_CHECKED_ABOVE = (
    "type",
    "issued_on",
    "decided_on",
    "in_force_on",
    "holder_iin",
    "country",
    "document_type",
)
_MISSING = object()


def _text_field(
    item: Mapping[str, Any], name: str, where: str, errors: dict[str, list[ValidationError]], code: str
) -> str | None:
    """``item[name]`` as stripped text ("" when absent or null); None, with the error recorded, when not text."""
    value = item.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(f"{where}.{name}", []).append(ValidationError(_("Expected text."), code=code))
        return None
    return value.strip()


def _date_field(
    item: Mapping[str, Any],
    name: str,
    where: str,
    errors: dict[str, list[ValidationError]],
    code: str,
    *,
    issued: bool,
) -> Any:
    """``item[name]`` as a date; None when absent; ``_MISSING`` with the error recorded when malformed. An
    ``issued`` date (a document's) cannot lie in the future."""
    value = item.get(name)
    if value in (None, ""):
        return None
    parsed = _parse_date(value)
    if parsed is None:
        errors.setdefault(f"{where}.{name}", []).append(
            ValidationError(_("Expected a date as YYYY-MM-DD."), code=code)
        )
        return _MISSING
    if issued and parsed > timezone.localdate():
        errors.setdefault(f"{where}.{name}", []).append(
            ValidationError(_("A document cannot be issued in the future."), code=code)
        )
        return _MISSING
    return parsed


def _objects(
    raw: Sequence[Any], name: str, errors: dict[str, list[ValidationError]], code: str
) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """Each item of a list of objects with its place (``documents[2]``); an item that is no object is
    recorded as an error there and skipped."""
    for index, item in enumerate(raw):
        where = f"{name}[{index}]"
        if isinstance(item, Mapping):
            yield index, where, item
        else:
            errors.setdefault(where, []).append(ValidationError(_("Expected an object."), code=code))


def document_error(message: str, code: str, *, document: str, iin: str = "") -> ValidationError:
    """An error about a document, naming it in a form a program (an API client, a form) can read: its
    type in ``params["document"]`` and, for a per-person document, the holder's IIN in ``params["iin"]``.
    ``message`` is already worded; the params only add to it."""
    params = {"document": str(document)}
    if iin:
        params["iin"] = iin
    return ValidationError(message, code=code, params=params)


def _parse_documents(
    raw: Sequence[Any], errors: dict[str, list[ValidationError]]
) -> list[ApplicationDocument]:
    """Turn the documents as given into unsaved rows, recording what is malformed under ``documents[i].field``
    (each error naming the document: ``document_error``)."""
    documents = []
    for _index, where, item in _objects(raw, "documents", errors, rules.INVALID_DOCUMENT):
        doc_type = item.get("type")
        older_name = doc_type == SURRENDERED_ID_CARD  # an ID card, by the name clients used first
        if older_name:
            doc_type = DocumentType.SURRENDERED_IDENTITY_DOCUMENT
        if doc_type not in DocumentType.values:
            errors.setdefault(f"{where}.type", []).append(
                ValidationError(_("Unknown document type."), code=rules.INVALID_DOCUMENT)
            )
            continue
        found: dict[str, list[ValidationError]] = {}
        doc = _parse_document(item, where, doc_type, older_name, found)
        holder = doc.holder_iin if rules.DOCUMENT_SPECS[doc_type].per_subject else ""
        for key, problems in found.items():
            errors.setdefault(key, []).extend(
                document_error(p.messages[0], p.code or rules.INVALID_DOCUMENT, document=doc_type, iin=holder)
                for p in problems
            )
        documents.append(doc)
    return documents


def _parse_document(
    item: Mapping[str, Any],
    where: str,
    doc_type: str,
    older_name: bool,
    errors: dict[str, list[ValidationError]],
) -> ApplicationDocument:
    """One document's fields as an unsaved row; what is malformed goes to ``errors`` by field."""
    spec = rules.DOCUMENT_SPECS[doc_type]
    doc = ApplicationDocument(type=doc_type)
    if doc_type == DocumentType.SURRENDERED_IDENTITY_DOCUMENT:
        kind = item.get("document_type") or ""
        if older_name and kind in ("", IdentityDocumentType.ID_CARD):
            kind = IdentityDocumentType.ID_CARD
        elif older_name or kind not in ("", *IdentityDocumentType.values):
            errors.setdefault(f"{where}.document_type", []).append(
                ValidationError(
                    _(
                        "Give the kind of identity document handed over: id_card, residence_permit, "
                        "stateless_certificate or refugee_certificate (surrendered_id_card is an ID card)."
                    ),
                    code=rules.INVALID_DOCUMENT,
                )
            )
        doc.document_type = kind if kind in IdentityDocumentType.values else ""
    for name in ("number", "issued_by", "court", "case_number", "country"):
        text = _text_field(item, name, where, errors, rules.INVALID_DOCUMENT)
        if text is not None:
            setattr(doc, name, text)
    for name in ("issued_on", "decided_on", "in_force_on"):
        parsed = _date_field(item, name, where, errors, rules.INVALID_DOCUMENT, issued=name == "issued_on")
        if parsed is not None and parsed is not _MISSING:
            setattr(doc, name, parsed)
    holder = item.get("iin", item.get("holder_iin", ""))
    if holder:
        if iin_error(holder) is not None:
            errors.setdefault(f"{where}.iin", []).append(
                ValidationError(_("This IIN is not valid."), code=rules.INVALID_DOCUMENT)
            )
        else:
            doc.holder_iin = holder
    if doc.country and not is_country_code(doc.country):
        errors.setdefault(f"{where}.country", []).append(
            ValidationError(
                _("Give the country as an ISO 3166-1 alpha-3 code, e.g. DEU."),
                code=rules.INVALID_DOCUMENT,
            )
        )
    for name in spec.required:
        if not getattr(doc, name) and not any(k.startswith(f"{where}.{name}") for k in errors):
            errors.setdefault(f"{where}.{name}", []).append(
                ValidationError(
                    _("%(document)s: this field is required.") % {"document": DocumentType(doc_type).label},
                    code=rules.INVALID_DOCUMENT,
                )
            )
    try:
        doc.clean_fields(exclude=["application", *DOCUMENT_FIELDS_CHECKED_ABOVE])
    except ValidationError as exc:
        for name, problems in exc.error_dict.items():
            if f"{where}.{name}" in errors:
                continue  # already named above ("this field is required"): one message a field
            errors.setdefault(f"{where}.{name}", []).extend(
                ValidationError(p.messages[0], code=rules.INVALID_DOCUMENT) for p in problems
            )
    return doc


@dataclass
class CounterConsent:
    """A co-owner's answer recorded at the counter: ``consents[index]`` of the submission."""

    index: int
    co_owner_iin: str
    decision: str
    row: Consent  # unsaved: the identity document and the notarised consent, as given


# The parts of a counter consent and the Consent fields they fill.
COUNTER_IDENTITY_FIELDS = {
    "type": "identity_document_type",
    "number": "identity_document_number",
    "issued_on": "identity_document_issued_on",
    "issued_by": "identity_document_issued_by",
}
COUNTER_NOTARISED_FIELDS = {
    "number": "notarised_number",
    "issued_on": "notarised_on",
    "issued_by": "notarised_by",
}


def _parse_counter_part(
    item: Any,
    where: str,
    fields: Mapping[str, str],
    row: Consent,
    errors: dict[str, list[ValidationError]],
    *,
    required_message: str,
) -> None:
    """One part of a counter consent (``identity_document`` or ``notarised``): every field is required."""
    if not isinstance(item, Mapping):
        errors.setdefault(where, []).append(ValidationError(required_message, code=rules.INVALID_CONSENT))
        return
    for name, attribute in fields.items():
        if name == "type":
            value = item.get("type")
            if value not in IdentityDocumentType.values:
                errors.setdefault(f"{where}.type", []).append(
                    ValidationError(_("Choose the kind of identity document."), code=rules.INVALID_CONSENT)
                )
            else:
                setattr(row, attribute, value)
            continue
        if name == "issued_on":
            value = _date_field(item, name, where, errors, rules.INVALID_CONSENT, issued=True)
        else:
            value = _text_field(item, name, where, errors, rules.INVALID_CONSENT)
        if value is _MISSING or (value is None and f"{where}.{name}" in errors):
            continue
        if not value:
            errors.setdefault(f"{where}.{name}", []).append(
                ValidationError(_("This field is required."), code=rules.INVALID_CONSENT)
            )
            continue
        setattr(row, attribute, value)


def _parse_counter_consents(raw: Any, errors: dict[str, list[ValidationError]]) -> list[CounterConsent]:
    """The co-owners' answers given at the counter, as unsaved rows; what is malformed is recorded under
    ``consents[i].field`` (``consents[0].identity_document.number``, ``consents[1].notarised.issued_on``)."""
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        errors.setdefault("consents", []).append(
            ValidationError(_("Expected a list of consents."), code=rules.INVALID_CONSENT)
        )
        return []
    parsed: list[CounterConsent] = []
    seen: set[str] = set()
    for index, where, item in _objects(raw, "consents", errors, rules.INVALID_CONSENT):
        iin = item.get("co_owner_iin")
        if (problem := iin_error(iin)) is not None:
            errors.setdefault(f"{where}.co_owner_iin", []).append(problem)
        elif iin in seen:
            errors.setdefault(f"{where}.co_owner_iin", []).append(
                ValidationError(_("This co-owner's consent is given twice."), code=rules.DUPLICATE_CONSENT)
            )
        else:
            seen.add(iin)
        decision = item.get("decision")
        if decision not in CounterDecision.values:
            errors.setdefault(f"{where}.decision", []).append(
                ValidationError(
                    _("Record whether the co-owner approves or declines."), code=rules.INVALID_CONSENT
                )
            )
        row = Consent(given=ConsentGiven.COUNTER)
        _parse_counter_part(
            item.get("identity_document"),
            f"{where}.identity_document",
            COUNTER_IDENTITY_FIELDS,
            row,
            errors,
            required_message=_("Give the co-owner's identity document."),
        )
        if item.get("notarised") is not None:
            _parse_counter_part(
                item["notarised"],
                f"{where}.notarised",
                COUNTER_NOTARISED_FIELDS,
                row,
                errors,
                required_message=_("Give the notarised consent's number, date and notary, or null."),
            )
        try:
            row.clean_fields(
                exclude=["application", "co_owner", "expires_at", "decision", "recorded_by", "given"]
            )
        except ValidationError as exc:
            for name, problems in exc.error_dict.items():
                key = next(
                    (
                        f"{where}.{part}.{given}"
                        for part, fields in (
                            ("identity_document", COUNTER_IDENTITY_FIELDS),
                            ("notarised", COUNTER_NOTARISED_FIELDS),
                        )
                        for given, attribute in fields.items()
                        if attribute == name
                    ),
                    f"{where}.{name}",
                )
                if key not in errors:
                    errors[key] = [
                        ValidationError(p.messages[0], code=rules.INVALID_CONSENT) for p in problems
                    ]
        parsed.append(CounterConsent(index=index, co_owner_iin=iin, decision=decision, row=row))
    return parsed


def _counter_consents_expected(
    *, consents: Any, case_type: str, channel: str, errors: dict[str, list[ValidationError]]
) -> bool:
    """Counter consents come only with a walk-in owner's application (a check that needs no register)."""
    if not consents or (channel != Channel.PORTAL and case_type == CaseType.OWNER_APPLICATION):
        return True
    errors.setdefault("consents", []).append(
        ValidationError(
            _(
                "Co-owners' consents are recorded at the counter, and only with an owner's application; "
                "on the portal each co-owner answers in their own cabinet."
            ),
            code=rules.CONSENT_NOT_EXPECTED,
        )
    )
    return False


def _check_counter_consents(
    *, consents: list[CounterConsent], co_owners: list[Person], errors: dict[str, list[ValidationError]]
) -> None:
    """Each counter consent is a co-owner's, besides the applicant; a co-owner who declines at the counter
    stops the application before anything is stored (docs/service.md, "Refusal": a rule broken at submission is a 400;
    status ``rejected`` comes only from a decision after submission)."""
    co_owner_iins = {p.iin for p in co_owners}
    for consent in consents:
        where = f"consents[{consent.index}]"
        if consent.co_owner_iin not in co_owner_iins:
            errors.setdefault(f"{where}.co_owner_iin", []).append(
                ValidationError(
                    _("The person with IIN %(iin)s is not a co-owner of this dwelling besides the applicant.")
                    % {"iin": consent.co_owner_iin},
                    code=rules.NOT_CO_OWNER,
                )
            )
        elif consent.decision == CounterDecision.DECLINE:
            errors.setdefault(f"{where}.decision", []).append(
                ValidationError(
                    _(
                        "A co-owner of the dwelling declines the application: it cannot be accepted "
                        "(Law on Public Services, art. 19, 2)."
                    ),
                    code=rules.CO_OWNER_DECLINED,
                )
            )


def _check_documents(
    *,
    case_type: str,
    documents: list[ApplicationDocument],
    subjects: list[Person],
    today: dt.date,
    errors: dict[str, list[ValidationError]],
) -> None:
    """The case's checklist: each document it asks for, once, with the per-subject ones held by the right person."""
    subject_ages = {p.iin: p.age_on(today) for p in subjects}
    holds = {p.iin: rules.IDENTITY_DOCUMENT_OF_CATEGORY[p.category] for p in subjects}
    only_subject = subjects[0].iin if len(subjects) == 1 else ""
    for doc in documents:
        if rules.DOCUMENT_SPECS[doc.type].per_subject and not doc.holder_iin and only_subject:
            doc.holder_iin = only_subject  # one subject: the document can only be theirs
    for index, doc in enumerate(documents):
        if not rules.DOCUMENT_SPECS[doc.type].per_subject or doc.holder_iin not in subject_ages:
            continue
        expected = rules.subject_document_type(case_type=case_type, age=subject_ages[doc.holder_iin])
        if expected != doc.type:
            errors.setdefault(f"documents[{index}].type", []).append(
                document_error(
                    _("%(document)s does not fit this person's age.")
                    % {"document": DocumentType(doc.type).label},
                    rules.INVALID_DOCUMENT,
                    document=doc.type,
                    iin=doc.holder_iin,
                )
            )
        elif doc.document_type and doc.document_type != holds[doc.holder_iin]:
            errors.setdefault(f"documents[{index}].document_type", []).append(
                document_error(
                    _(
                        "The person with IIN %(iin)s hands over the identity document of their category: "
                        "%(document)s."
                    )
                    % {"iin": doc.holder_iin, "document": holds[doc.holder_iin].label},
                    rules.INVALID_DOCUMENT,
                    document=doc.type,
                    iin=doc.holder_iin,
                )
            )
    present = {
        (doc.type, doc.holder_iin if rules.DOCUMENT_SPECS[doc.type].per_subject else "") for doc in documents
    }
    for doc_type, holder in rules.required_documents(case_type=case_type, subject_ages=subject_ages):
        if (doc_type, holder) not in present:
            name = rules.document_name(doc_type, identity_document=holds.get(holder, ""))
            message = (
                _("Missing document: %(document)s for the person with IIN %(iin)s.")
                % {"document": name, "iin": holder}
                if holder
                else _("Missing document: %(document)s.") % {"document": name}
            )
            errors.setdefault("documents", []).append(
                document_error(message, rules.MISSING_DOCUMENT, document=doc_type, iin=holder)
            )
    if case_type == CaseType.COURT_DECISION:
        for index, doc in enumerate(documents):
            if doc.type == DocumentType.COURT_DECISION and doc.decided_on and doc.in_force_on:
                problem = rules.court_decision_problem(
                    decided_on=doc.decided_on, in_force_on=doc.in_force_on, today=today
                )
                if problem:
                    errors.setdefault(f"documents[{index}].in_force_on", []).append(
                        document_error(problem, rules.COURT_DECISION_NOT_IN_FORCE, document=doc.type)
                    )


def _check_input(
    *,
    case_type: str,
    channel: str,
    address_code: Any,
    applicant_iin: Any,
    subjects: Any,
    errors: dict[str, list[ValidationError]],
) -> list[str]:
    """The shape of the input and the rules that need no register data (checked before any look-up, so that
    a refusal here tells nothing about anyone). Returns the subjects' IINs as a list."""
    if case_type not in CaseType.values:
        errors["case_type"] = [ValidationError(_("Unknown kind of case."), code=rules.INVALID_INPUT)]
    elif refusal := rules.portal_case_refusal(case_type=case_type, channel=channel):
        errors["channel"] = [ValidationError(refusal, code=rules.CHANNEL_NOT_ALLOWED)]
    if (problem := iin_error(applicant_iin)) is not None:
        errors["applicant_iin"] = [problem]
    if not isinstance(address_code, str) or not address_code:
        errors["address_code"] = [ValidationError(_("Enter the address registration code."), code="required")]
    if not isinstance(subjects, list | tuple) or not subjects:
        errors["subjects"] = [
            ValidationError(_("Name at least one person to deregister."), code=rules.NO_SUBJECTS)
        ]
        return []
    subjects = list(subjects)
    for index, iin in enumerate(subjects):
        if (problem := iin_error(iin)) is not None:
            errors[f"subjects[{index}]"] = [problem]
        elif iin in subjects[:index]:
            errors[f"subjects[{index}]"] = [
                ValidationError(_("This person is named twice."), code=rules.DUPLICATE_SUBJECT)
            ]
        elif iin == applicant_iin and case_type != CaseType.EMIGRATION:
            errors[f"subjects[{index}]"] = [
                ValidationError(
                    _("The applicant cannot ask to deregister themselves by this procedure."),
                    code=rules.APPLICANT_IS_SUBJECT,
                )
            ]
    if case_type == CaseType.EMIGRATION and "applicant_iin" not in errors and applicant_iin not in subjects:
        errors.setdefault("subjects", []).append(
            ValidationError(
                _(
                    "On leaving the country the applicant is the person leaving: name them among the persons to "
                    "deregister, with their children under 16 who leave with them."
                ),
                code=rules.APPLICANT_NOT_LEAVING,
            )
        )
    return subjects


def _look_up(
    *,
    case_type: str,
    applicant_iin: str,
    address_code: str,
    subjects: list[str],
    masked: bool,
    known_applicant: Person | None = None,
) -> tuple[Person, Dwelling, dict[str, Person], list[Person]]:
    """The applicant, the dwelling, the named persons and the dwelling's current owners from the register
    (ValidationError otherwise). ``known_applicant``: the citizen's own person, already loaded with the account.

    ``masked`` (a citizen): one answer for an address code nobody has and for a dwelling the citizen does not
    own, given before anything about the persons named; an IIN nobody holds is left for ``_check_case`` to
    answer "not registered here", as for anyone registered elsewhere. Staff are told exactly what is unknown.
    """
    if known_applicant is not None and known_applicant.iin == applicant_iin:
        applicant: Person | None = known_applicant
    else:
        applicant = register.person_get(iin=applicant_iin)
    dwelling = register.dwelling_get(address_code=address_code)
    owner_required = case_type in rules.OWNER_CASE_TYPES
    # One read of the current owners answers both "does the applicant own it" and "who must consent".
    owners = (
        register.dwelling_current_owners(dwelling=dwelling)
        if dwelling is not None
        and applicant is not None
        and (owner_required or case_type == CaseType.OWNER_APPLICATION)
        else []
    )
    owns = applicant is not None and any(owner.pk == applicant.pk for owner in owners)
    if masked:
        if applicant is None or dwelling is None or (owner_required and not owns):
            raise _invalid(
                {
                    "address_code": [
                        ValidationError(
                            _("You do not own a dwelling with this address code."), code=rules.NOT_OWNER
                        )
                    ]
                }
            )
        return applicant, dwelling, register.persons_by_iin(iins=subjects), owners
    errors: dict[str, list[ValidationError]] = {}
    persons = register.persons_by_iin(iins=subjects)
    if applicant is None:
        errors["applicant_iin"] = [
            ValidationError(_("No person with this IIN in the register."), code=rules.UNKNOWN_PERSON)
        ]
    if dwelling is None:
        errors["address_code"] = [
            ValidationError(_("No dwelling with this address code."), code=rules.UNKNOWN_DWELLING)
        ]
    for index, iin in enumerate(subjects):
        if iin not in persons:
            errors[f"subjects[{index}]"] = [
                ValidationError(
                    _("No person with IIN %(iin)s in the register.") % {"iin": iin}, code=rules.UNKNOWN_PERSON
                )
            ]
    if errors:
        raise _invalid(errors)
    if owner_required and not owns:
        raise _invalid(
            {
                "applicant_iin": [
                    ValidationError(_("The applicant does not own this dwelling."), code=rules.NOT_OWNER)
                ]
            }
        )
    return applicant, dwelling, persons, owners


def not_registered_here(iin: str) -> ValidationError:
    """The one answer for a person who cannot be named at this address: registered elsewhere, registered here
    only temporarily, unknown to the register (a citizen is never told which)."""
    return ValidationError(
        _(
            "The person with IIN %(iin)s has no permanent registration (registration at the place of residence) "
            "at this address."
        )
        % {"iin": iin},
        code=rules.NOT_REGISTERED_HERE,
    )


def _check_case(
    *,
    case_type: str,
    applicant: Person,
    dwelling: Dwelling,
    subjects: list[str],
    persons: dict[str, Person],
    today: dt.date,
    errors: dict[str, list[ValidationError]],
) -> dict[str, Any]:
    """The rules of each kind of case that need the register; returns the active permanent registration of
    each subject registered here (an IIN the register does not hold is "not registered here")."""
    if case_type == CaseType.EMIGRATION and rules.emigration_leaver_problem(
        applicant_age=applicant.age_on(today)
    ):
        errors.setdefault("applicant_iin", []).append(
            ValidationError(
                _(
                    "A child under 16 leaves the country with an adult who is leaving too and is registered at "
                    "the same address; that adult applies for both."
                ),
                code=rules.CHILD_WITHOUT_ADULT,
            )
        )
    registrations = {}
    for index, iin in enumerate(subjects):
        field = f"subjects[{index}]"
        person = persons.get(iin)
        if (
            person is not None
            and case_type == CaseType.EMIGRATION
            and person.pk != applicant.pk
            and person.age_on(today) >= rules.CHILD_AGE_LIMIT
        ):
            errors.setdefault(field, []).append(
                ValidationError(
                    _(
                        "Only the person leaving, and their children under 16, can be deregistered on leaving the country; "
                        "the person with IIN %(iin)s must apply themselves."
                    )
                    % {"iin": person.iin},
                    code=rules.NOT_LEAVING_PERSON,
                )
            )
            continue
        registration = (
            register.active_registration(person=person, dwelling=dwelling, kind=rules.ENDED_REGISTRATION_KIND)
            if person is not None
            else None
        )
        if registration is None:
            errors.setdefault(field, []).append(not_registered_here(iin))
            continue
        registrations[iin] = registration
    return registrations


def _check_portal_subjects(
    *,
    applicant: Person,
    subjects: list[Person],
    registrations: dict[str, Any],
    errors: dict[str, list[ValidationError]],
) -> None:
    """The portal names only the residents ``rules.portal_resident_refusal`` lets it: the form and the list
    of residents ask the same function, so what they offer is what is accepted here."""
    open_cases = selectors.open_cases_by_registration(registration_ids=[r.pk for r in registrations.values()])
    for index, person in enumerate(subjects):
        registration = registrations.get(person.iin)
        if registration is None:
            continue  # already refused above
        refusal = rules.portal_resident_refusal(
            category=person.category,
            is_applicant=person.pk == applicant.pk,
            kind=registration.kind,
            open_case_number=open_cases.get(registration.pk, ""),
        )
        if refusal is not None:
            errors.setdefault(f"subjects[{index}]", []).append(
                ValidationError(refusal.message, code=refusal.code)
            )


def _verified_signature(
    *,
    field: str,
    document: str | bytes | None,
    missing: str,
    verify: Callable[[str | bytes], Any],
    check: Callable[[Any], None],
) -> Any:
    """A signed request or consent, verified (signature, certificate, clock) and matched against what the
    call says; a 400 naming ``field`` with the EDS error's own code otherwise, and a Conflict for a replay
    (the nonce's unique index still decides a race)."""
    if not document:
        raise _invalid({field: [ValidationError(missing, code=rules.SIGNATURE_REQUIRED)]})
    try:
        signed = verify(document)
        check(signed)
    except eds.EDSError as exc:
        raise _invalid({field: [ValidationError(exc.message, code=exc.code)]}) from exc
    if UsedNonce.objects.filter(nonce=signed.nonce).exists():
        raise Conflict(eds.NONCE_REPLAYED, _("This signed document has already been used."), field=field)
    return signed


def application_submit(
    *,
    actor: Any,
    case_type: str,
    channel: str,
    address_code: str,
    applicant_iin: str,
    subjects: Sequence[str],
    documents: Sequence[Mapping[str, Any]] = (),
    signed_request: str | bytes | None = None,
    issue_slip: bool = False,
    consents: Sequence[Mapping[str, Any]] | None = None,
    idempotency_key: str = "",
) -> SubmitResult:
    """Submit a case: check it against every rule of the passport, store it, and start its term.

    Actor: a citizen (the portal: an owner's application signed with their EDS), an operator (citizens'
    walk-in cases) or a migration officer (foreigners, stateless persons, refugees).
    A portal case that passes every check and needs no co-owner's consent is completed at once.
    The same ``idempotency_key`` with the same input returns the first application (``created`` False);
    with other input it is a Conflict.

    ``consents`` (walk-in owner's application on a co-owned dwelling): the co-owners' answers given at the
    counter, each ``{"co_owner_iin", "decision": "approve"|"decline", "identity_document": {"type", "number",
    "issued_on", "issued_by"}, "notarised": {"number", "issued_on", "issued_by"} or None}``. When every
    co-owner approved there, the case is submitted at once (its term starts); co-owners not named answer
    in their cabinets as on the portal. A decline at the counter is a 400 ``co_owner_declined``.
    """
    payload = {
        "case_type": case_type,
        "channel": channel,
        "address_code": address_code,
        "applicant_iin": applicant_iin,
        "subjects": list(subjects) if isinstance(subjects, list | tuple) else subjects,
        "documents": list(documents) if isinstance(documents, list | tuple) else documents,
        "signed_request": signed_request.decode() if isinstance(signed_request, bytes) else signed_request,
        "issue_slip": bool(issue_slip),
    }
    if consents:
        payload["consents"] = list(consents) if isinstance(consents, list | tuple) else consents
    fingerprint = _fingerprint(payload)
    if idempotency_key:
        existing = _idempotent_replay(actor=actor, key=idempotency_key, fingerprint=fingerprint)
        if existing is not None:
            return SubmitResult(existing, created=False)

    if channel not in Channel.values:
        raise _invalid({"channel": [ValidationError(_("Unknown channel."), code=rules.INVALID_INPUT)]})
    role = role_of(actor)
    if role is None or channel not in {c.value for c in rules.ROLE_SUBMIT_CHANNELS[role]}:
        if role == Role.CITIZEN:
            raise _invalid(
                {
                    "channel": [
                        ValidationError(
                            _("On the portal a citizen applies only through the portal's own channel."),
                            code=rules.CHANNEL_NOT_ALLOWED,
                        )
                    ]
                }
            )
        raise NotAllowed(
            rules.ROLE_NOT_ALLOWED,
            _("Your role does not allow you to submit cases in this channel."),
            field="channel",
        )

    # 1. The input itself, and every rule that needs no register data.
    errors: dict[str, list[ValidationError]] = {}
    subjects = _check_input(
        case_type=case_type,
        channel=channel,
        address_code=address_code,
        applicant_iin=applicant_iin,
        subjects=subjects,
        errors=errors,
    )
    if not isinstance(documents, list | tuple):
        errors["documents"] = [ValidationError(_("Expected a list of documents."), code=rules.INVALID_INPUT)]
        documents = []
    parsed_documents = _parse_documents(documents, errors) if channel != Channel.PORTAL else []
    counter_consents = (
        _parse_counter_consents(consents, errors)
        if _counter_consents_expected(consents=consents, case_type=case_type, channel=channel, errors=errors)
        else []
    )
    if errors:
        raise _invalid(errors)
    if role == Role.CITIZEN and actor.person.iin != applicant_iin:
        raise NotAllowed(
            rules.NOT_YOUR_APPLICATION, _("You can apply only in your own name."), field="applicant_iin"
        )

    # 2. The signature, before the register is read: an unsigned or forged request learns nothing about anyone.
    signed = None
    if channel == Channel.PORTAL:
        signed = _verified_signature(
            field="signed_request",
            document=signed_request,
            missing=_("Sign the request with your EDS."),
            verify=eds.verify_signed_request,
            check=lambda signed: eds.check_request_matches(
                signed, applicant_iin=applicant_iin, address_code=address_code, subjects=subjects
            ),
        )

    # 3. The register: who and where. A citizen learns only what concerns a dwelling they own.
    masked = role == Role.CITIZEN
    applicant, dwelling, persons, owners = _look_up(
        case_type=case_type,
        applicant_iin=applicant_iin,
        address_code=address_code,
        subjects=subjects,
        masked=masked,
        known_applicant=actor.person if role == Role.CITIZEN else None,
    )

    # 4. The rules of the case: who is registered here, the channel for these people, (walk-in) the documents.
    today = timezone.localdate()
    registrations = _check_case(
        case_type=case_type,
        applicant=applicant,
        dwelling=dwelling,
        subjects=subjects,
        persons=persons,
        today=today,
        errors=errors,
    )
    # A citizen's channel is judged on the people registered at their own dwelling only: the category of
    # someone registered elsewhere is none of their business (they are "not registered here").
    known = [persons[iin] for iin in subjects if iin in persons and (iin in registrations or not masked)]
    refusal = rules.channel_refusal(
        case_type=case_type, channel=channel, categories=[applicant.category, *(p.category for p in known)]
    )
    if refusal:
        raise _invalid({"channel": [ValidationError(refusal, code=rules.CHANNEL_NOT_ALLOWED)]})
    if errors:
        raise _invalid(errors)
    subject_persons = [persons[iin] for iin in subjects]
    if channel == Channel.PORTAL:
        _check_portal_subjects(
            applicant=applicant, subjects=subject_persons, registrations=registrations, errors=errors
        )
    else:
        _check_documents(
            case_type=case_type,
            documents=parsed_documents,
            subjects=subject_persons,
            today=today,
            errors=errors,
        )
    co_owners = []
    if case_type == CaseType.OWNER_APPLICATION:
        co_owners = [p for p in owners if p.pk != applicant.pk]
    _check_counter_consents(consents=counter_consents, co_owners=co_owners, errors=errors)
    if errors:
        raise _invalid(errors)

    try:
        application = _store_application(
            actor=actor,
            case_type=case_type,
            channel=channel,
            applicant=applicant,
            dwelling=dwelling,
            subjects=subject_persons,
            registrations=registrations,
            documents=parsed_documents,
            co_owners=co_owners,
            counter_consents=counter_consents,
            signed=signed,
            signed_request=payload["signed_request"] or "",
            issue_slip=issue_slip,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
        )
    except IntegrityError as exc:
        # Two submissions raced: the same idempotency key (the first one wins and is returned) or the same nonce.
        if idempotency_key:
            existing = _idempotent_replay(actor=actor, key=idempotency_key, fingerprint=fingerprint)
            if existing is not None:
                return SubmitResult(existing, created=False)
        raise Conflict(
            eds.NONCE_REPLAYED, _("This signed request has already been used."), field="signed_request"
        ) from exc

    if application.channel == Channel.PORTAL and application.status == Status.SUBMITTED:
        application = _complete_automatically(application)
    return SubmitResult(application, created=True)


def _idempotent_replay(*, actor: Any, key: str, fingerprint: str) -> Application | None:
    existing = Application.objects.filter(submitted_by=actor, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise Conflict(
            rules.IDEMPOTENCY_KEY_REUSED,
            _("This idempotency key was used for a different request."),
            field="Idempotency-Key",
        )
    return existing


@transaction.atomic
def _store_application(
    *,
    actor: Any,
    case_type: str,
    channel: str,
    applicant: Person,
    dwelling: Dwelling,
    subjects: list[Person],
    registrations: dict[str, Any],
    documents: list[ApplicationDocument],
    co_owners: list[Person],
    counter_consents: list[CounterConsent],
    signed: Any,
    signed_request: str,
    issue_slip: bool,
    idempotency_key: str,
    fingerprint: str,
) -> Application:
    now = timezone.now()
    if signed is not None:
        # A replayed nonce breaks the unique index: the IntegrityError leaves this transaction whole (the caller
        # answers 409), so no savepoint of its own is needed.
        UsedNonce.objects.create(nonce=signed.nonce, signer_iin=signed.signer_iin)
    at_counter = {c.co_owner_iin: c for c in counter_consents}  # every one an approval: a decline is a 400
    waiting = [p for p in co_owners if p.iin not in at_counter]
    window = timedelta(minutes=settings.CONSENT_WINDOW_MINUTES)
    application = Application(
        number=_new_number("DR"),
        case_type=case_type,
        channel=channel,
        status=Status.AWAITING_CONSENT if waiting else Status.SUBMITTED,
        applicant=applicant,
        dwelling=dwelling,
        issue_slip=rules.slip_is_issued(case_type=case_type, requested=bool(issue_slip)),
        submitted_by=actor,
        submitted_at=now,
        consent_expires_at=now + window if waiting else None,
        deadline_at=None if waiting else now + timedelta(minutes=settings.SERVICE_TERM_MINUTES),
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        signed_request=signed_request,
    )
    _history_user(application, actor)
    application.save()
    for position, person in enumerate(subjects):
        ApplicationSubject.objects.create(
            application=application, person=person, registration=registrations[person.iin], position=position
        )
    for doc in documents:
        doc.application = application
    ApplicationDocument.objects.bulk_create(documents)
    for co_owner in co_owners:
        counter = at_counter.get(co_owner.iin)
        if counter is None:
            continue
        consent = counter.row
        consent.application = application
        consent.co_owner = co_owner
        consent.decision = ConsentDecision.APPROVED
        consent.decided_at = now
        consent.expires_at = now
        consent.recorded_by = actor
        _history_user(consent, actor)
        consent.save()
        audit_log(
            actor=actor,
            action="consent.approved",
            target=consent,
            given=ConsentGiven.COUNTER,
            notarised=bool(consent.notarised_number),
        )
    if waiting:
        params = {
            "application": application,
            "number": application.number,
            "address": dwelling.address_line(),
            "expires": _local(application.consent_expires_at),
        }
        for co_owner in waiting:
            Consent.objects.create(
                application=application, co_owner=co_owner, expires_at=application.consent_expires_at
            )
            notify(recipient=_account_of(co_owner), kind=NotificationKind.CONSENT_REQUESTED, **params)
        notify(recipient=_account_of(applicant), kind=NotificationKind.AWAITING_CONSENT, **params)
    audit_log(
        actor=actor, action="application.submit", target=application, channel=channel, case_type=case_type
    )
    return application


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- Completion ---------------------------------------------------------------------------------------------


def check_can_act(actor: Any, application: Application) -> None:
    """Staff act only on the channels of their role; ``None`` is the service itself (the portal's automation)."""
    if actor is None:
        return
    role = role_of(actor)
    if (
        role is None
        or application.channel not in {c.value for c in rules.ROLE_CHANNELS[role]}
        or role == Role.CITIZEN
    ):
        raise NotAllowed(rules.ROLE_NOT_ALLOWED, _("Your role does not allow you to act on this case."))


def _basis(application: Application) -> str:
    """The legal basis document, on one line, for the register."""
    # A portal case carries no documents (its basis is the signed request): no query for them.
    documents = (
        {} if application.channel == Channel.PORTAL else {d.type: d for d in application.documents.all()}
    )
    if application.case_type == CaseType.EMIGRATION and (
        cert := documents.get(DocumentType.POLICE_EMIGRATION_CERTIFICATE)
    ):
        return (
            f"Police certificate No. {cert.number} of {cert.issued_on:%Y-%m-%d} ({cert.issued_by}), "
            f"permission to leave for permanent residence in {cert.country}"
        )
    if application.case_type == CaseType.COURT_DECISION and (
        decision := documents.get(DocumentType.COURT_DECISION)
    ):
        return (
            f"Decision of {decision.court} of {decision.decided_on:%Y-%m-%d}, case No. {decision.case_number}, "
            f"in force since {decision.in_force_on:%Y-%m-%d}"
        )
    owner = application.applicant
    via = (
        "signed with EDS on the portal"
        if application.channel == Channel.PORTAL
        else "at the State Corporation"
    )
    return f"Owner's application No. {application.number} by {owner.full_name} (IIN {owner.iin}), {via}"


def application_complete(*, actor: Any, application: Application) -> Application:
    """Deregister every subject of a submitted case: end each registration, write its ХҚТ ТП АЖ record, tell the
    applicant (and each deregistered person with a portal account), all in one transaction.

    Actor: staff whose role serves the case's channel, or None for the portal's automatic completion.
    Conflict (409) when the case is not open for completion or a subject was deregistered meanwhile: two
    operators on one case, or two cases naming one person, give exactly one deregistration.
    """
    lapse_if_due(application)
    check_can_act(actor, application)
    try:
        with transaction.atomic():
            application = _complete_locked(actor=actor, application_id=application.pk)
    except IntegrityError as exc:
        # The register's unique index caught a race the locks could not (SQLite has no row locks).
        raise Conflict(
            rules.ALREADY_DEREGISTERED, _("A person of this case has already been deregistered.")
        ) from exc
    _issue_slips(actor=actor, application=application)
    return application


def _complete_locked(*, actor: Any, application_id: int) -> Application:
    application = (
        Application.objects.select_for_update(of=("self", "applicant", "dwelling"))
        .select_related("applicant__account", "dwelling")
        .get(pk=application_id)
    )
    if application.status == Status.COMPLETED:
        raise Conflict(rules.ALREADY_COMPLETED, _("This case has already been completed."))
    if application.status == Status.REJECTED:
        raise Conflict(rules.ALREADY_REJECTED, _("This case has been refused and cannot be completed."))
    if application.status == Status.AWAITING_CONSENT:
        raise Conflict(rules.AWAITING_CONSENT, _("This case is waiting for the co-owners' consent."))
    subjects = list(application.subjects.select_related("person").order_by("position"))
    locked = registrations_lock_active(registration_ids=[s.registration_id for s in subjects])
    for subject in subjects:
        if locked[subject.registration_id].ended_on is not None:
            raise Conflict(
                rules.ALREADY_DEREGISTERED,
                _("The person with IIN %(iin)s has already been deregistered from this address.")
                % {"iin": subject.person.iin},
            )
    now = timezone.now()
    today = timezone.localdate(now)
    dwelling = application.dwelling
    reason = rules.END_REASON_FOR_CASE[application.case_type]
    basis = _basis(application)
    operator = actor.get_username() if actor is not None else ""
    address = dwelling.address_line()
    for subject in subjects:
        registration = registration_end(
            registration=locked[subject.registration_id],
            ended_on=today,
            reason=reason,
            application_number=application.number,
        )
        person = subject.person
        record = registry_record_append(
            iin=person.iin,
            last_name=person.last_name,
            first_name=person.first_name,
            patronymic=person.patronymic,
            address_code=dwelling.address_code,
            kato=dwelling.kato,
            address=address,
            case_type=application.case_type,
            reason=reason,
            basis=basis,
            application_number=application.number,
            registration_id=registration.pk,
            registered_on=registration.registered_on,
            effective_date=registration.ended_on,
            channel=application.channel,
            operator=operator,
        )
        fault_point("register_written")  # the fault tests' kill point; inert outside config.settings.faults
        subject.outcome = SubjectOutcome.DEREGISTERED
        subject.registry_record = record
        subject.slip_status = SlipStatus.PENDING if application.issue_slip else SlipStatus.NOT_REQUESTED
        _history_user(subject, actor)
        subject.save(update_fields=["outcome", "registry_record", "slip_status"])
    application.status = Status.COMPLETED
    application.completed_at = now
    application.decided_at = now
    application.processed_by = actor
    _history_user(application, actor)
    application.save(update_fields=["status", "completed_at", "decided_at", "processed_by"])

    names = ", ".join(s.person.full_name for s in subjects)
    notify(
        recipient=_account_of(application.applicant),
        kind=NotificationKind.APPLICATION_COMPLETED,
        application=application,
        number=application.number,
        address=address,
        names=names,
        case_type=application.case_type,
    )
    for subject in subjects:
        if subject.person_id != application.applicant_id:
            notify(
                recipient=_account_of(subject.person),
                kind=NotificationKind.YOU_WERE_DEREGISTERED,
                application=application,
                number=application.number,
                address=address,
                date=today.isoformat(),
            )
    audit_log(actor=actor, action="application.complete", target=application, subjects=len(subjects))
    return application


def _complete_automatically(application: Application) -> Application:
    """The portal's own completion of a case that passed every check: no operator. If the register changed
    under it meanwhile (another case deregistered a subject first), the case is refused with that reason."""
    try:
        return application_complete(actor=None, application=application)
    except Conflict as conflict:
        if conflict.code != rules.ALREADY_DEREGISTERED:
            raise
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if locked.is_open:
                _reject_locked(
                    application=locked,
                    actor=None,
                    ground=RefusalGround.REQUIREMENTS_NOT_MET,
                    reason_code=rules.NOT_REGISTERED_HERE,
                    comment=conflict.message,
                )
        application.refresh_from_db()
        return application


def _issue_slips(*, actor: Any, application: Application) -> None:
    """Have the departure slips the case calls for made (its subjects whose slip is ``pending``): by a task
    worker after the commit when a broker is configured, else here. A failure never undoes the
    deregistration: the subject's ``slip_status`` says ``failed`` and staff issue it again (``slip_issue``)."""
    if application.status != Status.COMPLETED or not application.issue_slip:
        return
    from .slips import slips_issue_later  # the PDF machinery loads only when a slip is issued

    pending = application.subjects.filter(slip_status=SlipStatus.PENDING).values_list("pk", flat=True)
    slips_issue_later(actor=actor, subject_ids=list(pending))


# --- Rejection ----------------------------------------------------------------------------------------------


def _reject_locked(
    *, application: Application, actor: Any, ground: str, reason_code: str, comment: str
) -> None:
    now = timezone.now()
    application.status = Status.REJECTED
    application.rejection_ground = ground
    application.rejection_reason_code = reason_code
    application.rejection_comment = comment
    application.decided_at = now
    application.processed_by = actor
    _history_user(application, actor)
    application.save(
        update_fields=[
            "status",
            "rejection_ground",
            "rejection_reason_code",
            "rejection_comment",
            "decided_at",
            "processed_by",
        ]
    )
    for subject in application.subjects.all():
        subject.outcome = SubjectOutcome.REFUSED
        _history_user(subject, actor)
        subject.save(update_fields=["outcome"])
    for consent in application.consents.filter(decision=ConsentDecision.PENDING):
        consent.decision = ConsentDecision.LAPSED
        consent.decided_at = now
        _history_user(consent, actor)
        consent.save(update_fields=["decision", "decided_at"])
    reason = comment or str(RefusalGround(ground).label)
    notify(
        recipient=_account_of(application.applicant),
        kind=NotificationKind.APPLICATION_REJECTED,
        application=application,
        number=application.number,
        reason=reason,
        reason_code=reason_code,
    )
    audit_log(actor=actor, action="application.reject", target=application, reason_code=reason_code)


def application_reject(
    *, actor: Any, application: Application, ground: str = "", reason_code: str, comment: str = ""
) -> Application:
    """Refuse an open case, stating its legal ground (art. 19) and a precise reason code.

    Actor: staff whose role serves the case's channel. Conflict (409) when the case is no longer open.
    """
    errors: dict[str, list[ValidationError]] = {}
    if reason_code not in rules.OPERATOR_REJECTION_REASONS:
        errors["reason_code"] = [
            ValidationError(_("Choose one of the reason codes."), code=rules.INVALID_INPUT)
        ]
    ground = ground or (rules.ground_for(reason_code) if not errors else "")
    if ground not in RefusalGround.values:
        errors["ground"] = [
            ValidationError(_("Choose one of the grounds of article 19."), code=rules.INVALID_INPUT)
        ]
    comment = (comment or "").strip()
    if reason_code in rules.REASONS_NEEDING_COMMENT and not comment:
        errors["comment"] = [ValidationError(_("Explain the reason in the comment."), code="required")]
    if errors:
        raise _invalid(errors)
    lapse_if_due(application)
    check_can_act(actor, application)
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
        if not locked.is_open:
            code = rules.ALREADY_COMPLETED if locked.status == Status.COMPLETED else rules.ALREADY_REJECTED
            raise Conflict(code, _("This case has already been decided."))
        _reject_locked(
            application=locked, actor=actor, ground=ground, reason_code=reason_code, comment=comment
        )
    return locked


# --- Co-owners' consent -------------------------------------------------------------------------------------


def consent_decide(
    *, actor: Any, consent: Consent, decision: str, signed_consent: str | bytes | None
) -> Consent:
    """A co-owner approves or declines an owner's application, with a consent signed by their own EDS.

    A decline refuses the case; the last approval starts its 30-minute term (and completes a portal case).
    NotFound when the consent is not addressed to the actor; Conflict when it was answered or lapsed.
    """
    person = getattr(actor, "person", None) if role_of(actor) == Role.CITIZEN else None
    if person is None or consent.co_owner_id != person.pk:
        raise NotFound("not_found", _("No such consent request."))
    if decision not in (ConsentDecision.APPROVED, ConsentDecision.DECLINED):
        raise _invalid({"decision": [ValidationError(_("Approve or decline."), code=rules.INVALID_INPUT)]})
    application = consent.application
    lapse_if_due(application)
    signed = _verified_signature(
        field="signed_consent",
        document=signed_consent,
        missing=_("Sign your answer with your EDS."),
        verify=eds.verify_signed_consent,
        check=lambda signed: eds.check_consent_matches(
            signed,
            application_number=application.number,
            co_owner_iin=person.iin,
            decision="approve" if decision == ConsentDecision.APPROVED else "decline",
        ),
    )

    try:
        with transaction.atomic():
            locked_app = (
                Application.objects.select_for_update()
                .select_related("applicant", "dwelling")
                .get(pk=application.pk)
            )
            locked = Consent.objects.select_for_update().get(pk=consent.pk)
            if locked.decision != ConsentDecision.PENDING:
                raise Conflict(
                    rules.CONSENT_ALREADY_GIVEN,
                    _("This consent request has already been answered or has lapsed."),
                )
            if locked_app.status != Status.AWAITING_CONSENT:
                raise Conflict(rules.ALREADY_REJECTED, _("This application no longer waits for consent."))
            with transaction.atomic():
                UsedNonce.objects.create(nonce=signed.nonce, signer_iin=signed.signer_iin)
            now = timezone.now()
            locked.decision = decision
            locked.decided_at = now
            locked.given = ConsentGiven.PORTAL
            locked.signed_document = (
                signed_consent.decode() if isinstance(signed_consent, bytes) else signed_consent
            )
            _history_user(locked, actor)
            locked.save(update_fields=["decision", "decided_at", "given", "signed_document"])
            audit_log(actor=actor, action=f"consent.{decision}", target=locked)
            if decision == ConsentDecision.DECLINED:
                _reject_locked(
                    application=locked_app,
                    actor=None,
                    ground=RefusalGround.REQUIREMENTS_NOT_MET,
                    reason_code=rules.CO_OWNER_DECLINED,
                    comment=_("A co-owner of the dwelling declined the application."),
                )
            elif not locked_app.consents.exclude(decision=ConsentDecision.APPROVED).exists():
                # The 30-minute term runs from the moment the last consent arrives.
                locked_app.status = Status.SUBMITTED
                locked_app.deadline_at = now + timedelta(minutes=settings.SERVICE_TERM_MINUTES)
                _history_user(locked_app, actor)
                locked_app.save(update_fields=["status", "deadline_at"])
    except IntegrityError as exc:
        raise Conflict(
            eds.NONCE_REPLAYED, _("This signed consent has already been used."), field="signed_consent"
        ) from exc
    if locked_app.channel == Channel.PORTAL and locked_app.status == Status.SUBMITTED:
        _complete_automatically(locked_app)
    locked.refresh_from_db()
    return locked


def lapse_if_due(application: Application) -> bool:
    """The check "whenever the case is touched": a case whose consent window has passed is refused now.

    Returns whether it lapsed (the instance is refreshed then).
    """
    if application.status == Status.AWAITING_CONSENT and application.consent_expires_at <= timezone.now():
        lapsed = consents_lapse(application_ids=[application.pk])
        application.refresh_from_db()
        return bool(lapsed)
    return False


def consents_lapse(*, now: dt.datetime | None = None, application_ids: Iterable[int] | None = None) -> int:
    """Refuse every case whose co-owners did not all answer within the consent window; returns how many.

    Run on a schedule (``manage.py lapse_consents``) and on every touch of a case. Safe to run from
    several processes at once: each case is locked, and one already being handled is skipped.
    """
    now = now or timezone.now()
    due = Application.objects.filter(status=Status.AWAITING_CONSENT, consent_expires_at__lte=now)
    if application_ids is not None:
        due = due.filter(pk__in=list(application_ids))
    lapsed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(skip_locked=True)
                .select_related("applicant")
                .filter(pk=pk, status=Status.AWAITING_CONSENT, consent_expires_at__lte=now)
                .first()
            )
            if application is None:
                continue
            _reject_locked(
                application=application,
                actor=None,
                ground=RefusalGround.REQUIREMENTS_NOT_MET,
                reason_code=rules.CO_OWNER_CONSENT_LAPSED,
                comment=_("Not every co-owner answered within the consent window."),
            )
            lapsed += 1
    return lapsed


# --- The personal cabinet -------------------------------------------------------------------------------------


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark a message of the actor's own cabinet as read (once: a second call keeps the first time)."""
    if notification.recipient_id != getattr(actor, "pk", None):
        raise NotFound("not_found", _("No such notification."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification
