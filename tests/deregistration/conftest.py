"""EDS fixtures: a test PKI built once per session, and helpers to sign requests and consents with it.

Use in any test that needs a signed request::

    def test_portal_submission(sign_request_for, owner, resident):
        xml = sign_request_for(owner.iin, address_code=dwelling.address_code, subjects=[resident.iin])
        application_submit(..., signed_request=xml.decode())

``eds_pki`` points ``settings.EDS_TRUST_ROOTS``, ``EDS_CRL`` and ``EDS_DEMO_KEYS_DIR`` at the test PKI for the
test (the ``settings`` fixture restores them). It mints a certificate for any IIN on demand, all sharing one
pre-generated key (RSA key generation is the slow part; the certificate is what carries the IIN), and can
sign with bespoke certificates (``eds_pki.certificate(...)``), add a chain, pick the canonicalisation, or
revoke (``eds_pki.revoke(serial)`` publishes a new CRL for this test only).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from deregistration import eds
from devtools import pki

APPLICANT_IIN = "800315300018"
SUBJECT_IIN = "850722400028"
OTHER_IIN = "061211600012"
ADDRESS_CODE = "0201400012345678"


@dataclass
class EdsTestPKI:
    """A root CA with its CRL on disk, certificates minted on demand, and signing helpers."""

    directory: Path
    ca: pki.CertifiedKey
    citizen_key: rsa.RSAPrivateKey
    spare_keys: tuple[rsa.RSAPrivateKey, ...]
    _citizens: dict[str, pki.CertifiedKey] = field(default_factory=dict)
    _crl_counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def ca_path(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def crl_path(self) -> Path:
        return self.directory / "ca.crl"

    @property
    def keys_dir(self) -> Path:
        return self.directory / "citizens"

    def citizen(self, iin: str) -> pki.CertifiedKey:
        """The (cached) valid signing certificate of ``iin``, also written where the demo signer looks."""
        if iin not in self._citizens:
            certified = self.certificate(iin=iin)
            pki.write_certified_key(
                pki.citizen_cert_path(self.keys_dir, iin), pki.citizen_key_path(self.keys_dir, iin), certified
            )
            self._citizens[iin] = certified
        return self._citizens[iin]

    def certificate(self, *, iin: str = APPLICANT_IIN, ca: pki.CertifiedKey | None = None, **options):
        """A personal certificate by this PKI's CA (or ``ca``) on the shared key; options as in pki."""
        options.setdefault("key", self.citizen_key)
        return pki.make_personal_certificate(ca or self.ca, iin=iin, **options)

    def write_crl(self, revoked_serials: Iterable[int] = (), **options) -> Path:
        """A new CRL file for this CA (a fresh path each time, so caches never mix them up)."""
        path = self.directory / f"crl-{next(self._crl_counter)}.crl"
        pki.write_crl(path, pki.make_crl(self.ca, revoked_serials, **options))
        return path

    def sign(
        self,
        xml: bytes,
        *,
        signer: pki.CertifiedKey,
        chain: Iterable[pki.CertifiedKey] = (),
        c14n: str | None = None,
    ) -> bytes:
        options = {"c14n_algorithm": c14n} if c14n else {}
        return eds.sign_xml(
            xml,
            key_pem=signer.key_pem,
            cert_pem=signer.cert_pem,
            chain_pems=[c.cert_pem for c in chain],
            **options,
        )

    def request_xml(self, iin: str = APPLICANT_IIN, **fields) -> bytes:
        values = {
            "applicant_iin": iin,
            "address_code": ADDRESS_CODE,
            "subjects": [SUBJECT_IIN],
            "requested_at": timezone.now(),
            "nonce": uuid.uuid4().hex,
        }
        values.update(fields)
        return eds.build_request_xml(**values)

    def consent_xml(self, iin: str = OTHER_IIN, **fields) -> bytes:
        values = {
            "application_number": "DR-2026-000001",
            "co_owner_iin": iin,
            "decision": eds.DECISION_APPROVE,
            "requested_at": timezone.now(),
            "nonce": uuid.uuid4().hex,
        }
        values.update(fields)
        return eds.build_consent_xml(**values)

    def sign_request_for(
        self,
        iin: str = APPLICANT_IIN,
        *,
        signer: pki.CertifiedKey | None = None,
        chain: Iterable[pki.CertifiedKey] = (),
        c14n: str | None = None,
        **fields,
    ) -> bytes:
        """A request by ``iin`` (fields overridable), signed with ``iin``'s certificate unless ``signer``."""
        return self.sign(
            self.request_xml(iin, **fields), signer=signer or self.citizen(iin), chain=chain, c14n=c14n
        )

    def sign_consent_for(
        self,
        iin: str = OTHER_IIN,
        *,
        signer: pki.CertifiedKey | None = None,
        chain: Iterable[pki.CertifiedKey] = (),
        c14n: str | None = None,
        **fields,
    ) -> bytes:
        """A co-owner's consent by ``iin`` (fields overridable), signed with ``iin``'s certificate."""
        return self.sign(
            self.consent_xml(iin, **fields), signer=signer or self.citizen(iin), chain=chain, c14n=c14n
        )


@dataclass
class EdsTestSettings:
    """The session PKI, bound to one test's settings."""

    pki: EdsTestPKI
    settings: object

    def __getattr__(self, name):
        return getattr(self.pki, name)

    def revoke(self, *serials: int, **options) -> Path:
        """Publish a CRL listing ``serials`` and use it for the rest of this test."""
        path = self.pki.write_crl(serials, **options)
        self.settings.EDS_CRL = str(path)
        return path


@pytest.fixture(scope="session")
def eds_session_pki(tmp_path_factory) -> EdsTestPKI:
    directory = tmp_path_factory.mktemp("eds-pki")
    keys = [pki.generate_key() for _ in range(4)]
    ca = pki.make_ca("NCA RK TEST ROOT", key=keys[0], not_before=timezone.now() - dt.timedelta(days=30))
    pki.write_certificate(directory / "ca.pem", ca.certificate)
    pki.write_crl(directory / "ca.crl", pki.make_crl(ca))
    return EdsTestPKI(directory=directory, ca=ca, citizen_key=keys[1], spare_keys=tuple(keys[2:]))


@pytest.fixture
def eds_pki(settings, eds_session_pki) -> EdsTestSettings:
    """The test PKI, with the EDS settings pointing at it for this test."""
    settings.EDS_TRUST_ROOTS = str(eds_session_pki.ca_path)
    settings.EDS_CRL = str(eds_session_pki.crl_path)
    settings.EDS_DEMO_KEYS_DIR = eds_session_pki.keys_dir
    return EdsTestSettings(eds_session_pki, settings)


@pytest.fixture
def sign_request_for(eds_pki):
    """``sign_request_for(iin, **fields) -> bytes``: a request signed with ``iin``'s valid test certificate."""
    return eds_pki.sign_request_for


@pytest.fixture
def sign_consent_for(eds_pki):
    """``sign_consent_for(iin, **fields) -> bytes``: a co-owner's consent signed with ``iin``'s certificate."""
    return eds_pki.sign_consent_for
