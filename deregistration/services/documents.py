"""A case's documents and the co-owners' consents given at the counter: each field parsed and checked against
the case's checklist (``rules``), every error naming its field and the document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from citizens.constants import IdentityDocumentType
from citizens.countries import is_country_code
from citizens.iin import iin_error
from citizens.models import Person

from .. import rules
from ..constants import (
    SURRENDERED_ID_CARD,
    CaseType,
    Channel,
    ConsentGiven,
    CounterDecision,
    DocumentType,
)
from ..models import (
    ApplicationDocument,
    Consent,
)


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
