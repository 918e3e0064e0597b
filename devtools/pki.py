"""A demo public-key infrastructure shaped like Kazakhstan's NCA RK: real X.509, RSA 2048, SHA-256.

Two layers:

* building blocks (``make_ca``, ``make_personal_certificate``, ``make_self_signed_certificate``,
  ``make_seal_certificate``, ``make_crl``) that return objects in memory; tests use them to mint expired,
  not-yet-valid, revoked, foreign, self-signed, wrong-key-usage and IIN-less certificates on the fly;
* ``ensure_demo_pki``, which writes an idempotent demo PKI to a folder (``var/pki`` by default, never
  tracked): a root CA, its CRL, the State Corporation's seal for departure slips and one signing key per
  demo citizen.

A personal certificate follows what NCA RK issues to individuals (NOTES.md, "Signatures"): ``CN`` =
surname and name, ``SURNAME``, ``GIVENNAME`` holding the *patronymic*, ``serialNumber`` = ``IIN`` + 12 digits,
``C=KZ``; key usage digitalSignature + nonRepudiation (critical); EKU emailProtection + 1.2.398.3.3.4.1.1
(individual); a CRL distribution point and an OCSP address. The addresses are under ``.invalid`` so nothing
ever resolves them; they are there because validators such as pyhanko-certvalidator skip revocation for
certificates without them.

Private keys are written with mode 0600 and are demo keys only: the demo signer that uses them is refused
unless DEBUG is on (``deregistration.eds.demo_sign``). Development only: the product imports this module only
with DEBUG on, and never at module level (``deregistration.development``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from deregistration.checks import DEMO_CA_NAME

RSA_KEY_SIZE = 2048
# The product's checks refuse a deployment that trusts this CA or seals with a certificate it issued.
DEMO_ROOT_NAME = DEMO_CA_NAME
DEMO_SEAL_NAME = "Мемлекеттік корпорация (DEMO)"
DEMO_SEAL_ORGANIZATION = "«Азаматтарға арналған үкімет» мемлекеттік корпорациясы (DEMO)"
DEMO_CRL_URL = "http://crl.demo.pki.invalid/nca_rsa.crl"
DEMO_OCSP_URL = "http://ocsp.demo.pki.invalid/"
DEMO_CA_ISSUERS_URL = "http://pki.demo.pki.invalid/nca_rsa.cer"

# NCA RK's extended key usage for a certificate of an individual (a legal entity's is ...4.1.2).
EKU_NCA_INDIVIDUAL = ObjectIdentifier("1.2.398.3.3.4.1.1")
EKU_NCA_LEGAL_ENTITY = ObjectIdentifier("1.2.398.3.3.4.1.2")
PERSONAL_EKUS = (ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_NCA_INDIVIDUAL)

# Key usage flags by the names `cryptography` gives them (nonRepudiation is `content_commitment`).
SIGNING_KEY_USAGE = frozenset({"digital_signature", "content_commitment"})
_KEY_USAGE_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)

# How long demo certificates live, and when one is renewed by ensure_demo_pki.
CA_LIFETIME = dt.timedelta(days=3650)
PERSONAL_BACKDATE = dt.timedelta(days=365)
PERSONAL_LIFETIME_AHEAD = dt.timedelta(days=730)
RENEW_BEFORE = dt.timedelta(days=30)
# A published CRL is good for this long; ensure_demo_pki publishes a fresh one on every call.
CRL_LIFETIME = dt.timedelta(days=30)

_IIN_RE = re.compile(r"\d{12}")


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


@dataclass(frozen=True)
class CitizenIdentity:
    """Who a demo personal certificate is issued to."""

    iin: str
    last_name: str
    first_name: str
    patronymic: str = ""


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate and its private key."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @property
    def cert_pem(self) -> bytes:
        return certificate_pem(self.certificate)

    @property
    def key_pem(self) -> bytes:
        return private_key_pem(self.private_key)

    @property
    def serial_number(self) -> int:
        return self.certificate.serial_number


@dataclass(frozen=True)
class DemoPKI:
    """Where ``ensure_demo_pki`` put things."""

    directory: Path

    @property
    def ca_cert_path(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key_path(self) -> Path:
        return self.directory / "ca.key.pem"

    @property
    def crl_path(self) -> Path:
        return self.directory / "ca.crl"

    @property
    def seal_cert_path(self) -> Path:
        return self.directory / "seal.pem"

    @property
    def seal_key_path(self) -> Path:
        return self.directory / "seal.key.pem"

    @property
    def citizens_dir(self) -> Path:
        return self.directory / "citizens"

    def citizen_cert_path(self, iin: str) -> Path:
        return citizen_cert_path(self.citizens_dir, iin)

    def citizen_key_path(self, iin: str) -> Path:
        return citizen_key_path(self.citizens_dir, iin)

    def load_ca(self) -> CertifiedKey:
        return load_certified_key(self.ca_cert_path, self.ca_key_path)

    def load_citizen(self, iin: str) -> CertifiedKey:
        return load_certified_key(self.citizen_cert_path(iin), self.citizen_key_path(iin))


# --- building blocks --------------------------------------------------------------------------------------


def generate_key(key_size: int = RSA_KEY_SIZE) -> rsa.RSAPrivateKey:
    """A fresh RSA key (slow: tens of milliseconds; tests reuse keys where the key itself does not matter)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _key_usage(flags: Iterable[str]) -> x509.KeyUsage:
    wanted = set(flags)
    unknown = wanted - set(_KEY_USAGE_FLAGS)
    if unknown:
        raise ValueError(f"Unknown key usage flags: {sorted(unknown)}")
    return x509.KeyUsage(
        **{flag: flag in wanted for flag in _KEY_USAGE_FLAGS}, encipher_only=False, decipher_only=False
    )


def _ski(key: rsa.RSAPrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def make_ca(
    name: str = DEMO_ROOT_NAME,
    *,
    key: rsa.RSAPrivateKey | None = None,
    issuer: CertifiedKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    path_length: int | None = None,
    organization: str = "НУЦ РК (DEMO)",
) -> CertifiedKey:
    """A certification authority: a self-signed root, or an intermediate when ``issuer`` is given."""
    key = key or generate_key()
    now = _now()
    not_before = not_before or now - dt.timedelta(days=1)
    not_after = not_after or not_before + CA_LIFETIME
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    signing_key = issuer.private_key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage({"key_cert_sign", "crl_sign"}), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(DEMO_CRL_URL)], None, None, None)]
            ),
            critical=False,
        )
    return CertifiedKey(builder.sign(signing_key, hashes.SHA256()), key)


def _leaf_builder(
    ca: CertifiedKey | None,
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
    key_usage: Iterable[str] | None,
    extended_key_usage: Iterable[ObjectIdentifier] | None,
    crl_url: str | None,
    ocsp_url: str | None,
    serial_number: int | None,
) -> x509.CertificateBuilder:
    now = _now()
    not_before = not_before or now - PERSONAL_BACKDATE
    not_after = not_after or now + PERSONAL_LIFETIME_AHEAD
    issuer_key = ca.private_key if ca else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(serial_number or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
        .add_extension(_ski(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if key_usage is not None:
        builder = builder.add_extension(_key_usage(key_usage), critical=True)
    if extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(extended_key_usage)), critical=False)
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    ),
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(DEMO_CA_ISSUERS_URL),
                    ),
                ]
            ),
            critical=False,
        )
    return builder


def personal_subject(
    *, iin: str | None, last_name: str, first_name: str, patronymic: str = "", include_iin: bool = True
) -> x509.Name:
    """A subject name as NCA RK writes it for an individual (upper case, patronymic in GIVENNAME)."""
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{last_name} {first_name}".upper()),
        x509.NameAttribute(NameOID.SURNAME, last_name.upper()),
    ]
    if include_iin and iin is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"))
    attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"))
    if patronymic:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, patronymic.upper()))
    return x509.Name(attributes)


def make_personal_certificate(
    ca: CertifiedKey,
    *,
    iin: str,
    last_name: str = "ТЕСТОВ",
    first_name: str = "ТЕСТ",
    patronymic: str = "ТЕСТОВИЧ",
    key: rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_usage: Iterable[str] | None = SIGNING_KEY_USAGE,
    extended_key_usage: Iterable[ObjectIdentifier] | None = PERSONAL_EKUS,
    include_iin: bool = True,
    crl_url: str | None = DEMO_CRL_URL,
    ocsp_url: str | None = DEMO_OCSP_URL,
    serial_number: int | None = None,
    subject: x509.Name | None = None,
) -> CertifiedKey:
    """An individual's signing certificate issued by ``ca``.

    ``key_usage`` and ``extended_key_usage`` set to None leave the extension out; ``include_iin=False`` leaves
    the IIN out of the subject; ``subject`` replaces the whole subject name.
    """
    key = key or generate_key()
    subject = subject or personal_subject(
        iin=iin, last_name=last_name, first_name=first_name, patronymic=patronymic, include_iin=include_iin
    )
    builder = _leaf_builder(
        ca,
        subject=subject,
        key=key,
        not_before=not_before,
        not_after=not_after,
        key_usage=key_usage,
        extended_key_usage=extended_key_usage,
        crl_url=crl_url,
        ocsp_url=ocsp_url,
        serial_number=serial_number,
    )
    return CertifiedKey(builder.sign(ca.private_key, hashes.SHA256()), key)


def make_self_signed_certificate(
    *,
    iin: str,
    last_name: str = "ТЕСТОВ",
    first_name: str = "ТЕСТ",
    patronymic: str = "ТЕСТОВИЧ",
    key: rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> CertifiedKey:
    """A certificate that looks like a personal one but signs itself: what forging tools produce."""
    key = key or generate_key()
    subject = personal_subject(iin=iin, last_name=last_name, first_name=first_name, patronymic=patronymic)
    builder = _leaf_builder(
        None,
        subject=subject,
        key=key,
        not_before=not_before,
        not_after=not_after,
        key_usage=SIGNING_KEY_USAGE,
        extended_key_usage=PERSONAL_EKUS,
        crl_url=DEMO_CRL_URL,
        ocsp_url=DEMO_OCSP_URL,
        serial_number=None,
    )
    return CertifiedKey(builder.sign(key, hashes.SHA256()), key)


def make_seal_certificate(
    ca: CertifiedKey,
    *,
    key: rsa.RSAPrivateKey | None = None,
    common_name: str = DEMO_SEAL_NAME,
    organization: str = DEMO_SEAL_ORGANIZATION,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> CertifiedKey:
    """The State Corporation's seal, used to sign departure slips (a legal entity's signing certificate)."""
    key = key or generate_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    builder = _leaf_builder(
        ca,
        subject=subject,
        key=key,
        not_before=not_before,
        not_after=not_after,
        key_usage=SIGNING_KEY_USAGE,
        extended_key_usage=(ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_NCA_LEGAL_ENTITY),
        crl_url=DEMO_CRL_URL,
        ocsp_url=DEMO_OCSP_URL,
        serial_number=None,
    )
    return CertifiedKey(builder.sign(ca.private_key, hashes.SHA256()), key)


def make_crl(
    ca: CertifiedKey,
    revoked_serials: Iterable[int] = (),
    *,
    last_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    crl_number: int = 1,
    revoked_at: dt.datetime | None = None,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` listing ``revoked_serials`` (reason: key compromise)."""
    now = _now()
    last_update = last_update or now - dt.timedelta(minutes=5)
    next_update = next_update or last_update + CRL_LIFETIME
    revoked_at = revoked_at or last_update
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(last_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()), critical=False
        )
    )
    for serial in sorted(set(revoked_serials)):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(ca.private_key, hashes.SHA256())


# --- serialisation ----------------------------------------------------------------------------------------


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def crl_pem(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write to a temporary sibling created with ``mode`` and rename it, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(descriptor, mode)  # the umask may have narrowed or widened nothing; be exact
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    os.replace(temporary, path)


def write_certificate(path: Path, certificate: x509.Certificate) -> None:
    _write_atomically(path, certificate_pem(certificate), mode=0o644)


def write_private_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    """Private keys are readable by their owner only (0600)."""
    _write_atomically(path, private_key_pem(key), mode=0o600)


def write_crl(path: Path, crl: x509.CertificateRevocationList) -> None:
    _write_atomically(path, crl_pem(crl), mode=0o644)


def write_certified_key(cert_path: Path, key_path: Path, certified: CertifiedKey) -> None:
    write_private_key(key_path, certified.private_key)
    write_certificate(cert_path, certified.certificate)


def load_certified_key(cert_path: Path, key_path: Path) -> CertifiedKey:
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{key_path} is not an RSA private key")
    return CertifiedKey(certificate, key)


def citizen_cert_path(citizens_dir: Path, iin: str) -> Path:
    return citizens_dir / f"{_checked_iin(iin)}.pem"


def citizen_key_path(citizens_dir: Path, iin: str) -> Path:
    return citizens_dir / f"{_checked_iin(iin)}.key.pem"


def _checked_iin(iin: str) -> str:
    # The IIN becomes a file name: twelve digits and nothing else, so no path can be smuggled in.
    if not isinstance(iin, str) or not _IIN_RE.fullmatch(iin):
        raise ValueError("An IIN is exactly 12 digits.")
    return iin


# --- the demo PKI on disk ---------------------------------------------------------------------------------


def _is_current(certified: CertifiedKey, issuer: CertifiedKey, *, now: dt.datetime) -> bool:
    """Whether a stored certificate still fits: issued by this CA, its key, and not about to expire."""
    certificate = certified.certificate
    try:
        certificate.verify_directly_issued_by(issuer.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    same_key = (
        certificate.public_key().public_numbers() == certified.private_key.public_key().public_numbers()
    )
    return (
        same_key and certificate.not_valid_after_utc - RENEW_BEFORE > now >= certificate.not_valid_before_utc
    )


def _load_if_present(cert_path: Path, key_path: Path) -> CertifiedKey | None:
    if not (cert_path.exists() and key_path.exists()):
        return None
    try:
        return load_certified_key(cert_path, key_path)
    except ValueError:
        return None


def _read_revoked(directory: Path) -> set[int]:
    path = directory / "revoked.txt"
    if not path.exists():
        return set()
    return {int(line, 16) for line in path.read_text().split() if line}


def _next_crl_number(crl_path: Path) -> int:
    try:
        crl = x509.load_pem_x509_crl(crl_path.read_bytes())
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    except (FileNotFoundError, ValueError, x509.ExtensionNotFound):
        return 1


def _publish_crl(pki: DemoPKI, ca: CertifiedKey) -> None:
    crl = make_crl(ca, _read_revoked(pki.directory), crl_number=_next_crl_number(pki.crl_path))
    write_crl(pki.crl_path, crl)


def ensure_demo_pki(directory: Path, citizens: Iterable[CitizenIdentity] = ()) -> DemoPKI:
    """Create what is missing of the demo PKI in ``directory``; keep what is there and still fits.

    Idempotent: the root CA is made once (if its certificate or key is lost, everything is reissued); the
    seal and each citizen's certificate are reissued only when missing, issued by another CA, paired with
    another key or within 30 days of expiry. A fresh CRL (listing the serials passed to ``revoke``) is
    published on every call.
    """
    pki = DemoPKI(Path(directory))
    pki.directory.mkdir(parents=True, exist_ok=True)
    pki.citizens_dir.mkdir(parents=True, exist_ok=True)
    now = _now()

    ca = _load_if_present(pki.ca_cert_path, pki.ca_key_path)
    if ca is None or ca.certificate.not_valid_after_utc - RENEW_BEFORE <= now:
        ca = make_ca(DEMO_ROOT_NAME)
        write_certified_key(pki.ca_cert_path, pki.ca_key_path, ca)

    seal = _load_if_present(pki.seal_cert_path, pki.seal_key_path)
    if seal is None or not _is_current(seal, ca, now=now):
        write_certified_key(pki.seal_cert_path, pki.seal_key_path, make_seal_certificate(ca))

    for citizen in citizens:
        cert_path, key_path = pki.citizen_cert_path(citizen.iin), pki.citizen_key_path(citizen.iin)
        existing = _load_if_present(cert_path, key_path)
        if existing is not None and _is_current(existing, ca, now=now):
            continue
        issued = make_personal_certificate(
            ca,
            iin=citizen.iin,
            last_name=citizen.last_name,
            first_name=citizen.first_name,
            patronymic=citizen.patronymic,
            key=existing.private_key if existing is not None else None,
        )
        write_certified_key(cert_path, key_path, issued)

    _publish_crl(pki, ca)
    return pki


def revoke(directory: Path, serial: int) -> None:
    """Revoke a demo certificate by serial number and publish a new CRL that lists it."""
    pki = DemoPKI(Path(directory))
    revoked = _read_revoked(pki.directory) | {serial}
    _write_atomically(
        pki.directory / "revoked.txt", "".join(f"{s:x}\n" for s in sorted(revoked)).encode(), mode=0o644
    )
    _publish_crl(pki, pki.load_ca())
