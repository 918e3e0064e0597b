"""Signature verifiers: one interface, so that a GOST or NCANode adapter can stand beside the RSA one.

A verifier answers two questions about an already parsed, hardened document tree:

* ``verify_signature(root)``: is there exactly one enveloped signature over the whole document, does it
  verify, and with which certificate? It returns what the signature covers (never the original tree, so
  nothing outside the signature can be smuggled in) and the signer's certificate.
* ``verify_certificate_path(signature, now=...)``: does that certificate chain to a trusted root, and is
  nothing on the path revoked?

The rest (the document's fields, validity dates, key usage, the IIN, the clock) is the same whatever the
algorithm and lives in ``verify.py``. ``XmlDsigVerifier`` is the RSA implementation with signxml and
cryptography. A GOST 34.310 adapter (NCA RK keys are often GOST; ``cryptography`` parses those certificates
but cannot verify their signatures) would implement the same two methods, e.g. by calling NCANode's HTTP API,
and be selected with ``settings.EDS_VERIFIER = "dotted.path.ToClass"`` or passed as ``verifier=``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils.module_loading import import_string
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidDigest, SignXMLException

from ..development import ensure_development_pki
from .certificates import check_revocation, load_crls, load_trust_anchors, verify_chain
from .errors import (
    DIGEST_MISMATCH,
    MALFORMED_DOCUMENT,
    SIGNATURE_INVALID,
    UNSUPPORTED_ALGORITHM_MESSAGE,
    EDSError,
)
from .xmlsafe import hardened_parser

DS_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
_DS = {"ds": DS_NAMESPACE}
MAX_KEYINFO_CERTIFICATES = 8

# NCALayer produces rsa-sha256 over SHA-256 digests; the stronger SHA-2 variants are harmless to accept.
SIGNATURE_METHODS = frozenset(
    {SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512}
)
_SIGNATURE_METHOD_URIS = frozenset(method.value for method in SIGNATURE_METHODS)
DIGEST_ALGORITHMS = frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512})
# Inclusive C14N 1.0/1.1 and exclusive C14N, with or without comments: every one signxml knows.
ALLOWED_TRANSFORMS = frozenset(
    {SignatureConstructionMethod.enveloped.value} | {method.value for method in CanonicalizationMethod}
)


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified: what it covers, and the certificate whose key made it."""

    signed_root: etree._Element
    certificate: x509.Certificate
    other_certificates: tuple[x509.Certificate, ...] = ()


class SignatureVerifier(Protocol):
    def verify_signature(self, root: etree._Element) -> VerifiedSignature: ...

    def verify_certificate_path(self, signature: VerifiedSignature, *, now: dt.datetime) -> None: ...


def _invalid() -> EDSError:
    return EDSError(SIGNATURE_INVALID)


def _keyinfo_certificates(signature: etree._Element) -> list[x509.Certificate]:
    elements = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _DS)
    if not elements or len(elements) > MAX_KEYINFO_CERTIFICATES:
        raise _invalid()
    certificates = []
    for element in elements:
        if len(element):
            raise _invalid()
        try:
            der = base64.b64decode("".join((element.text or "").split()), validate=True)
            certificates.append(x509.load_der_x509_certificate(der))
        except (binascii.Error, ValueError):
            raise _invalid() from None
    return certificates


def signer_certificate(certificates: list[x509.Certificate]) -> x509.Certificate:
    """The one certificate that issued none of the others: the end of the chain, whatever the order.

    Two unrelated end certificates (another person's next to one's own) are ambiguous and refused, so the key
    that verifies the signature is always the key of the certificate whose IIN is then checked.
    """
    if len(certificates) == 1:
        return certificates[0]
    ends = [
        candidate
        for candidate in certificates
        if not any(
            other is not candidate
            and other.issuer == candidate.subject
            and other.subject != candidate.subject
            for other in certificates
        )
    ]
    if len(ends) != 1:
        raise _invalid()
    return ends[0]


def _check_reference(signature: etree._Element) -> None:
    """The signature's one reference is the whole document (URI=""), enveloped, with known transforms only."""
    references = signature.findall("ds:SignedInfo/ds:Reference", _DS)
    if len(references) != 1 or references[0].get("URI") != "":
        raise _invalid()
    transforms = [t.get("Algorithm") for t in references[0].findall("ds:Transforms/ds:Transform", _DS)]
    if SignatureConstructionMethod.enveloped.value not in transforms:
        raise _invalid()
    if any(transform not in ALLOWED_TRANSFORMS for transform in transforms):
        raise _invalid()


class XmlDsigVerifier:
    """Enveloped XML-DSig with RSA keys (signxml), certificate path and CRL (cryptography).

    ``trust_roots`` and ``crl`` default to ``settings.EDS_TRUST_ROOTS`` and ``settings.EDS_CRL``, read at use.
    """

    def __init__(
        self,
        *,
        trust_roots: str | os.PathLike[str] | None = None,
        crl: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    ):
        self.trust_roots = trust_roots
        self.crl = crl

    def verify_signature(self, root: etree._Element) -> VerifiedSignature:
        signatures = list(root.iter(f"{{{DS_NAMESPACE}}}Signature"))
        if len(signatures) != 1 or signatures[0].getparent() is not root:
            raise _invalid()
        method = signatures[0].find("ds:SignedInfo/ds:SignatureMethod", _DS)
        if method is None or method.get("Algorithm") not in _SIGNATURE_METHOD_URIS:
            raise EDSError(SIGNATURE_INVALID, UNSUPPORTED_ALGORITHM_MESSAGE)
        certificates = _keyinfo_certificates(signatures[0])
        certificate = signer_certificate(certificates)
        try:
            rsa_key = isinstance(certificate.public_key(), rsa.RSAPublicKey)
        except (UnsupportedAlgorithm, ValueError):  # e.g. a GOST key, which cryptography cannot load
            rsa_key = False
        if not rsa_key:
            raise EDSError(SIGNATURE_INVALID, UNSUPPORTED_ALGORITHM_MESSAGE)
        config = SignatureConfiguration(
            require_x509=True,
            location="./",
            expect_references=1,
            signature_methods=SIGNATURE_METHODS,
            digest_algorithms=DIGEST_ALGORITHMS,
            # Validity dates are judged in verify.py (at requestedAt and now, with their own error codes);
            # asking signxml at a moment inside the period keeps its own date test from pre-empting them.
            verification_time=certificate.not_valid_before_utc,
        )
        try:
            result = XMLVerifier().verify(
                root, x509_cert=certificate, parser=hardened_parser(), expect_config=config
            )
        except InvalidDigest:
            raise EDSError(DIGEST_MISMATCH) from None
        except (SignXMLException, ValueError, etree.LxmlError):
            # InvalidSignature, InvalidInput (unknown or forbidden algorithm, KeyValue not matching the
            # certificate, ...), a schema-invalid ds:Signature.
            raise _invalid() from None
        _check_reference(result.signature_xml)
        if result.signed_xml is None:
            raise EDSError(MALFORMED_DOCUMENT)
        others = tuple(c for c in certificates if c is not certificate)
        return VerifiedSignature(result.signed_xml, certificate, others)

    def verify_certificate_path(self, signature: VerifiedSignature, *, now: dt.datetime) -> None:
        trust_roots, crl = self.trust_roots or settings.EDS_TRUST_ROOTS, self.crl or settings.EDS_CRL
        ensure_development_pki(trust_roots, crl)  # with DEBUG only: the demo CA, on first need
        anchors = load_trust_anchors(trust_roots)
        chain = verify_chain(signature.certificate, signature.other_certificates, anchors, at=now)
        check_revocation(chain, load_crls(crl), now=now)


def get_verifier(
    *,
    trust_roots: str | os.PathLike[str] | None = None,
    crl: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
) -> SignatureVerifier:
    """The configured verifier: ``settings.EDS_VERIFIER`` (a dotted path) if set, else ``XmlDsigVerifier``."""
    dotted = getattr(settings, "EDS_VERIFIER", None)
    verifier_class = import_string(dotted) if dotted else XmlDsigVerifier
    return verifier_class(trust_roots=trust_roots, crl=crl)
