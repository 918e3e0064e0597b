"""Pieces of the OpenAPI description shared by the views: error responses, path parameters, examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from .serializers import ErrorSerializer, ValidationErrorSerializer

NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,40}$"

_ERRORS: dict[int, tuple[Any, str]] = {
    400: (
        ValidationErrorSerializer,
        "Bad input: each field with its errors, the first reason code and its ground.",
    ),
    401: (ErrorSerializer, "No credentials, or a bad token."),
    403: (ErrorSerializer, "The caller's role may not do this (role_not_allowed, not_applicant, …)."),
    404: (ErrorSerializer, "No such object, or not one the caller may see."),
    409: (
        ErrorSerializer,
        "The state forbids it now (already_completed, nonce_replayed, idempotency_key_reused, …).",
    ),
    429: (ErrorSerializer, "Too many requests; retry after retry_after seconds."),
    503: (ErrorSerializer, "A part of the service is out of order; nothing was stored. Try again later."),
}

_ERROR_EXAMPLES: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "Not the owner",
        {
            "code": "invalid",
            "detail": "Invalid input: applicant_iin.",
            "errors": {
                "applicant_iin": [
                    {"code": "not_owner", "message": "The applicant does not own this dwelling."}
                ]
            },
            "reason_code": "not_owner",
            "ground": "requirements_not_met",
        },
    ),
    401: (
        "No credentials",
        {"code": "not_authenticated", "detail": "Authentication credentials were not provided."},
    ),
    403: (
        "Role may not act",
        {"code": "role_not_allowed", "detail": "Your role does not allow you to act on this case."},
    ),
    404: ("Not found", {"code": "not_found", "detail": "No such application."}),
    409: (
        "Already completed",
        {"code": "already_completed", "detail": "This case has already been completed."},
    ),
    429: (
        "Throttled",
        {
            "code": "throttled",
            "detail": "Request was throttled. Expected available in 42 seconds.",
            "retry_after": 42,
        },
    ),
    503: (
        "Renderer out of order",
        {"code": "slip_render_failed", "detail": "The departure slip could not be made; nothing was issued."},
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(response=_ERRORS[code][0], description=_ERRORS[code][1]) for code in codes}


def error_examples(*codes: int) -> list[OpenApiExample]:
    return [
        OpenApiExample(
            f"{code}: {_ERROR_EXAMPLES[code][0]}",
            value=_ERROR_EXAMPLES[code][1],
            response_only=True,
            status_codes=[str(code)],
        )
        for code in codes
        if code in _ERROR_EXAMPLES
    ]


def path(name: str, description: str, *, pattern: str = NUMBER_PATTERN, kind: Any = OpenApiTypes.STR):
    if kind is OpenApiTypes.INT:
        return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description, pattern=pattern)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=r"^[\x21-\x7E]{1,100}$",
    description=(
        "Optional. The same key with the same body returns the first application (200); with another body, 409 "
        "idempotency_key_reused. Checked before anything else, so a retry is never a nonce conflict."
    ),
)

APPLICATION = {
    "number": "DR-20261127-K7Q29X",
    "case_type": "owner_application",
    "channel": "portal",
    "status": "completed",
    "submitted_at": "2026-11-27T10:00:05+05:00",
    "deadline_at": "2026-11-27T10:30:05+05:00",
    "completed_at": "2026-11-27T10:00:06+05:00",
    "consent_expires_at": None,
    "issue_slip": True,
    "applicant_iin": "800315300018",
    "address_code": "0201400012345678",
    "subjects": [
        {
            "iin": "850722400028",
            "full_name": "Сәрсенбаева Әйгерім Серікқызы",
            "outcome": "deregistered",
            "registry_record_id": 1042,
            "slip_number": "KP-20261127-1A2B3C4D",
            "slip_status": "issued",
        }
    ],
    "consents": [],
    "rejection": None,
}

WALK_IN = {
    "case_type": "owner_application",
    "channel": "state_corporation",
    "address_code": "0201400012345678",
    "applicant_iin": "800315300018",
    "subjects": ["850722400028"],
    "issue_slip": False,
    "documents": [
        {
            "type": "applicant_identity_document",
            "number": "045612378",
            "issued_on": "2021-05-04",
            "issued_by": "ІІМ",
        },
        {"type": "owner_application_form", "number": "Ө-17", "issued_on": "2026-11-27"},
    ],
}

WALK_IN_WITH_COUNTER_CONSENT = {
    **WALK_IN,
    "consents": [
        {
            "co_owner_iin": "061211600012",
            "decision": "approve",
            "identity_document": {
                "type": "id_card",
                "number": "051234567",
                "issued_on": "2019-02-11",
                "issued_by": "ІІМ",
            },
            "notarised": {
                "number": "Н-2026-1187",
                "issued_on": "2026-11-20",
                "issued_by": "Нотариус Қ. Сейітова",
            },
        }
    ],
}

MISSING_DOCUMENTS = {
    "code": "invalid",
    "detail": "Invalid input: documents.",
    "errors": {
        "documents": [
            {
                "code": "missing_document",
                "message": "Missing document: Police certificate of permission to leave for permanent residence abroad.",
                "document": "police_emigration_certificate",
            },
            {
                "code": "missing_document",
                "message": "Missing document: Identity card, handed over to the service provider for the person "
                "with IIN 850722400028.",
                "document": "surrendered_identity_document",
                "iin": "850722400028",
            },
        ]
    },
    "reason_code": "missing_document",
    "ground": "unreliable_documents",
}

SIGNED_REQUEST = (
    '<?xml version="1.0" encoding="UTF-8"?><deregistrationRequest xmlns="urn:kz:deregistration:request:1">'
    "<applicantIin>800315300018</applicantIin><addressCode>0201400012345678</addressCode>"
    '<subjects><subject iin="850722400028"/></subjects><requestedAt>2026-11-27T10:00:00+05:00</requestedAt>'
    "<nonce>5f1c0e0a9b6d4c1e</nonce><ds:Signature>…</ds:Signature></deregistrationRequest>"
)

SIGNED_CONSENT = (
    '<?xml version="1.0" encoding="UTF-8"?><deregistrationConsent xmlns="urn:kz:deregistration:consent:1">'
    "<applicationNumber>DR-20261127-K7Q29X</applicationNumber><coOwnerIin>061211600012</coOwnerIin>"
    "<decision>approve</decision><requestedAt>2026-11-27T10:02:00+05:00</requestedAt>"
    "<nonce>a8e3d2c1b0f94e7d</nonce><ds:Signature>…</ds:Signature></deregistrationConsent>"
)

SLIP = {
    "number": "KP-20261127-1A2B3C4D",
    "slip_number": "KP-20261127-1A2B3C4D",
    "application_number": "DR-20261127-K7Q29X",
    "iin": "850722400028",
    "issued_at": "2026-11-27T10:00:07+05:00",
    "sha256": "9f2c4e0d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d",
    "size": 48213,
    "verify_url": "https://dereg.example.kz/verify/K7Q2-9XDM-F4PA-3B6C-H8JN/",
}

CONSENT = {
    "id": 17,
    "application_number": "DR-20261127-K7Q29X",
    "address_code": "0201400012345678",
    "address": "Алматы қаласы, Алмалы ауданы, Абай даңғылы, 10, пәтер 25",
    "applicant_iin": "800315300018",
    "subjects": ["850722400028"],
    "decision": "pending",
    "expires_at": "2026-11-27T11:00:05+05:00",
    "decided_at": None,
}
