"""The rules of the service as data, to be read side by side with docs/service.md (the service in short).

Pure functions and tables only: no database, no clock of its own. ``services/`` applies them;
forms may call them for early feedback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from citizens.constants import (
    IdentityDocumentType,
    RecipientCategory,
    RegistrationEndReason,
    RegistrationKind,
)

from .constants import CaseType, Channel, DocumentType, RefusalGround, Role

# --- Reason codes: precise causes of a refusal, stable for clients and tests ------------------------------
NOT_OWNER = "not_owner"
NOT_REGISTERED_HERE = "not_registered_here"
APPLICANT_IS_SUBJECT = "applicant_is_subject"
MISSING_DOCUMENT = "missing_document"
INVALID_DOCUMENT = "invalid_document"
CHANNEL_NOT_ALLOWED = "channel_not_allowed"
COURT_DECISION_NOT_IN_FORCE = "court_decision_not_in_force"
CO_OWNER_DECLINED = "co_owner_declined"
CO_OWNER_CONSENT_LAPSED = "co_owner_consent_lapsed"
NOT_LEAVING_PERSON = (
    "subject_not_leaving_person"  # emigration: a subject is neither the applicant nor a child
)
APPLICANT_NOT_LEAVING = "applicant_not_leaving"  # emigration: the applicant is not among the subjects
CHILD_WITHOUT_ADULT = "child_without_adult"  # emigration: no subject of 16 or more leaves with the children
# Co-owners' consents recorded at the counter.
INVALID_CONSENT = "invalid_consent"  # a consent's identity document or notarised consent is malformed
DUPLICATE_CONSENT = "duplicate_consent"
CONSENT_NOT_EXPECTED = "consent_not_expected"  # consents with a portal case, or a case other than the owner's
NOT_CO_OWNER = "not_co_owner"
UNKNOWN_PERSON = "unknown_person"
UNKNOWN_DWELLING = "unknown_dwelling"
NO_SUBJECTS = "no_subjects"
DUPLICATE_SUBJECT = "duplicate_subject"
SIGNATURE_REQUIRED = "signature_required"
INVALID_INPUT = "invalid"
UNRELIABLE_DATA = "unreliable_data"  # an operator found the documents or data unreliable
# The recipient refused, or withdrew, consent to the use of their personal data (art. 19, 3).
PERSONAL_DATA_CONSENT_WITHDRAWN = "personal_data_consent_withdrawn"
OTHER = "other"

# Conflicts (409) and permissions (403).
ALREADY_COMPLETED = "already_completed"
ALREADY_REJECTED = "already_rejected"
ALREADY_DEREGISTERED = "already_deregistered"
AWAITING_CONSENT = "awaiting_consent"
CONSENT_ALREADY_GIVEN = "consent_already_answered"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
SLIP_ALREADY_ISSUED = "slip_already_issued"
NOT_DEREGISTERED = "subject_not_deregistered"
ROLE_NOT_ALLOWED = "role_not_allowed"
NOT_YOUR_APPLICATION = "not_applicant"
SUBJECT_IN_OPEN_CASE = "subject_in_open_case"  # already named in a case still being decided

# The legal ground (Law on Public Services, art. 19) that each reason falls under.
GROUND_FOR_REASON: dict[str, RefusalGround] = {
    MISSING_DOCUMENT: RefusalGround.UNRELIABLE_DOCUMENTS,
    INVALID_DOCUMENT: RefusalGround.UNRELIABLE_DOCUMENTS,
    UNRELIABLE_DATA: RefusalGround.UNRELIABLE_DOCUMENTS,
    SIGNATURE_REQUIRED: RefusalGround.UNRELIABLE_DOCUMENTS,
    NOT_OWNER: RefusalGround.REQUIREMENTS_NOT_MET,
    NOT_REGISTERED_HERE: RefusalGround.REQUIREMENTS_NOT_MET,
    APPLICANT_IS_SUBJECT: RefusalGround.REQUIREMENTS_NOT_MET,
    CHANNEL_NOT_ALLOWED: RefusalGround.REQUIREMENTS_NOT_MET,
    COURT_DECISION_NOT_IN_FORCE: RefusalGround.REQUIREMENTS_NOT_MET,
    NOT_LEAVING_PERSON: RefusalGround.REQUIREMENTS_NOT_MET,
    APPLICANT_NOT_LEAVING: RefusalGround.REQUIREMENTS_NOT_MET,
    CHILD_WITHOUT_ADULT: RefusalGround.REQUIREMENTS_NOT_MET,
    SUBJECT_IN_OPEN_CASE: RefusalGround.REQUIREMENTS_NOT_MET,
    INVALID_CONSENT: RefusalGround.UNRELIABLE_DOCUMENTS,
    CO_OWNER_DECLINED: RefusalGround.REQUIREMENTS_NOT_MET,
    NOT_CO_OWNER: RefusalGround.REQUIREMENTS_NOT_MET,
    CONSENT_NOT_EXPECTED: RefusalGround.REQUIREMENTS_NOT_MET,
    DUPLICATE_CONSENT: RefusalGround.REQUIREMENTS_NOT_MET,
    CO_OWNER_CONSENT_LAPSED: RefusalGround.REQUIREMENTS_NOT_MET,
    UNKNOWN_PERSON: RefusalGround.REQUIREMENTS_NOT_MET,
    UNKNOWN_DWELLING: RefusalGround.REQUIREMENTS_NOT_MET,
    OTHER: RefusalGround.REQUIREMENTS_NOT_MET,
    PERSONAL_DATA_CONSENT_WITHDRAWN: RefusalGround.NO_PERSONAL_DATA_CONSENT,
}
# What an operator may give as the reason of a rejection, with the words a back-office form shows.
OPERATOR_REJECTION_REASON_CHOICES: tuple[tuple[str, Any], ...] = (
    (UNRELIABLE_DATA, _("The documents or the data in them are unreliable")),
    (INVALID_DOCUMENT, _("A document is not valid")),
    (MISSING_DOCUMENT, _("A document is missing")),
    (NOT_OWNER, _("The applicant does not own the dwelling")),
    (NOT_REGISTERED_HERE, _("The person has no permanent registration at this address")),
    (APPLICANT_IS_SUBJECT, _("The applicant named themselves")),
    (COURT_DECISION_NOT_IN_FORCE, _("The court decision has not entered into legal force")),
    (NOT_LEAVING_PERSON, _("A person named is neither the one leaving nor their child under 16")),
    (APPLICANT_NOT_LEAVING, _("The applicant is not among the persons leaving")),
    (CHILD_WITHOUT_ADULT, _("A child under 16 leaves without an adult who leaves too")),
    (PERSONAL_DATA_CONSENT_WITHDRAWN, _("Consent to the use of personal data was refused or withdrawn")),
    (OTHER, _("Another reason (explain in the comment)")),
)
OPERATOR_REJECTION_REASONS = frozenset(code for code, _label in OPERATOR_REJECTION_REASON_CHOICES)


def ground_for(reason_code: str) -> RefusalGround:
    """The art. 19 ground of a reason code; signature failures count as unreliable documents."""
    if reason_code.startswith(
        (
            "signature",
            "digest",
            "certificate",
            "request_",
            "crl",
            "signer",
            "content_",
            "forbidden_xml",
            "malformed",
            "nonce",
        )
    ):
        return RefusalGround.UNRELIABLE_DOCUMENTS
    return GROUND_FOR_REASON.get(reason_code, RefusalGround.REQUIREMENTS_NOT_MET)


# --- Who may use which channel (docs/service.md, "Three kinds of recipient") --------------------------------
CHANNELS_FOR_CATEGORY: dict[str, frozenset[Channel]] = {
    # 1) citizens: the State Corporation; the portal only for the owner's application
    RecipientCategory.CITIZEN: frozenset({Channel.STATE_CORPORATION, Channel.PORTAL}),
    # 2) permanent-resident foreigners and stateless persons: the service provider at the State Corporation
    RecipientCategory.FOREIGN_RESIDENT: frozenset({Channel.SERVICE_PROVIDER}),
    RecipientCategory.STATELESS_RESIDENT: frozenset({Channel.SERVICE_PROVIDER}),
    # 3) refugees: the service provider
    RecipientCategory.REFUGEE: frozenset({Channel.SERVICE_PROVIDER}),
}
PORTAL_CASE_TYPES = frozenset({CaseType.OWNER_APPLICATION})
# The cases in which the applicant must own the dwelling (the owner's application; the owner presents a court
# decision).
OWNER_CASE_TYPES = frozenset({CaseType.OWNER_APPLICATION, CaseType.COURT_DECISION})

# Which channels each role acts in. Operators of the State Corporation serve citizens (walk-in, and the
# portal's cases when one needs a hand); migration officers serve foreigners, stateless persons, refugees.
ROLE_CHANNELS: dict[str, frozenset[Channel]] = {
    Role.CITIZEN: frozenset({Channel.PORTAL}),
    Role.OPERATOR: frozenset({Channel.STATE_CORPORATION, Channel.PORTAL}),
    Role.MIGRATION: frozenset({Channel.SERVICE_PROVIDER}),
    Role.SUPERVISOR: frozenset(),
    Role.ADMIN: frozenset(Channel),
}
# Channels in which a case may be *submitted* by each role (staff never submit on the portal's behalf).
ROLE_SUBMIT_CHANNELS: dict[str, frozenset[Channel]] = {
    Role.CITIZEN: frozenset({Channel.PORTAL}),
    Role.OPERATOR: frozenset({Channel.STATE_CORPORATION}),
    Role.MIGRATION: frozenset({Channel.SERVICE_PROVIDER}),
    Role.SUPERVISOR: frozenset(),
    Role.ADMIN: frozenset({Channel.STATE_CORPORATION, Channel.SERVICE_PROVIDER}),
}


def portal_case_refusal(*, case_type: str, channel: str) -> str | None:
    """Why the portal may not take this kind of case (it takes only the owner's application), or None."""
    if channel == Channel.PORTAL and case_type not in PORTAL_CASE_TYPES:
        return str(
            _(
                "The portal accepts only an owner's application; this case is handled at the State "
                "Corporation or by the migration service."
            )
        )
    return None


def channel_refusal(*, case_type: str, channel: str, categories: Iterable[str]) -> str | None:
    """Why ``channel`` may not serve this case, as a message; None when it may.

    ``categories`` are those of the applicant and of every subject. A case that involves anyone who is not a
    citizen belongs to the service provider, who serves all its people (docs/service.md); an all-citizen case goes
    to the State Corporation, or to the portal when it is an owner's application.
    """
    if refusal := portal_case_refusal(case_type=case_type, channel=channel):
        return refusal
    non_citizens = {c for c in categories if c != RecipientCategory.CITIZEN}
    allowed = (
        frozenset.intersection(*(CHANNELS_FOR_CATEGORY[c] for c in non_citizens))
        if non_citizens
        else CHANNELS_FOR_CATEGORY[RecipientCategory.CITIZEN]
    )
    if channel in allowed:
        return None
    if non_citizens:
        return str(
            _(
                "Foreigners, stateless persons and refugees are served only by the migration service "
                "(the service provider)."
            )
        )
    return str(
        _(
            "Citizens of Kazakhstan are served at the State Corporation or, for an owner's "
            "application, on the portal."
        )
    )


# --- Whom the portal can deregister (only citizens, never the applicant, permanent registrations) ---------------
@dataclass(frozen=True)
class PortalRefusal:
    """Why the portal cannot deregister a resident, and where to go instead: a stable code and a message."""

    code: str
    message: str


def portal_resident_refusal(
    *, category: str, is_applicant: bool, kind: str, open_case_number: str = ""
) -> PortalRefusal | None:
    """Whether an owner can name this resident of their dwelling on the portal: None when they can.

    ``category`` is the resident's recipient category, ``is_applicant`` whether the resident is the owner
    applying, ``kind`` the kind of the registration to end, ``open_case_number`` the number of a case still
    being decided that already names this registration ("" when none). The listing of residents, the
    application form and the service's check of a portal submission all ask this one function.
    """
    if is_applicant:
        return PortalRefusal(
            APPLICANT_IS_SUBJECT,
            str(
                _(
                    "You cannot deregister yourself on the owner's application. Your registration here ends "
                    "when you register at your new address."
                )
            ),
        )
    if category != RecipientCategory.CITIZEN:
        return PortalRefusal(
            CHANNEL_NOT_ALLOWED,
            str(
                _(
                    "Foreigners, stateless persons and refugees are deregistered only by the migration service: "
                    "apply to the migration service (the service provider) at a State Corporation office."
                )
            ),
        )
    if not registration_is_ended_by_the_service(kind):
        return PortalRefusal(
            NOT_REGISTERED_HERE,
            str(
                _(
                    "Only a temporary registration here: this service ends permanent registrations only. "
                    "A temporary registration ends when its term runs out."
                )
            ),
        )
    if open_case_number:
        return PortalRefusal(
            SUBJECT_IN_OPEN_CASE,
            str(
                _("Already named in application %(number)s, which is still being decided.")
                % {"number": open_case_number}
            ),
        )
    return None


# --- Documents (docs/service.md, "Three kinds of case") ---------------------------------------------------
@dataclass(frozen=True)
class DocumentSpec:
    """The fields a document of a type must carry to be accepted."""

    required: tuple[str, ...]
    per_subject: bool = False


DOCUMENT_SPECS: dict[str, DocumentSpec] = {
    DocumentType.APPLICANT_IDENTITY_DOCUMENT: DocumentSpec(("number", "issued_on", "issued_by")),
    DocumentType.OWNER_APPLICATION_FORM: DocumentSpec(("number", "issued_on")),
    DocumentType.POLICE_EMIGRATION_CERTIFICATE: DocumentSpec(("number", "issued_on", "issued_by", "country")),
    DocumentType.CHILD_PASSPORT: DocumentSpec(("number", "issued_on", "issued_by"), per_subject=True),
    DocumentType.SURRENDERED_IDENTITY_DOCUMENT: DocumentSpec(
        ("number", "issued_on", "issued_by", "document_type"), per_subject=True
    ),
    DocumentType.COURT_DECISION: DocumentSpec(
        ("number", "court", "case_number", "decided_on", "in_force_on")
    ),
}
CHILD_AGE_LIMIT = 16

# Every walk-in case: the applicant's identity document; then each case's own.
CASE_DOCUMENTS: dict[str, tuple[DocumentType, ...]] = {
    CaseType.OWNER_APPLICATION: (
        DocumentType.APPLICANT_IDENTITY_DOCUMENT,
        DocumentType.OWNER_APPLICATION_FORM,
    ),
    CaseType.EMIGRATION: (
        DocumentType.APPLICANT_IDENTITY_DOCUMENT,
        DocumentType.POLICE_EMIGRATION_CERTIFICATE,
    ),
    CaseType.COURT_DECISION: (DocumentType.APPLICANT_IDENTITY_DOCUMENT, DocumentType.COURT_DECISION),
}


# The identity document a person of each category holds, and hands over on leaving the country.
IDENTITY_DOCUMENT_OF_CATEGORY: dict[str, IdentityDocumentType] = {
    RecipientCategory.CITIZEN: IdentityDocumentType.ID_CARD,
    RecipientCategory.FOREIGN_RESIDENT: IdentityDocumentType.RESIDENCE_PERMIT,
    RecipientCategory.STATELESS_RESIDENT: IdentityDocumentType.STATELESS_CERTIFICATE,
    RecipientCategory.REFUGEE: IdentityDocumentType.REFUGEE_CERTIFICATE,
}


def subject_document_type(*, case_type: str, age: int) -> DocumentType | None:
    """The document each subject must bring: leaving the country, from 16 the identity document of their
    category (``IDENTITY_DOCUMENT_OF_CATEGORY``), below 16 a passport."""
    if case_type != CaseType.EMIGRATION:
        return None
    return (
        DocumentType.SURRENDERED_IDENTITY_DOCUMENT if age >= CHILD_AGE_LIMIT else DocumentType.CHILD_PASSPORT
    )


def document_name(doc_type: str, *, identity_document: str = "") -> str:
    """A document as an error names it: a surrendered identity document by the kind the person holds."""
    if doc_type == DocumentType.SURRENDERED_IDENTITY_DOCUMENT and identity_document:
        return str(
            _("%(document)s, handed over to the service provider")
            % {"document": IdentityDocumentType(identity_document).label}
        )
    return str(DocumentType(doc_type).label)


def required_documents(*, case_type: str, subject_ages: dict[str, int]) -> list[tuple[DocumentType, str]]:
    """Every (document type, holder IIN or "") the case's checklist asks of a walk-in applicant."""
    needed: list[tuple[DocumentType, str]] = [(t, "") for t in CASE_DOCUMENTS[case_type]]
    for iin, age in subject_ages.items():
        doc_type = subject_document_type(case_type=case_type, age=age)
        if doc_type is not None:
            needed.append((doc_type, iin))
    return needed


def emigration_leaver_problem(*, applicant_age: int) -> str | None:
    """Who leaves: the applicant, aged 16 or more, is the adult the children under 16 leave with (docs/service.md:
    the subjects are the person leaving and the children under 16 leaving with them). The applicant being among
    the subjects is checked with the input (``APPLICANT_NOT_LEAVING``); other adults are ``NOT_LEAVING_PERSON``."""
    if applicant_age < CHILD_AGE_LIMIT:
        return CHILD_WITHOUT_ADULT
    return None


def court_decision_problem(*, decided_on: dt.date, in_force_on: dt.date, today: dt.date) -> str | None:
    """Why a court decision cannot yet be acted on, or None."""
    if decided_on > today:
        return str(_("The decision date is in the future."))
    if in_force_on < decided_on:
        return str(_("A decision cannot enter into force before it is made."))
    if in_force_on > today:
        return str(_("The court decision has not entered into force yet."))
    return None


# --- Which registration ends ---------------------------------------------------------------------------
# The service deregisters from registration at the place of residence: the permanent registration. A temporary
# registration is left as it is; a person registered at the address only temporarily is "not registered here".
ENDED_REGISTRATION_KIND = RegistrationKind.PERMANENT


def registration_is_ended_by_the_service(kind: str) -> bool:
    """Whether this service ends a registration of ``kind`` (for the service and for lists of residents)."""
    return kind == ENDED_REGISTRATION_KIND


# --- Consequences -------------------------------------------------------------------------------------
END_REASON_FOR_CASE: dict[str, RegistrationEndReason] = {
    CaseType.OWNER_APPLICATION: RegistrationEndReason.OWNER_APPLICATION,
    CaseType.EMIGRATION: RegistrationEndReason.EMIGRATION,
    CaseType.COURT_DECISION: RegistrationEndReason.COURT_DECISION,
}


def slip_is_issued(*, case_type: str, requested: bool) -> bool:
    """The departure slip is always issued to a person leaving the country, to others on request."""
    return case_type == CaseType.EMIGRATION or requested


# --- The term as the back-office shows it --------------------------------------------------------------
# A case whose term ends within this time is marked as near its deadline in the operators' queue.
NEAR_DEADLINE = dt.timedelta(minutes=10)
DEADLINE_OVERDUE = "overdue"
DEADLINE_NEAR = "near"
DEADLINE_ON_TIME = "on_time"


def deadline_state(*, deadline_at: dt.datetime | None, now: dt.datetime) -> str:
    """Where an open case stands against its 30-minute term: overdue, near (within ``NEAR_DEADLINE``), on time;
    "" when its term has not started (co-owners have not all answered)."""
    if deadline_at is None:
        return ""
    if deadline_at <= now:
        return DEADLINE_OVERDUE
    if deadline_at - now <= NEAR_DEADLINE:
        return DEADLINE_NEAR
    return DEADLINE_ON_TIME


# --- What an operator picks from when refusing a case (OPERATOR_REJECTION_REASON_CHOICES above) ----------
# Reasons that say nothing by themselves: the operator explains them in the comment.
REASONS_NEEDING_COMMENT = frozenset({OTHER})


# --- Scans of the documents, attached at the desk ----------------------------------------------------------
# What a scan may be, told by its first bytes (never by its name): the signature of each format.
SCAN_FORMATS: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}
SCAN_TYPE_NOT_ALLOWED = "scan_type_not_allowed"
SCAN_NAME_MISMATCH = "scan_name_mismatch"
SCAN_TOO_LARGE = "scan_too_large"
SCAN_EMPTY = "scan_empty"


def scan_content_type(head: bytes) -> str | None:
    """The format of a file from its first bytes: PDF, JPEG or PNG; None for anything else."""
    return next((kind for kind, (magic, _ext) in SCAN_FORMATS.items() if head.startswith(magic)), None)


def scan_problem(*, name: str, head: bytes, size: int, max_size: int) -> tuple[str, str] | None:
    """Why a scan cannot be attached, as (code, message); None when it can. The content decides the type; a
    name whose extension says another type is refused too (a renamed file is a mistake or a trick)."""
    if size == 0:
        return SCAN_EMPTY, str(_("The file is empty."))
    if size > max_size:
        return SCAN_TOO_LARGE, str(
            _("The file is larger than %(limit)s MB.") % {"limit": f"{max_size / 1_000_000:g}"}
        )
    kind = scan_content_type(head)
    if kind is None:
        return SCAN_TYPE_NOT_ALLOWED, str(_("Attach a PDF, JPEG or PNG file."))
    extension = "." + name.rsplit(".", 1)[1].lower() if "." in name else ""
    if extension and extension not in SCAN_FORMATS[kind][1]:
        return SCAN_NAME_MISMATCH, str(
            _("The file's content is %(kind)s but its name ends in %(extension)s.")
            % {"kind": kind, "extension": extension}
        )
    return None
