"""Verification of signed requests and consents: each check has a test that fails if the check is removed."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.functional import Promise
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from deregistration import eds
from deregistration.eds import EDSError
from deregistration.eds.xmlsafe import MAX_DOCUMENT_BYTES, guard_untrusted_xml, parse_untrusted_xml
from devtools import pki

from .conftest import ADDRESS_CODE, APPLICANT_IIN, OTHER_IIN, SUBJECT_IIN

DS = "{http://www.w3.org/2000/09/xmldsig#}"
PROJECT_DIR = Path(__file__).resolve().parents[2]


def refusal(xml, *, verify=eds.verify_signed_request, **options) -> str:
    """The error code verification refuses ``xml`` with (fails the test if it is accepted)."""
    with pytest.raises(EDSError) as info:
        verify(xml, **options)
    return info.value.code


def timed_refusal(xml, **options) -> tuple[str, float]:
    started = time.perf_counter()
    code = refusal(xml, **options)
    return code, time.perf_counter() - started


# --- the good path ------------------------------------------------------------------------------------------


def test_good_signature_passes_and_reports_the_signed_fields(eds_pki):
    requested_at = timezone.now().replace(microsecond=0)
    xml = eds_pki.sign_request_for(
        APPLICANT_IIN, subjects=[SUBJECT_IIN, OTHER_IIN], requested_at=requested_at, nonce="n-1"
    )

    signed = eds.verify_signed_request(xml)

    assert signed.applicant_iin == APPLICANT_IIN
    assert signed.address_code == ADDRESS_CODE
    assert signed.subjects == (SUBJECT_IIN, OTHER_IIN)
    assert signed.requested_at == requested_at
    assert timezone.is_aware(signed.requested_at)
    assert signed.nonce == "n-1"
    certificate = eds_pki.citizen(APPLICANT_IIN).certificate
    assert signed.signer_iin == APPLICANT_IIN
    assert signed.signer_common_name == "ТЕСТОВ ТЕСТ"
    assert f"SERIALNUMBER=IIN{APPLICANT_IIN}" in signed.signer_subject
    assert signed.signer_serial == f"{certificate.serial_number:X}"
    assert "CN=NCA RK TEST ROOT" in signed.signer_issuer
    assert signed.signer_not_after == certificate.not_valid_after_utc
    assert re.fullmatch(r"[0-9a-f]{64}", signed.document_sha256)


def test_signed_xml_has_the_shape_ncalayer_produces(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)

    assert xml.startswith(b"<?xml version=")
    root = etree.fromstring(xml)
    signature = root[-1]
    assert signature.tag == f"{DS}Signature"
    reference = signature.find(f"{DS}SignedInfo/{DS}Reference")
    assert reference.get("URI") == ""
    assert [t.get("Algorithm") for t in reference.iterfind(f"{DS}Transforms/{DS}Transform")] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    ]
    assert (
        signature.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm")
        == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    assert reference.find(f"{DS}DigestMethod").get("Algorithm") == "http://www.w3.org/2001/04/xmlenc#sha256"
    assert len(signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")) == 1


@pytest.mark.parametrize(
    "c14n",
    [
        CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value,
        CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS.value,
        CanonicalizationMethod.CANONICAL_XML_1_0.value,
        CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS.value,
    ],
)
def test_every_canonicalisation_ncalayer_may_use_is_accepted(eds_pki, c14n):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, c14n=c14n)

    assert eds.verify_signed_request(xml).applicant_iin == APPLICANT_IIN


def test_certificate_with_its_root_in_keyinfo_is_accepted(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, chain=[eds_pki.ca])

    assert eds.verify_signed_request(xml).signer_iin == APPLICANT_IIN


def _intermediate(eds_pki):
    intermediate = pki.make_ca("NCA RK TEST INTERMEDIATE", issuer=eds_pki.ca, key=eds_pki.spare_keys[0])
    leaf = eds_pki.certificate(ca=intermediate)
    return intermediate, leaf


def _crl_file(path: Path, *crls) -> str:
    path.write_bytes(b"".join(pki.crl_pem(crl) for crl in crls))
    return str(path)


def test_certificate_with_intermediate_in_keyinfo_is_accepted(eds_pki, settings, tmp_path):
    intermediate, leaf = _intermediate(eds_pki)
    # Both links below the root need their issuer's CRL: the root's for the intermediate, and its own.
    settings.EDS_CRL = _crl_file(tmp_path / "both.crl", pki.make_crl(eds_pki.ca), pki.make_crl(intermediate))
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=leaf, chain=[intermediate, eds_pki.ca])

    assert eds.verify_signed_request(xml).signer_iin == APPLICANT_IIN


def test_intermediate_from_the_trust_file_is_used_when_keyinfo_has_the_certificate_alone(
    eds_pki, settings, tmp_path
):
    intermediate, leaf = _intermediate(eds_pki)
    trust = tmp_path / "trust.pem"
    trust.write_bytes(eds_pki.ca.cert_pem + intermediate.cert_pem)
    settings.EDS_TRUST_ROOTS = str(trust)
    settings.EDS_CRL = _crl_file(tmp_path / "inter.crl", pki.make_crl(intermediate))
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=leaf)

    assert eds.verify_signed_request(xml).signer_iin == APPLICANT_IIN


def test_missing_intermediate_is_untrusted(eds_pki):
    _intermediate_ca, leaf = _intermediate(eds_pki)
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=leaf)

    assert refusal(xml) == eds.CERTIFICATE_UNTRUSTED


def test_revoked_intermediate_is_refused(eds_pki, settings, tmp_path):
    intermediate, leaf = _intermediate(eds_pki)
    settings.EDS_CRL = _crl_file(
        tmp_path / "both.crl",
        pki.make_crl(eds_pki.ca, [intermediate.serial_number]),
        pki.make_crl(intermediate),
    )
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=leaf, chain=[intermediate])

    assert refusal(xml) == eds.CERTIFICATE_REVOKED


def test_keyword_overrides_replace_the_settings(eds_pki, settings, tmp_path):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)
    settings.EDS_TRUST_ROOTS = str(tmp_path / "nowhere.pem")
    settings.EDS_CRL = str(tmp_path / "nowhere.crl")

    signed = eds.verify_signed_request(xml, trust_roots=eds_pki.ca_path, crl=eds_pki.crl_path)

    assert signed.signer_iin == APPLICANT_IIN


def test_missing_trust_file_is_a_configuration_error(eds_pki, settings, tmp_path):
    settings.EDS_TRUST_ROOTS = str(tmp_path / "nowhere.pem")

    with pytest.raises(ImproperlyConfigured):
        eds.verify_signed_request(eds_pki.sign_request_for(APPLICANT_IIN))


# --- the signature ------------------------------------------------------------------------------------------


def test_tampered_subject_list_is_a_digest_mismatch(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, subjects=[SUBJECT_IIN])
    tampered = xml.replace(f'iin="{SUBJECT_IIN}"'.encode(), f'iin="{OTHER_IIN}"'.encode())
    assert tampered != xml

    assert refusal(tampered) == eds.DIGEST_MISMATCH


def test_subject_added_after_signing_is_a_digest_mismatch(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, subjects=[SUBJECT_IIN])
    tampered = xml.replace(b"</subjects>", f'<subject iin="{OTHER_IIN}"/></subjects>'.encode())

    assert refusal(tampered) == eds.DIGEST_MISMATCH


def test_tampered_signature_value_is_invalid(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)
    match = re.search(rb"<ds:SignatureValue>([^<]+)</ds:SignatureValue>", xml)
    raw = bytearray(base64.b64decode(match.group(1)))
    raw[10] ^= 0x01
    tampered = xml.replace(match.group(1), base64.b64encode(bytes(raw)))

    assert refusal(tampered) == eds.SIGNATURE_INVALID


def test_signature_algorithm_other_than_rsa_sha2_is_refused_with_its_own_message(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)
    gost = b"urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
    other = xml.replace(b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", gost)

    with pytest.raises(EDSError) as info:
        eds.verify_signed_request(other)
    assert info.value.code == eds.SIGNATURE_INVALID
    with translation.override("en"):
        assert "only RSA keys" in info.value.text


def test_certificate_with_a_non_rsa_key_is_refused_with_the_same_message(eds_pki):
    ec_certificate = eds_pki.certificate(key=ec.generate_private_key(ec.SECP256R1())).certificate
    xml = eds_pki.sign_request_for(APPLICANT_IIN)
    ec_b64 = base64.b64encode(ec_certificate.public_bytes(serialization.Encoding.DER))
    swapped = re.sub(
        rb"<ds:X509Certificate>[^<]+</ds:X509Certificate>",
        b"<ds:X509Certificate>" + ec_b64 + b"</ds:X509Certificate>",
        xml,
    )
    assert swapped != xml

    with pytest.raises(EDSError) as info:
        eds.verify_signed_request(swapped)
    assert info.value.code == eds.SIGNATURE_INVALID
    with translation.override("en"):
        assert "only RSA keys" in info.value.text


def test_unsigned_document_is_refused(eds_pki):
    assert refusal(eds_pki.request_xml(APPLICANT_IIN)) == eds.SIGNATURE_INVALID


def test_signature_without_certificate_is_refused(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)
    stripped = re.sub(rb"<ds:KeyInfo>.*</ds:KeyInfo>", b"", xml, flags=re.DOTALL)

    assert refusal(stripped) == eds.SIGNATURE_INVALID


def test_two_unrelated_certificates_in_keyinfo_are_ambiguous(eds_pki):
    # The signer's certificate next to another person's: which one signed is not left to chance.
    xml = eds_pki.sign_request_for(APPLICANT_IIN, chain=[eds_pki.citizen(OTHER_IIN)])

    assert refusal(xml) == eds.SIGNATURE_INVALID


def test_second_signature_is_refused(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)
    twice = eds_pki.sign(xml, signer=eds_pki.citizen(APPLICANT_IIN))

    assert refusal(twice) == eds.SIGNATURE_INVALID


def test_signature_moved_inside_the_document_is_refused(eds_pki):
    root = etree.fromstring(eds_pki.sign_request_for(APPLICANT_IIN))
    signature = root.find(f"{DS}Signature")
    root.find("{urn:kz:deregistration:request:1}subjects").append(signature)

    assert refusal(etree.tostring(root)) == eds.SIGNATURE_INVALID


def test_signature_over_part_of_the_document_is_refused(eds_pki):
    """A reference to one element (URI="#...") leaves the rest unsigned: only URI="" is accepted."""
    xml = eds_pki.request_xml(APPLICANT_IIN).replace(b"<subjects>", b'<subjects Id="part">')
    signer = eds_pki.citizen(APPLICANT_IIN)
    signed_root = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS).sign(
        etree.fromstring(xml), key=signer.key_pem, cert=[signer.certificate], reference_uri="#part"
    )
    signed = etree.tostring(signed_root)
    unsigned_change = signed.replace(f"<applicantIin>{APPLICANT_IIN}".encode(), b"<applicantIin>900101300811")

    assert refusal(signed) == eds.SIGNATURE_INVALID
    assert refusal(unsigned_change) == eds.SIGNATURE_INVALID


def test_fields_are_read_from_what_was_signed_not_from_the_received_tree(eds_pki):
    """Signed without comments, a comment added later changes no digest; a naive reader of the received tree
    would see the address code cut at the comment ("02014"), the signed data has it whole."""
    xml = eds_pki.sign_request_for(APPLICANT_IIN, c14n=CanonicalizationMethod.CANONICAL_XML_1_0.value)
    with_comment = xml.replace(
        f"<addressCode>{ADDRESS_CODE[:5]}".encode(), f"<addressCode>{ADDRESS_CODE[:5]}<!---->".encode()
    )
    assert with_comment != xml
    assert etree.fromstring(with_comment).find("{urn:kz:deregistration:request:1}addressCode").text == "02014"

    assert eds.verify_signed_request(with_comment).address_code == ADDRESS_CODE


def test_comment_inside_a_signed_value_is_malformed(eds_pki):
    # Signed with comments, the comment is part of what was signed: a value must still be one text node
    # (the text before the comment, "02014", would be a valid-looking address code).
    xml = eds_pki.request_xml(APPLICANT_IIN).replace(
        f"<addressCode>{ADDRESS_CODE[:5]}".encode(), f"<addressCode>{ADDRESS_CODE[:5]}<!-- x -->".encode()
    )
    signed = eds_pki.sign(xml, signer=eds_pki.citizen(APPLICANT_IIN))

    assert refusal(signed) == eds.MALFORMED_DOCUMENT


# --- the certificate ----------------------------------------------------------------------------------------


def test_another_citizens_certificate_is_a_signer_mismatch(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=eds_pki.citizen(OTHER_IIN))

    with pytest.raises(EDSError) as info:
        eds.verify_signed_request(xml)
    assert info.value.code == eds.SIGNER_MISMATCH
    with translation.override("en"):
        assert info.value.text == "The signature was made with another person's key."


def test_expired_certificate_is_refused(eds_pki):
    now = timezone.now()
    expired = eds_pki.certificate(
        not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=1)
    )

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=expired)) == eds.CERTIFICATE_EXPIRED


def test_certificate_that_expired_after_requested_at_is_refused(eds_pki):
    now = timezone.now()
    expired = eds_pki.certificate(not_after=now - dt.timedelta(minutes=1))
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=expired, requested_at=now - dt.timedelta(minutes=3))

    assert refusal(xml) == eds.CERTIFICATE_EXPIRED


def test_not_yet_valid_certificate_is_refused(eds_pki):
    now = timezone.now()
    future = eds_pki.certificate(
        not_before=now + dt.timedelta(days=1), not_after=now + dt.timedelta(days=400)
    )

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=future)) == eds.CERTIFICATE_NOT_YET_VALID


def test_certificate_issued_after_requested_at_is_refused(eds_pki):
    """Valid now, but not yet when the request says it was made."""
    now = timezone.now()
    fresh = eds_pki.certificate(not_before=now - dt.timedelta(minutes=1))
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=fresh, requested_at=now - dt.timedelta(minutes=5))

    assert refusal(xml) == eds.CERTIFICATE_NOT_YET_VALID


def test_revoked_certificate_is_refused(eds_pki):
    certificate = eds_pki.certificate()
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=certificate)
    assert eds.verify_signed_request(xml).signer_iin == APPLICANT_IIN

    eds_pki.revoke(certificate.serial_number)

    assert refusal(xml) == eds.CERTIFICATE_REVOKED


def test_crl_listing_other_serials_lets_the_certificate_pass(eds_pki):
    certificate = eds_pki.certificate()
    eds_pki.revoke(certificate.serial_number + 1)

    assert eds.verify_signed_request(eds_pki.sign_request_for(APPLICANT_IIN, signer=certificate))


def test_revoked_certificate_is_refused_with_a_der_crl(eds_pki, settings, tmp_path):
    certificate = eds_pki.certificate()
    crl = pki.make_crl(eds_pki.ca, [certificate.serial_number])
    path = tmp_path / "ca.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    settings.EDS_CRL = str(path)

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=certificate)) == eds.CERTIFICATE_REVOKED


def test_missing_crl_is_a_hard_failure(eds_pki, settings, tmp_path):
    settings.EDS_CRL = str(tmp_path / "missing.crl")

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN)) == eds.CRL_UNAVAILABLE


def test_unreadable_crl_is_a_hard_failure(eds_pki, settings, tmp_path):
    path = tmp_path / "garbage.crl"
    path.write_bytes(b"-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n")
    settings.EDS_CRL = str(path)

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN)) == eds.CRL_UNAVAILABLE


def test_crl_not_signed_by_the_issuer_is_not_used(eds_pki, settings, tmp_path):
    # Same name as the real root, another key: its CRL must not vouch for the root's certificates.
    impostor = pki.make_ca("NCA RK TEST ROOT", key=eds_pki.spare_keys[1])
    settings.EDS_CRL = _crl_file(tmp_path / "impostor.crl", pki.make_crl(impostor))

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN)) == eds.CRL_UNAVAILABLE


def test_outdated_crl_is_not_used(eds_pki):
    long_ago = timezone.now() - dt.timedelta(days=60)
    eds_pki.revoke(last_update=long_ago, next_update=long_ago + dt.timedelta(days=30))

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN)) == eds.CRL_UNAVAILABLE


def test_certificate_of_an_unknown_ca_is_untrusted(eds_pki):
    # A forger's CA may even copy the real root's name.
    foreign_ca = pki.make_ca("NCA RK TEST ROOT", key=eds_pki.spare_keys[1])
    foreign = eds_pki.certificate(ca=foreign_ca)

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=foreign)) == eds.CERTIFICATE_UNTRUSTED
    with_chain = eds_pki.sign_request_for(APPLICANT_IIN, signer=foreign, chain=[foreign_ca])
    assert refusal(with_chain) == eds.CERTIFICATE_UNTRUSTED


def test_self_signed_certificate_is_untrusted(eds_pki):
    forged = pki.make_self_signed_certificate(iin=APPLICANT_IIN, key=eds_pki.spare_keys[1])

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=forged)) == eds.CERTIFICATE_UNTRUSTED


def test_citizen_certificate_cannot_act_as_a_ca(eds_pki):
    """A valid personal certificate used to 'issue' another one: the chain check must refuse it."""
    citizen = eds_pki.citizen(OTHER_IIN)
    child = pki.make_personal_certificate(citizen, iin=APPLICANT_IIN, key=eds_pki.spare_keys[1])
    xml = eds_pki.sign_request_for(APPLICANT_IIN, signer=child, chain=[citizen])

    assert refusal(xml) == eds.CERTIFICATE_UNTRUSTED


def test_certificate_without_iin_is_refused(eds_pki):
    anonymous = eds_pki.certificate(include_iin=False)

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=anonymous)) == eds.CERTIFICATE_NO_IIN


def test_certificate_of_a_legal_entity_is_refused(eds_pki):
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ТОО ТЕСТ"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "BIN160440007161"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    company = eds_pki.certificate(subject=subject)

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=company)) == eds.CERTIFICATE_NO_IIN


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"key_usage": {"key_encipherment"}}, id="encipherment only"),
        pytest.param({"key_usage": None}, id="no key usage"),
        pytest.param(
            {"key_usage": {"digital_signature", "key_encipherment"}}, id="NCA authentication key usage"
        ),
        pytest.param({"extended_key_usage": [ExtendedKeyUsageOID.CLIENT_AUTH]}, id="authentication key"),
    ],
)
def test_certificate_not_meant_for_signing_is_refused(eds_pki, options):
    certificate = eds_pki.certificate(**options)

    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN, signer=certificate)) == eds.CERTIFICATE_KEY_USAGE


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"key_usage": {"content_commitment"}}, id="non-repudiation only"),
        pytest.param({"key_usage": {"digital_signature", "content_commitment"}}, id="NCA signing key usage"),
        pytest.param({"extended_key_usage": None}, id="no extended key usage"),
        pytest.param({"extended_key_usage": [pki.EKU_NCA_INDIVIDUAL]}, id="NCA individual EKU only"),
    ],
)
def test_signing_certificates_pass_the_key_usage_check(eds_pki, options):
    certificate = eds_pki.certificate(**options)

    assert eds.verify_signed_request(eds_pki.sign_request_for(APPLICANT_IIN, signer=certificate))


# --- the clock ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [-11, 11, -60 * 24])
def test_request_outside_the_clock_window_is_stale(eds_pki, minutes):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, requested_at=timezone.now() + dt.timedelta(minutes=minutes))

    assert refusal(xml) == eds.REQUEST_STALE


@pytest.mark.parametrize("minutes", [-9, 9])
def test_request_inside_the_clock_window_passes(eds_pki, minutes):
    xml = eds_pki.sign_request_for(APPLICANT_IIN, requested_at=timezone.now() + dt.timedelta(minutes=minutes))

    assert eds.verify_signed_request(xml)


def test_clock_window_follows_the_setting_and_now(eds_pki, settings):
    requested_at = timezone.now()
    xml = eds_pki.sign_request_for(APPLICANT_IIN, requested_at=requested_at)
    settings.EDS_MAX_CLOCK_SKEW_MINUTES = 2

    assert eds.verify_signed_request(xml, now=requested_at + dt.timedelta(minutes=1))
    assert refusal(xml, now=requested_at + dt.timedelta(minutes=3)) == eds.REQUEST_STALE


# --- hostile XML --------------------------------------------------------------------------------------------

REQUEST_OPEN = b'<deregistrationRequest xmlns="urn:kz:deregistration:request:1">'
REQUEST_CLOSE = b"</deregistrationRequest>"

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE deregistrationRequest [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
    + REQUEST_OPEN
    + b"<nonce>&lol9;</nonce>"
    + REQUEST_CLOSE
)


@pytest.fixture
def http_canary():
    """A local HTTP server that records every request: proof that nothing was fetched."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'<!ENTITY x "fetched">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def _external_entity(system_id: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE deregistrationRequest [<!ENTITY xxe SYSTEM "{system_id}">]>\n'.encode()
        + REQUEST_OPEN
        + b"<nonce>&xxe;</nonce>"
        + REQUEST_CLOSE
    )


def _hostile_documents(url: str) -> dict[str, bytes]:
    return {
        "doctype": b"<!DOCTYPE deregistrationRequest>" + REQUEST_OPEN + REQUEST_CLOSE,
        "billion laughs": BILLION_LAUGHS,
        "external entity (file)": _external_entity("file:///etc/passwd"),
        "external entity (http)": _external_entity(f"{url}/entity"),
        "external dtd": f'<!DOCTYPE deregistrationRequest SYSTEM "{url}/request.dtd">'.encode()
        + REQUEST_OPEN
        + REQUEST_CLOSE,
        "parameter entity": (
            f'<!DOCTYPE deregistrationRequest [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>'.encode()
            + REQUEST_OPEN
            + REQUEST_CLOSE
        ),
    }


def test_the_canaries_would_notice(http_canary, tmp_path):
    """The checks below mean something: the HTTP canary logs a fetch, and a careless parser does read files.

    (The libxml2 under lxml 6 has no HTTP client at all, so only the file case can be shown with a parser.)
    """
    url, hits = http_canary
    with urllib.request.urlopen(f"{url}/probe", timeout=5) as response:  # noqa: S310
        response.read()
    assert hits == ["/probe"]

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    careless = etree.XMLParser(resolve_entities=True, no_network=False, load_dtd=True)
    assert (
        etree.fromstring(_external_entity(secret.as_uri()), parser=careless).findtext("{*}nonce") == "SECRET"
    )


@pytest.mark.parametrize(
    "name",
    [
        "doctype",
        "billion laughs",
        "external entity (file)",
        "external entity (http)",
        "external dtd",
        "parameter entity",
    ],
)
def test_hostile_xml_is_forbidden_quickly_and_fetches_nothing(eds_pki, http_canary, name):
    url, hits = http_canary
    document = _hostile_documents(url)[name]

    code, elapsed = timed_refusal(document)

    assert code == eds.FORBIDDEN_XML
    assert elapsed < 1.0
    assert hits == []


@pytest.mark.parametrize(
    "name",
    [
        "doctype",
        "billion laughs",
        "external entity (file)",
        "external entity (http)",
        "external dtd",
        "parameter entity",
    ],
)
def test_hardened_parser_alone_refuses_hostile_xml_and_fetches_nothing(http_canary, name):
    """The second layer, without the byte scan in front of it."""
    url, hits = http_canary
    started = time.perf_counter()

    with pytest.raises(EDSError) as info:
        parse_untrusted_xml(_hostile_documents(url)[name])

    # libxml2 itself stops billion laughs (amplification limit) as a syntax error, before any expansion.
    expected = (
        {eds.FORBIDDEN_XML, eds.MALFORMED_DOCUMENT} if name == "billion laughs" else {eds.FORBIDDEN_XML}
    )
    assert info.value.code in expected
    assert time.perf_counter() - started < 1.0
    assert hits == []


@pytest.mark.parametrize("layer", ["verify", "parser"])
def test_external_file_entity_is_never_opened(eds_pki, tmp_path, layer):
    """The entity points at a FIFO: opening it would block until a writer comes, so a read shows as a hang."""
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    document = _external_entity(fifo.as_uri())
    check = eds.verify_signed_request if layer == "verify" else parse_untrusted_xml
    outcome: dict[str, object] = {}

    def target():
        try:
            check(document)
        except EDSError as error:
            outcome["code"] = error.code

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(1.0)
    if worker.is_alive():  # release the reader so the thread can end, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("the external entity's file was opened")
    assert outcome == {"code": eds.FORBIDDEN_XML}


def test_byte_scan_alone_refuses_declarations_before_parsing():
    for document in (BILLION_LAUGHS, _external_entity("file:///etc/passwd")):
        with pytest.raises(EDSError) as info:
            guard_untrusted_xml(document)
        assert info.value.code == eds.FORBIDDEN_XML


def test_oversized_document_is_forbidden(eds_pki):
    padding = b"<!--" + b"x" * MAX_DOCUMENT_BYTES + b"-->"
    xml = eds_pki.sign_request_for(APPLICANT_IIN).replace(REQUEST_CLOSE, padding + REQUEST_CLOSE)

    assert refusal(xml) == eds.FORBIDDEN_XML


def test_exotic_encoding_is_refused(eds_pki):
    xml = eds_pki.sign_request_for(APPLICANT_IIN)

    assert refusal(xml.decode("utf-8").encode("utf-16")) == eds.MALFORMED_DOCUMENT
    assert refusal(xml.replace(b"encoding='UTF-8'", b"encoding='UTF-7'")) == eds.FORBIDDEN_XML


# --- malformed documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", [b"", b"not xml", b"<deregistrationRequest", "<a>\u0000</a>".encode()])
def test_unparseable_input_is_malformed(eds_pki, document):
    assert refusal(document) == eds.MALFORMED_DOCUMENT


def _signed_variant(eds_pki, old: bytes, new: bytes) -> bytes:
    xml = eds_pki.request_xml(APPLICANT_IIN)
    assert old in xml
    return eds_pki.sign(xml.replace(old, new), signer=eds_pki.citizen(APPLICANT_IIN))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(b"urn:kz:deregistration:request:1", b"urn:kz:deregistration:request:2", id="namespace"),
        pytest.param(b"<nonce>", b"<nonce>x</nonce><nonce>", id="field twice"),
        pytest.param(b"  <nonce>", b"  <extra>1</extra><nonce>", id="unknown field"),
        pytest.param(b"<applicantIin>800315300018</applicantIin>", b"", id="missing field"),
        pytest.param(b"<applicantIin>800315300018", b"<applicantIin>80031530001", id="short IIN"),
        pytest.param(b"<subject iin=", b'<subject role="x" iin=', id="unknown attribute"),
        pytest.param(b'<subject iin="850722400028"/>', b"", id="no subjects"),
        pytest.param(b"<addressCode>", b"<addressCode>two words ", id="address with spaces"),
        pytest.param(b"+05:00</requestedAt>", b"</requestedAt>", id="requestedAt without zone"),
        pytest.param(b"<requestedAt>", b"<requestedAt>x", id="requestedAt not a date"),
        pytest.param(b"<subjects>", b"<subjects>text", id="text between elements"),
    ],
)
def test_signed_but_malformed_document_is_refused(eds_pki, old, new):
    assert refusal(_signed_variant(eds_pki, old, new)) == eds.MALFORMED_DOCUMENT


def test_consent_given_to_the_request_verifier_is_malformed(eds_pki):
    assert refusal(eds_pki.sign_consent_for(OTHER_IIN)) == eds.MALFORMED_DOCUMENT


# --- consents -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", [eds.DECISION_APPROVE, eds.DECISION_DECLINE])
def test_good_consent_passes(eds_pki, decision):
    xml = eds_pki.sign_consent_for(OTHER_IIN, decision=decision, application_number="DR-7")

    signed = eds.verify_signed_consent(xml)

    assert isinstance(signed, eds.SignedConsent)
    assert (signed.application_number, signed.co_owner_iin, signed.decision) == ("DR-7", OTHER_IIN, decision)
    assert signed.signer_iin == OTHER_IIN


def test_consent_signed_by_someone_else_is_a_signer_mismatch(eds_pki):
    xml = eds_pki.sign_consent_for(OTHER_IIN, signer=eds_pki.citizen(APPLICANT_IIN))

    assert refusal(xml, verify=eds.verify_signed_consent) == eds.SIGNER_MISMATCH


def test_tampered_consent_decision_is_a_digest_mismatch(eds_pki):
    xml = eds_pki.sign_consent_for(OTHER_IIN, decision=eds.DECISION_DECLINE)
    tampered = xml.replace(b"<decision>decline</decision>", b"<decision>approve</decision>")

    assert refusal(tampered, verify=eds.verify_signed_consent) == eds.DIGEST_MISMATCH


def test_request_given_to_the_consent_verifier_is_malformed(eds_pki):
    assert refusal(eds_pki.sign_request_for(APPLICANT_IIN), verify=eds.verify_signed_consent) == (
        eds.MALFORMED_DOCUMENT
    )


def test_consent_with_an_unknown_decision_is_malformed(eds_pki):
    xml = eds_pki.consent_xml(OTHER_IIN).replace(b"<decision>approve", b"<decision>maybe")
    signed = eds_pki.sign(xml, signer=eds_pki.citizen(OTHER_IIN))

    assert refusal(signed, verify=eds.verify_signed_consent) == eds.MALFORMED_DOCUMENT


def test_stale_consent_is_refused(eds_pki):
    xml = eds_pki.sign_consent_for(OTHER_IIN, requested_at=timezone.now() - dt.timedelta(hours=2))

    assert refusal(xml, verify=eds.verify_signed_consent) == eds.REQUEST_STALE


# --- comparing with the application -------------------------------------------------------------------------


def _signed_request(**fields) -> eds.SignedRequest:
    values = {
        "applicant_iin": APPLICANT_IIN,
        "address_code": ADDRESS_CODE,
        "subjects": (SUBJECT_IIN, OTHER_IIN),
        "requested_at": timezone.now(),
        "nonce": "n",
        "signer_iin": APPLICANT_IIN,
        "signer_common_name": "",
        "signer_subject": "",
        "signer_serial": "1",
        "signer_issuer": "",
        "signer_not_after": timezone.now(),
        "document_sha256": "0" * 64,
    }
    values.update(fields)
    return eds.SignedRequest(**values)


def test_request_matching_the_application_passes_in_any_order():
    eds.check_request_matches(
        _signed_request(),
        applicant_iin=APPLICANT_IIN,
        address_code=ADDRESS_CODE,
        subjects=[OTHER_IIN, SUBJECT_IIN],
    )


@pytest.mark.parametrize(
    ("signed_fields", "expected"),
    [
        ({"applicant_iin": OTHER_IIN}, "the applicant"),
        ({"address_code": "0201400099999999"}, "the address"),
        ({"subjects": (SUBJECT_IIN,)}, "the persons to deregister"),
        ({"subjects": (SUBJECT_IIN, OTHER_IIN, "900101300811")}, "the persons to deregister"),
        ({"subjects": (SUBJECT_IIN, OTHER_IIN, OTHER_IIN)}, "a person listed twice"),
    ],
)
def test_request_differing_from_the_application_names_what_differs(signed_fields, expected):
    with pytest.raises(EDSError) as info:
        eds.check_request_matches(
            _signed_request(**signed_fields),
            applicant_iin=APPLICANT_IIN,
            address_code=ADDRESS_CODE,
            subjects=[SUBJECT_IIN, OTHER_IIN],
        )

    assert info.value.code == eds.CONTENT_MISMATCH
    with translation.override("en"):
        assert expected in info.value.text
        assert "%(" not in str(info.value.message)


def test_consent_must_answer_this_application_with_this_decision(eds_pki):
    signed = eds.verify_signed_consent(eds_pki.sign_consent_for(OTHER_IIN, application_number="DR-7"))
    eds.check_consent_matches(signed, application_number="DR-7", co_owner_iin=OTHER_IIN, decision="approve")

    with pytest.raises(EDSError) as info:
        eds.check_consent_matches(
            signed, application_number="DR-8", co_owner_iin=OTHER_IIN, decision="decline"
        )
    assert info.value.code == eds.CONTENT_MISMATCH
    with translation.override("en"):
        assert "the application number" in info.value.text
        assert "the decision" in info.value.text


def test_every_code_has_a_translatable_message():
    codes = {value for name, value in vars(eds.errors).items() if name.isupper() and isinstance(value, str)}

    assert codes == eds.ALL_CODES
    for code in eds.ALL_CODES:
        error = EDSError(code, params={"differences": "x"} if code == eds.CONTENT_MISMATCH else None)
        assert error.text
        assert isinstance(error.message, Promise)  # lazy: translated where it is shown


# --- the demo signer ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("debug", "enabled"), [(False, True), (True, False), (False, False)])
def test_demo_signer_is_refused_unless_debug_and_enabled(eds_pki, settings, debug, enabled):
    eds_pki.citizen(APPLICANT_IIN)
    settings.DEBUG = debug
    settings.EDS_DEMO_SIGNER = enabled

    with pytest.raises(eds.DemoSignerDisabled):
        eds.demo_sign(eds_pki.request_xml(APPLICANT_IIN), iin=APPLICANT_IIN)
    assert issubclass(eds.DemoSignerDisabled, ImproperlyConfigured)


def test_demo_signer_signs_with_the_citizens_demo_key_when_allowed(eds_pki, settings):
    eds_pki.citizen(APPLICANT_IIN)
    settings.DEBUG = True
    settings.EDS_DEMO_SIGNER = True

    signed = eds.demo_sign(eds_pki.request_xml(APPLICANT_IIN), iin=APPLICANT_IIN)

    assert eds.verify_signed_request(signed).signer_iin == APPLICANT_IIN


@pytest.mark.parametrize("iin", ["900101300811", "../../../etc/passwd", "80031530001"])
def test_demo_signer_without_a_key_for_that_iin(eds_pki, settings, iin, tmp_path):
    settings.DEBUG = True
    settings.EDS_DEMO_SIGNER = True
    # A folder of its own: the session's folder holds a key for every IIN another test signed with, and the
    # factories hand out IINs like 900101300811 too.
    settings.EDS_DEMO_KEYS_DIR = tmp_path / "citizens"

    with pytest.raises(eds.DemoKeyNotFound):
        eds.demo_sign(eds_pki.request_xml(APPLICANT_IIN), iin=iin)


def test_production_settings_switch_the_demo_signer_off():
    """Whatever the environment says (DEBUG, EDS_DEMO_SIGNER), the production profile has no demo signer."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "p" * 30 + "-production-like-secret-key-for-this-test-only-0123456789",
        "ALLOWED_HOSTS": "portal.example.kz",
        "DEBUG": "true",
        "EDS_DEMO_SIGNER": "true",
    }
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from deregistration import eds\n"
        "print(settings.EDS_DEMO_SIGNER, settings.DEBUG, eds.demo_signer_enabled())\n"
        "try:\n"
        "    eds.demo_sign(b'<a/>', iin='800315300018')\n"
        "except eds.DemoSignerDisabled:\n"
        "    print('refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "refused"]


# --- the sign_request command -------------------------------------------------------------------------------


@pytest.fixture
def signing_files(eds_pki, tmp_path):
    citizen = eds_pki.citizen(APPLICANT_IIN)
    files = {
        "document": tmp_path / "request.xml",
        "key": tmp_path / "key.pem",
        "cert": tmp_path / "cert.pem",
        "chain": tmp_path / "chain.pem",
    }
    files["document"].write_bytes(eds_pki.request_xml(APPLICANT_IIN))
    files["key"].write_bytes(citizen.key_pem)
    files["cert"].write_bytes(citizen.cert_pem)
    files["chain"].write_bytes(eds_pki.ca.cert_pem)
    return files


@pytest.mark.parametrize("with_chain", [False, True])
def test_sign_request_command_output_verifies(signing_files, with_chain):
    out = io.StringIO()
    options = {"chain": str(signing_files["chain"])} if with_chain else {}

    call_command(
        "sign_request",
        str(signing_files["document"]),
        key=str(signing_files["key"]),
        cert=str(signing_files["cert"]),
        stdout=out,
        **options,
    )

    signed = out.getvalue().encode("utf-8")
    assert eds.verify_signed_request(signed).signer_iin == APPLICANT_IIN
    assert len(etree.fromstring(signed).findall(f"{DS}Signature/{DS}KeyInfo/{DS}X509Data/*")) == (
        2 if with_chain else 1
    )


def test_sign_request_command_refuses_a_key_of_another_certificate(eds_pki, signing_files):
    signing_files["cert"].write_bytes(
        pki.make_self_signed_certificate(iin=OTHER_IIN, key=eds_pki.spare_keys[1]).cert_pem
    )

    with pytest.raises(CommandError, match="does not belong"):
        call_command(
            "sign_request",
            str(signing_files["document"]),
            key=str(signing_files["key"]),
            cert=str(signing_files["cert"]),
        )


@pytest.mark.parametrize("broken", ["document", "key", "cert"])
def test_sign_request_command_reports_unreadable_files(signing_files, tmp_path, broken):
    paths = {name: str(path) for name, path in signing_files.items()}
    paths[broken] = str(tmp_path / "missing.pem")

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("sign_request", paths["document"], key=paths["key"], cert=paths["cert"])


def test_sign_request_command_reports_a_key_that_is_not_a_key(signing_files):
    signing_files["key"].write_bytes(b"not a key")

    with pytest.raises(CommandError, match="Cannot use"):
        call_command(
            "sign_request",
            str(signing_files["document"]),
            key=str(signing_files["key"]),
            cert=str(signing_files["cert"]),
        )
