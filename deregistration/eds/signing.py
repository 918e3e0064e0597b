"""Signing as NCALayer's ``signXml`` does, for the demo signer, the ``sign_request`` command and the tests.

The output: an XML declaration; an enveloped ``ds:Signature`` as the root's last child with one
``Reference URI=""``, transforms enveloped-signature and C14N 1.0 with comments, rsa-sha256 over a SHA-256
digest; ``KeyInfo/X509Data`` with the signer's certificate (and, if given, its chain).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)

from .errors import DemoKeyNotFound, DemoSignerDisabled
from .xmlsafe import load_untrusted_xml

NCALAYER_C14N = CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS


class KeyCertificateMismatch(ValueError):
    """The private key is not the one the certificate certifies."""


def _public_der(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_certificates(pems: Iterable[bytes]) -> list[x509.Certificate]:
    certificates: list[x509.Certificate] = []
    for pem in pems:
        certificates.extend(x509.load_pem_x509_certificates(pem))
    return certificates


def sign_xml(
    xml: bytes | str,
    *,
    key_pem: bytes,
    cert_pem: bytes,
    chain_pems: Iterable[bytes] = (),
    c14n_algorithm: CanonicalizationMethod | str = NCALAYER_C14N,
    password: bytes | None = None,
) -> bytes:
    """``xml`` with an enveloped RSA-SHA256 signature by ``key_pem``, certified by ``cert_pem``.

    Raises ValueError for an unreadable key or certificate, ``KeyCertificateMismatch`` when they do not belong
    together, and EDSError(forbidden_xml / malformed_document) for a document no verifier would accept.
    """
    _checked, root = load_untrusted_xml(xml)
    key = serialization.load_pem_private_key(key_pem, password=password)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Only RSA keys are supported (rsa-sha256).")
    certificate = x509.load_pem_x509_certificate(cert_pem)
    if _public_der(key.public_key()) != _public_der(certificate.public_key()):  # type: ignore[arg-type]
        raise KeyCertificateMismatch("The private key does not match the certificate.")
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=c14n_algorithm,
    )
    signed = signer.sign(root, key=key, cert=[certificate, *_load_certificates(chain_pems)])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def demo_signer_enabled() -> bool:
    """The demo signer runs only with DEBUG on *and* EDS_DEMO_SIGNER on (production forces the latter off)."""
    return bool(settings.DEBUG) and bool(getattr(settings, "EDS_DEMO_SIGNER", False))


def demo_sign(xml: bytes | str, *, iin: str) -> bytes:
    """Sign as the demo citizen ``iin`` would with NCALayer, using the key ``seed_demo`` made for them.

    Raises ``DemoSignerDisabled`` unless ``demo_signer_enabled()``, ``DemoKeyNotFound`` if that citizen has no
    demo key in ``settings.EDS_DEMO_KEYS_DIR``.
    """
    if not demo_signer_enabled():
        raise DemoSignerDisabled("The demo signer is available only with DEBUG and EDS_DEMO_SIGNER on.")
    from devtools.pki import (  # development only: with DEBUG, never at import
        citizen_cert_path,
        citizen_key_path,
    )

    keys_dir = Path(settings.EDS_DEMO_KEYS_DIR)
    try:
        cert_path, key_path = citizen_cert_path(keys_dir, iin), citizen_key_path(keys_dir, iin)
    except ValueError:
        raise DemoKeyNotFound("An IIN is exactly 12 digits.") from None
    if not (cert_path.is_file() and key_path.is_file()):
        raise DemoKeyNotFound("This citizen has no demo key; run seed_demo.")
    return sign_xml(xml, key_pem=key_path.read_bytes(), cert_pem=cert_path.read_bytes())
