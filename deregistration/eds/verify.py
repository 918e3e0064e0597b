"""Verifying a signed request or consent, in the order the checks run.

1. the raw bytes: size, no DTD or entity (``forbidden_xml``); then a hardened parse and the root element
   (``malformed_document``): cheap refusals before any cryptography;
2. the signature over the whole document (``signature_invalid``, ``digest_mismatch``); from here on only what
   the signature covers is read;
3. the document's fields (``malformed_document``);
4. the certificate: valid at ``requestedAt`` and now (``certificate_not_yet_valid``, ``certificate_expired``),
   chained to a trusted root (``certificate_untrusted``), not revoked (``crl_unavailable``,
   ``certificate_revoked``), made for signing (``certificate_key_usage``), of an individual
   (``certificate_no_iin``) who is the applicant or co-owner named in the document (``signer_mismatch``);
5. ``requestedAt`` within ``EDS_MAX_CLOCK_SKEW_MINUTES`` of the server's clock (``request_stale``).

The nonce's uniqueness (``nonce_replayed``) and whether the request equals the application
(``content_mismatch``, see ``check_request_matches``) need the database and are the service layer's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .backends import SignatureVerifier, get_verifier
from .certificates import certificate_iin, check_key_usage, check_validity, common_name, readable_name
from .documents import CONSENT, REQUEST, DocumentKind, SignedConsent, SignedDocument, SignedRequest
from .errors import CONTENT_MISMATCH, MALFORMED_DOCUMENT, REQUEST_STALE, SIGNER_MISMATCH, EDSError
from .xmlsafe import load_untrusted_xml

CrlPaths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def _verify(
    kind: DocumentKind,
    xml: bytes | str,
    *,
    now: dt.datetime | None,
    trust_roots: str | os.PathLike[str] | None,
    crl: CrlPaths | None,
    verifier: SignatureVerifier | None,
    max_clock_skew: dt.timedelta | None,
) -> Any:
    received = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    if max_clock_skew is None:
        max_clock_skew = dt.timedelta(minutes=settings.EDS_MAX_CLOCK_SKEW_MINUTES)

    _checked, root = load_untrusted_xml(received)
    if root.tag != kind.root_tag:
        raise EDSError(MALFORMED_DOCUMENT)

    verifier = verifier or get_verifier(trust_roots=trust_roots, crl=crl)
    signature = verifier.verify_signature(root)
    fields = kind.parse(signature.signed_root)

    certificate = signature.certificate
    check_validity(certificate, at=fields["requested_at"])
    check_validity(certificate, at=now)
    verifier.verify_certificate_path(signature, now=now)
    check_key_usage(certificate)
    signer_iin = certificate_iin(certificate)
    if signer_iin != fields[kind.signer_field]:
        raise EDSError(SIGNER_MISMATCH)

    if abs(now - fields["requested_at"]) > max_clock_skew:
        raise EDSError(REQUEST_STALE)

    return kind.result_class(
        **fields,
        signer_iin=signer_iin,
        signer_common_name=common_name(certificate),
        signer_subject=readable_name(certificate.subject),
        signer_serial=f"{certificate.serial_number:X}",
        signer_issuer=readable_name(certificate.issuer),
        signer_not_after=certificate.not_valid_after_utc,
        document_sha256=hashlib.sha256(received).hexdigest(),
    )


def verify_signed_request(
    xml: bytes | str,
    *,
    now: dt.datetime | None = None,
    trust_roots: str | os.PathLike[str] | None = None,
    crl: CrlPaths | None = None,
    verifier: SignatureVerifier | None = None,
    max_clock_skew: dt.timedelta | None = None,
) -> SignedRequest:
    """A signed owner's application, verified (module docstring), or EDSError with the first failing check.

    ``trust_roots`` and ``crl`` default to ``settings.EDS_TRUST_ROOTS`` and ``settings.EDS_CRL``,
    ``max_clock_skew`` to ``settings.EDS_MAX_CLOCK_SKEW_MINUTES``, ``now`` to the server's clock.
    """
    return _verify(
        REQUEST,
        xml,
        now=now,
        trust_roots=trust_roots,
        crl=crl,
        verifier=verifier,
        max_clock_skew=max_clock_skew,
    )


def verify_signed_consent(
    xml: bytes | str,
    *,
    now: dt.datetime | None = None,
    trust_roots: str | os.PathLike[str] | None = None,
    crl: CrlPaths | None = None,
    verifier: SignatureVerifier | None = None,
    max_clock_skew: dt.timedelta | None = None,
) -> SignedConsent:
    """A co-owner's signed consent, verified like a request; the signer must be the ``coOwnerIin``."""
    return _verify(
        CONSENT,
        xml,
        now=now,
        trust_roots=trust_roots,
        crl=crl,
        verifier=verifier,
        max_clock_skew=max_clock_skew,
    )


# --- comparing a verified document with its case (pure functions; the service layer calls them) ----------

_APPLICANT = _("the applicant")
_ADDRESS = _("the address")
_SUBJECTS = _("the persons to deregister")
_SUBJECTS_REPEATED = _("a person listed twice")
_APPLICATION = _("the application number")
_CO_OWNER = _("the co-owner")
_DECISION = _("the decision")


def _mismatch(differences: list[Any]) -> EDSError:
    joined = format_lazy("{}" + ", {}" * (len(differences) - 1), *differences)
    return EDSError(CONTENT_MISMATCH, params={"differences": joined})


def check_request_matches(
    signed: SignedRequest, *, applicant_iin: str, address_code: str, subjects: Iterable[str]
) -> None:
    """The signed request says what the application says; EDSError(content_mismatch) naming what differs.

    Subjects are compared as sets (order does not matter), but a signed list naming a person twice is refused.
    """
    differences: list[Any] = []
    if signed.applicant_iin != applicant_iin:
        differences.append(_APPLICANT)
    if signed.address_code != address_code:
        differences.append(_ADDRESS)
    if len(set(signed.subjects)) != len(signed.subjects):
        differences.append(_SUBJECTS_REPEATED)
    if set(signed.subjects) != set(subjects):
        differences.append(_SUBJECTS)
    if differences:
        raise _mismatch(differences)


def check_consent_matches(
    signed: SignedConsent, *, application_number: str, co_owner_iin: str, decision: str
) -> None:
    """The signed consent answers this application, by this co-owner, with the endpoint's decision."""
    differences: list[Any] = []
    if signed.application_number != application_number:
        differences.append(_APPLICATION)
    if signed.co_owner_iin != co_owner_iin:
        differences.append(_CO_OWNER)
    if signed.decision != decision:
        differences.append(_DECISION)
    if differences:
        raise _mismatch(differences)


__all__ = [
    "SignedDocument",
    "check_consent_matches",
    "check_request_matches",
    "verify_signed_consent",
    "verify_signed_request",
]
