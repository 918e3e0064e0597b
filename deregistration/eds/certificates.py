"""The signer's certificate: chain to a trusted root, validity, revocation, key usage and the IIN.

Why ``cryptography`` and not pyhanko-certvalidator
--------------------------------------------------
Path building uses ``cryptography.x509.verification`` (Rust, RFC 5280 path building with the CA/B-Forum CA
profile: ``basicConstraints cA`` asserted, ``keyCertSign``, path length, name constraints, validity of every
certificate in the path, RSA >= 2048 bits). Revocation is checked here against the configured CRL file with
``cryptography``'s CRL objects. pyhanko-certvalidator would do both, but:

* it silently skips revocation for a certificate that carries no CRL distribution point or OCSP address
  (NOTES.md); here a certificate whose issuer has no usable CRL is refused (``crl_unavailable``, hard fail);
* it reports every failure as a path-validation error, where we need one stable code per reason;
* it is asyncio-first and pure Python (asn1crypto); this code sits on the submission path and the benchmark
  (``bench/bench_eds.py``) shows the whole certificate check costs less than the XML signature check itself.

What the CRL check does: every certificate below the trust anchor needs a CRL from its issuer in ``EDS_CRL``
(a PEM file may hold several CRLs, or one DER CRL), signed by that issuer's key, with ``nextUpdate`` still
ahead; otherwise ``crl_unavailable``. A listed serial is ``certificate_revoked`` whatever the reason (a
suspension too). Delta CRLs and CRLs whose issuing distribution point narrows their scope are not used.
Certificates in the trust file are trusted as configured: to stop trusting an intermediate, remove it from
``EDS_TRUST_ROOTS``.

The CA profile is the CA/B-Forum one that ``cryptography`` ships; if a real NCA RK CA certificate ever fails
it, relax ``CA_POLICY`` (it must keep requiring ``basicConstraints cA``, which ``cryptography`` enforces
anyway).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from django.core.exceptions import ImproperlyConfigured

from .errors import (
    CERTIFICATE_EXPIRED,
    CERTIFICATE_KEY_USAGE,
    CERTIFICATE_NO_IIN,
    CERTIFICATE_NOT_YET_VALID,
    CERTIFICATE_REVOKED,
    CERTIFICATE_UNTRUSTED,
    CRL_UNAVAILABLE,
    EDSError,
)

# Leaf, at most three intermediates, root.
MAX_CHAIN_DEPTH = 3
# A CRL dated this far in the future of our clock is not believed.
CRL_CLOCK_SLACK = dt.timedelta(minutes=10)

EKU_NCA_INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
SIGNING_EKUS = frozenset({ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_NCA_INDIVIDUAL})

_SUBJECT_IIN = re.compile(r"IIN(\d{12})")


def _refuse_ca_as_signer(
    _policy: object, _certificate: x509.Certificate, value: x509.BasicConstraints | None
) -> None:
    if value is not None and value.ca:
        raise ValueError("a CA certificate cannot sign a citizen's request")


# Key usage and extended key usage of the signer are checked by check_key_usage, with their own error code.
EE_POLICY = ExtensionPolicy.permit_all().may_be_present(
    x509.BasicConstraints, Criticality.AGNOSTIC, _refuse_ca_as_signer
)
CA_POLICY = ExtensionPolicy.webpki_defaults_ca()


# --- reading the trust file and the CRLs, cached by file identity ------------------------------------------

_T = TypeVar("_T")
_cache: dict[tuple[object, ...], object] = {}
_cache_lock = threading.Lock()


def _cached(kind: str, path: Path, load: Callable[[bytes], _T]) -> _T:
    """Parse a file once per version of it (path, inode, size, modification time)."""
    stat = os.stat(path)
    key = (kind, str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            return _cache[key]  # type: ignore[return-value]
    value = load(Path(path).read_bytes())
    with _cache_lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = value
    return value


class TrustAnchors:
    """The trusted CA certificates (roots and intermediates) as a verification store."""

    def __init__(self, certificates: Sequence[x509.Certificate]):
        if not certificates:
            raise ValueError("no certificate")
        self.certificates = tuple(certificates)
        self.store = Store(list(certificates))


def _parse_trust_file(data: bytes) -> TrustAnchors:
    if b"-----BEGIN" in data:
        return TrustAnchors(x509.load_pem_x509_certificates(data))
    return TrustAnchors([x509.load_der_x509_certificate(data)])


def load_trust_anchors(path: str | os.PathLike[str]) -> TrustAnchors:
    """The trust file; a missing or unreadable one is a configuration error, never the citizen's fault."""
    try:
        return _cached("trust", Path(path), _parse_trust_file)
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(
            f"EDS_TRUST_ROOTS ({path}) cannot be read: {error.__class__.__name__}"
        ) from None


_PEM_CRL = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----", re.DOTALL)


def _parse_crl_file(data: bytes) -> tuple[x509.CertificateRevocationList, ...]:
    if b"-----BEGIN" in data:
        blocks = _PEM_CRL.findall(data)
        if not blocks:
            raise ValueError("no CRL in the file")
        return tuple(x509.load_pem_x509_crl(block) for block in blocks)
    return (x509.load_der_x509_crl(data),)


def load_crls(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> tuple[x509.CertificateRevocationList, ...]:
    """Every CRL in the configured file(s); EDSError(crl_unavailable) if any cannot be read."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    crls: list[x509.CertificateRevocationList] = []
    try:
        for path in paths:
            crls.extend(_cached("crl", Path(path), _parse_crl_file))
    except (OSError, ValueError):
        raise EDSError(CRL_UNAVAILABLE) from None
    return tuple(crls)


# --- the checks -------------------------------------------------------------------------------------------


def check_validity(certificate: x509.Certificate, *, at: dt.datetime) -> None:
    """The certificate's validity period contains ``at``."""
    if at < certificate.not_valid_before_utc:
        raise EDSError(CERTIFICATE_NOT_YET_VALID)
    if at > certificate.not_valid_after_utc:
        raise EDSError(CERTIFICATE_EXPIRED)


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: TrustAnchors,
    *,
    at: dt.datetime,
) -> list[x509.Certificate]:
    """The path from ``leaf`` to a trust anchor (leaf first, anchor last), or EDSError(certificate_untrusted).

    ``intermediates`` are untrusted helpers (the certificates the signature carried); only the trust file's
    certificates can end a path, so a self-signed or foreign certificate never verifies.
    """
    verifier = (
        PolicyBuilder()
        .store(anchors.store)
        .time(at)
        .max_chain_depth(MAX_CHAIN_DEPTH)
        .extension_policies(ca_policy=CA_POLICY, ee_policy=EE_POLICY)
        .build_client_verifier()
    )
    try:
        return list(verifier.verify(leaf, list(intermediates)).chain)
    except VerificationError:
        raise EDSError(CERTIFICATE_UNTRUSTED) from None


def _usable_crl(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
        return False
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        pass
    else:
        return False
    try:
        scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return True
    return not (
        scope.only_contains_ca_certs
        or scope.only_contains_user_certs
        or scope.only_contains_attribute_certs
        or scope.only_some_reasons
        or scope.indirect_crl
    )


def check_revocation(
    chain: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    *,
    now: dt.datetime,
) -> None:
    """No certificate below the trust anchor is revoked, according to a current CRL of its issuer."""
    for certificate, issuer in itertools.pairwise(chain):
        candidates = [crl for crl in crls if _usable_crl(crl, issuer)]
        if not candidates:
            raise EDSError(CRL_UNAVAILABLE)
        crl = max(candidates, key=lambda c: c.last_update_utc)
        if (
            crl.next_update_utc is None
            or crl.next_update_utc < now
            or crl.last_update_utc > now + CRL_CLOCK_SLACK
        ):
            raise EDSError(CRL_UNAVAILABLE)
        if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
            raise EDSError(CERTIFICATE_REVOKED)


def check_key_usage(certificate: x509.Certificate) -> None:
    """A signing certificate: nonRepudiation (contentCommitment), and a signing EKU if it names any.

    NCA RK issues each person two keys: an authentication key (digitalSignature, keyEncipherment; client
    authentication) and a signing key (digitalSignature + nonRepudiation). Only the signing key may sign a
    legal request, so nonRepudiation is what tells them apart.
    """
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise EDSError(CERTIFICATE_KEY_USAGE) from None
    if not key_usage.content_commitment:
        raise EDSError(CERTIFICATE_KEY_USAGE)
    try:
        extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not SIGNING_EKUS.intersection(extended):
        raise EDSError(CERTIFICATE_KEY_USAGE)


def certificate_iin(certificate: x509.Certificate) -> str:
    """The holder's IIN from the subject's serialNumber (``IIN`` + 12 digits); else certificate_no_iin."""
    values = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if len(values) != 1:
        raise EDSError(CERTIFICATE_NO_IIN)
    match = _SUBJECT_IIN.fullmatch(str(values[0].value))
    if match is None:
        raise EDSError(CERTIFICATE_NO_IIN)
    return match.group(1)


def common_name(certificate: x509.Certificate) -> str:
    values = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


# The attribute names NCA RK's tools print, for the ones RFC 4514 leaves as bare OIDs.
_NAME_LABELS = {
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
}


def readable_name(name: x509.Name) -> str:
    """A distinguished name as one line (RFC 4514 order), e.g. ``C=KZ,SERIALNUMBER=IIN...,CN=...``."""
    return name.rfc4514_string(attr_name_overrides=_NAME_LABELS)
