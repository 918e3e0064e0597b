"""Electronic digital signatures (EDS, ЭЦҚ/ЭЦП) on the portal's signed requests and consents.

Public API::

    build_request_xml(*, applicant_iin, address_code, subjects, requested_at, nonce) -> bytes
    build_consent_xml(*, application_number, co_owner_iin, decision, requested_at, nonce) -> bytes
    sign_xml(xml, *, key_pem, cert_pem, chain_pems=()) -> bytes
    demo_sign(xml, *, iin) -> bytes                      # DEBUG and EDS_DEMO_SIGNER only
    verify_signed_request(xml, *, now=None, ...) -> SignedRequest
    verify_signed_consent(xml, *, now=None, ...) -> SignedConsent
    check_request_matches(signed, *, applicant_iin, address_code, subjects) -> None
    check_consent_matches(signed, *, application_number, co_owner_iin, decision) -> None

Every refusal is an ``EDSError`` with a stable ``code`` (constants in ``errors``) and a translatable message.
Layout: ``xmlsafe`` (untrusted XML), ``documents`` (the two documents), ``backends`` (the signature verifier
interface and its RSA/XML-DSig implementation), ``certificates`` (chain, CRL, key usage, IIN: why cryptography
rather than pyhanko-certvalidator is explained there), ``verify`` (the order of the checks), ``signing``.
"""

from .backends import SignatureVerifier, VerifiedSignature, XmlDsigVerifier, get_verifier
from .documents import (
    CONSENT_NAMESPACE,
    DECISION_APPROVE,
    DECISION_DECLINE,
    REQUEST_NAMESPACE,
    SignedConsent,
    SignedDocument,
    SignedRequest,
    build_consent_xml,
    build_request_xml,
)
from .errors import (
    ALL_CODES,
    CERTIFICATE_EXPIRED,
    CERTIFICATE_KEY_USAGE,
    CERTIFICATE_NO_IIN,
    CERTIFICATE_NOT_YET_VALID,
    CERTIFICATE_REVOKED,
    CERTIFICATE_UNTRUSTED,
    CONTENT_MISMATCH,
    CRL_UNAVAILABLE,
    DIGEST_MISMATCH,
    FORBIDDEN_XML,
    MALFORMED_DOCUMENT,
    NONCE_REPLAYED,
    REQUEST_STALE,
    SIGNATURE_INVALID,
    SIGNER_MISMATCH,
    DemoKeyNotFound,
    DemoSignerDisabled,
    EDSError,
)
from .signing import KeyCertificateMismatch, demo_sign, demo_signer_enabled, sign_xml
from .verify import check_consent_matches, check_request_matches, verify_signed_consent, verify_signed_request

__all__ = [
    "ALL_CODES",
    "CERTIFICATE_EXPIRED",
    "CERTIFICATE_KEY_USAGE",
    "CERTIFICATE_NOT_YET_VALID",
    "CERTIFICATE_NO_IIN",
    "CERTIFICATE_REVOKED",
    "CERTIFICATE_UNTRUSTED",
    "CONSENT_NAMESPACE",
    "CONTENT_MISMATCH",
    "CRL_UNAVAILABLE",
    "DECISION_APPROVE",
    "DECISION_DECLINE",
    "DIGEST_MISMATCH",
    "FORBIDDEN_XML",
    "MALFORMED_DOCUMENT",
    "NONCE_REPLAYED",
    "REQUEST_NAMESPACE",
    "REQUEST_STALE",
    "SIGNATURE_INVALID",
    "SIGNER_MISMATCH",
    "DemoKeyNotFound",
    "DemoSignerDisabled",
    "EDSError",
    "KeyCertificateMismatch",
    "SignatureVerifier",
    "SignedConsent",
    "SignedDocument",
    "SignedRequest",
    "VerifiedSignature",
    "XmlDsigVerifier",
    "build_consent_xml",
    "build_request_xml",
    "check_consent_matches",
    "check_request_matches",
    "demo_sign",
    "demo_signer_enabled",
    "get_verifier",
    "sign_xml",
    "verify_signed_consent",
    "verify_signed_request",
]
