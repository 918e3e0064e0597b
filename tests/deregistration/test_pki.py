"""The demo PKI: what it writes, that it is idempotent, and that its certificates look like NCA RK's."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from deregistration import eds
from devtools import pki

CITIZENS = [
    pki.CitizenIdentity("800315300018", "Ахметов", "Нұрлан", "Серікұлы"),
    pki.CitizenIdentity("850722400028", "Ахметова", "Айгүл", ""),
]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo-pki")
    pki.ensure_demo_pki(directory, CITIZENS)
    return directory


def _attribute(name: x509.Name, oid) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def test_demo_pki_writes_the_root_its_crl_the_seal_and_each_citizens_key(demo_dir):
    expected = ["ca.pem", "ca.key.pem", "ca.crl", "seal.pem", "seal.key.pem"]
    expected += [f"citizens/{c.iin}{suffix}" for c in CITIZENS for suffix in (".pem", ".key.pem")]

    for name in expected:
        assert (demo_dir / name).is_file(), name


def test_private_keys_are_readable_by_their_owner_only(demo_dir):
    keys = [demo_dir / "ca.key.pem", demo_dir / "seal.key.pem", *(demo_dir / "citizens").glob("*.key.pem")]

    assert len(keys) == 2 + len(CITIZENS)
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_root_ca_is_a_self_signed_ca(demo_dir):
    ca = pki.DemoPKI(demo_dir).load_ca().certificate

    assert _attribute(ca.subject, NameOID.COMMON_NAME) == [pki.DEMO_ROOT_NAME]
    assert ca.issuer == ca.subject
    ca.verify_directly_issued_by(ca)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign


def test_citizen_certificate_is_shaped_like_an_nca_personal_certificate(demo_dir):
    demo = pki.DemoPKI(demo_dir)
    certificate = demo.load_citizen("800315300018").certificate
    subject = certificate.subject

    assert _attribute(subject, NameOID.COMMON_NAME) == ["АХМЕТОВ НҰРЛАН"]
    assert _attribute(subject, NameOID.SURNAME) == ["АХМЕТОВ"]
    assert _attribute(subject, NameOID.GIVEN_NAME) == ["СЕРІКҰЛЫ"]  # the patronymic, as NCA RK writes it
    assert _attribute(subject, NameOID.SERIAL_NUMBER) == ["IIN800315300018"]
    assert _attribute(subject, NameOID.COUNTRY_NAME) == ["KZ"]
    certificate.verify_directly_issued_by(demo.load_ca().certificate)

    key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical
    assert key_usage.value.digital_signature
    assert key_usage.value.content_commitment
    assert not key_usage.value.key_encipherment
    ekus = set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert ekus == {ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.2.398.3.3.4.1.1")}
    distribution = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [name.value for point in distribution for name in point.full_name] == [pki.DEMO_CRL_URL]
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    ocsp = [d.access_location.value for d in access if d.access_method == AuthorityInformationAccessOID.OCSP]
    assert ocsp == [pki.DEMO_OCSP_URL]

    now = timezone.now()
    assert now - dt.timedelta(days=366) < certificate.not_valid_before_utc < now - dt.timedelta(days=364)
    assert now + dt.timedelta(days=729) < certificate.not_valid_after_utc < now + dt.timedelta(days=731)


def test_citizen_without_patronymic_has_no_givenname(demo_dir):
    certificate = pki.DemoPKI(demo_dir).load_citizen("850722400028").certificate

    assert _attribute(certificate.subject, NameOID.GIVEN_NAME) == []
    assert _attribute(certificate.subject, NameOID.COMMON_NAME) == ["АХМЕТОВА АЙГҮЛ"]


def test_seal_is_a_signing_certificate_of_the_state_corporation(demo_dir):
    demo = pki.DemoPKI(demo_dir)
    seal = pki.load_certified_key(demo.seal_cert_path, demo.seal_key_path).certificate

    assert _attribute(seal.subject, NameOID.COMMON_NAME) == [pki.DEMO_SEAL_NAME]
    assert _attribute(seal.subject, NameOID.ORGANIZATION_NAME) == [pki.DEMO_SEAL_ORGANIZATION]
    assert _attribute(seal.subject, NameOID.COUNTRY_NAME) == ["KZ"]
    key_usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert key_usage.digital_signature
    assert key_usage.content_commitment
    seal.verify_directly_issued_by(demo.load_ca().certificate)


def test_crl_is_signed_by_the_root_and_current(demo_dir):
    crl = x509.load_pem_x509_crl((demo_dir / "ca.crl").read_bytes())
    ca = pki.DemoPKI(demo_dir).load_ca().certificate

    assert crl.issuer == ca.subject
    assert crl.is_signature_valid(ca.public_key())
    assert crl.next_update_utc > timezone.now()


def test_demo_pki_is_idempotent_and_refreshes_only_the_crl(tmp_path):
    pki.ensure_demo_pki(tmp_path, CITIZENS[:1])
    kept = ["ca.pem", "ca.key.pem", "seal.pem", "seal.key.pem", "citizens/800315300018.pem"]
    before = {name: (tmp_path / name).read_bytes() for name in kept}
    crl_before = x509.load_pem_x509_crl((tmp_path / "ca.crl").read_bytes())

    pki.ensure_demo_pki(tmp_path, CITIZENS[:1])

    assert {name: (tmp_path / name).read_bytes() for name in kept} == before
    crl_after = x509.load_pem_x509_crl((tmp_path / "ca.crl").read_bytes())
    number = lambda crl: crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number  # noqa: E731
    assert number(crl_after) == number(crl_before) + 1


def test_adding_a_citizen_later_issues_only_that_certificate(tmp_path):
    pki.ensure_demo_pki(tmp_path, CITIZENS[:1])
    first = (tmp_path / "citizens/800315300018.pem").read_bytes()

    pki.ensure_demo_pki(tmp_path, CITIZENS)

    assert (tmp_path / "citizens/800315300018.pem").read_bytes() == first
    assert (tmp_path / "citizens/850722400028.pem").is_file()


def test_losing_the_root_key_reissues_the_certificates_under_the_new_root(tmp_path):
    demo = pki.ensure_demo_pki(tmp_path, CITIZENS[:1])
    old_key = demo.citizen_key_path("800315300018").read_bytes()
    demo.ca_key_path.unlink()

    pki.ensure_demo_pki(tmp_path, CITIZENS[:1])

    ca = demo.load_ca().certificate
    demo.load_citizen("800315300018").certificate.verify_directly_issued_by(ca)
    pki.load_certified_key(demo.seal_cert_path, demo.seal_key_path).certificate.verify_directly_issued_by(ca)
    assert demo.citizen_key_path("800315300018").read_bytes() == old_key  # the citizen keeps their key


def test_revoke_lists_the_serial_and_survives_a_refresh(tmp_path):
    demo = pki.ensure_demo_pki(tmp_path, CITIZENS[:1])
    serial = demo.load_citizen("800315300018").serial_number

    pki.revoke(tmp_path, serial)
    pki.ensure_demo_pki(tmp_path, CITIZENS[:1])

    crl = x509.load_pem_x509_crl(demo.crl_path.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert crl.is_signature_valid(demo.load_ca().certificate.public_key())


@pytest.mark.parametrize("iin", ["../../etc/passwd", "80031530001", "8003153000188"])
def test_a_citizen_iin_must_be_twelve_digits(tmp_path, iin):
    with pytest.raises(ValueError, match="12 digits"):
        pki.ensure_demo_pki(tmp_path, [pki.CitizenIdentity(iin, "А", "Б")])


def test_demo_certificates_verify_end_to_end_and_fail_once_revoked(tmp_path):
    demo = pki.ensure_demo_pki(tmp_path, CITIZENS[:1])
    citizen = demo.load_citizen("800315300018")
    xml = eds.build_request_xml(
        applicant_iin="800315300018",
        address_code="0201400012345678",
        subjects=["850722400028"],
        requested_at=timezone.now(),
        nonce="demo",
    )
    signed = eds.sign_xml(xml, key_pem=citizen.key_pem, cert_pem=citizen.cert_pem)
    paths = {"trust_roots": demo.ca_cert_path, "crl": demo.crl_path}

    assert eds.verify_signed_request(signed, **paths).signer_common_name == "АХМЕТОВ НҰРЛАН"

    pki.revoke(tmp_path, citizen.serial_number)

    with pytest.raises(eds.EDSError) as info:
        eds.verify_signed_request(signed, **paths)
    assert info.value.code == eds.CERTIFICATE_REVOKED


# --- building blocks ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca():
    return pki.make_ca("NCA RK BLOCKS ROOT")


@pytest.fixture(scope="module")
def key():
    return pki.generate_key()


def test_personal_certificate_options(ca, key):
    no_iin = pki.make_personal_certificate(ca, iin="800315300018", key=key, include_iin=False)
    bare = pki.make_personal_certificate(
        ca, iin="800315300018", key=key, key_usage=None, extended_key_usage=None, crl_url=None, ocsp_url=None
    )
    dated = pki.make_personal_certificate(
        ca,
        iin="800315300018",
        key=key,
        not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )

    assert _attribute(no_iin.certificate.subject, NameOID.SERIAL_NUMBER) == []
    present = {extension.oid for extension in bare.certificate.extensions}
    assert x509.KeyUsage.oid not in present
    assert x509.ExtendedKeyUsage.oid not in present
    assert x509.CRLDistributionPoints.oid not in present
    assert dated.certificate.not_valid_after_utc == dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    assert no_iin.private_key is key


def test_self_signed_certificate_issues_itself(key):
    forged = pki.make_self_signed_certificate(iin="800315300018", key=key)

    assert forged.certificate.issuer == forged.certificate.subject
    forged.certificate.verify_directly_issued_by(forged.certificate)


def test_intermediate_ca_is_issued_by_its_root(ca, key):
    intermediate = pki.make_ca("NCA RK BLOCKS INTERMEDIATE", issuer=ca, key=key)

    intermediate.certificate.verify_directly_issued_by(ca.certificate)
    assert intermediate.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_make_crl_lists_the_revoked_serials(ca):
    crl = pki.make_crl(ca, [5, 7, 7])

    assert sorted(entry.serial_number for entry in crl) == [5, 7]
    assert crl.is_signature_valid(ca.private_key.public_key())
