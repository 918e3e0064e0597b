"""What verifying a signed request costs, next to its parts, on one CPU core.

    .venv/bin/python bench/bench_eds.py [--seconds 2] [--subjects 3]

Builds a throwaway PKI (root CA, CRL, one citizen) in a temporary folder, signs one request as NCALayer would,
pins the process to one core and measures, each for about ``--seconds``:

* full:      ``verify_signed_request`` (byte scan, hardened parse, signxml, fields, chain, CRL, key usage, IIN);
* signxml:   ``XMLVerifier().verify(xml, x509_cert=...)`` alone (parse, C14N, digest, RSA; no chain, no CRL);
* signxml+chain: signxml with its own chain check (``ca_pem_file=``), for comparison;
* path+CRL:  our certificate path and CRL check alone (cryptography);
* RSA:       one RSA-SHA256 PKCS#1 v1.5 verification of the canonical SignedInfo.

The result is the median of five rounds, in verifications per second, with each one's cost relative to RSA;
then where the time of one full verification goes, step by step. The parts above reuse one parsed certificate
(cryptography caches what it parsed), the breakdown parses it afresh from KeyInfo as production does, which is
why the parts do not add up to the full figure.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15  # noqa: E402
from django.utils import timezone  # noqa: E402
from lxml import etree  # noqa: E402
from signxml import SignatureConfiguration, XMLVerifier  # noqa: E402

from deregistration import eds  # noqa: E402
from deregistration.eds.backends import XmlDsigVerifier  # noqa: E402
from deregistration.eds.certificates import (  # noqa: E402
    certificate_iin,
    check_key_usage,
    check_revocation,
    check_validity,
    load_crls,
    load_trust_anchors,
    readable_name,
    verify_chain,
)
from deregistration.eds.documents import parse_request  # noqa: E402
from deregistration.eds.xmlsafe import load_untrusted_xml  # noqa: E402
from devtools import pki  # noqa: E402

ROUNDS = 5
IIN = "800315300018"
SUBJECTS = ["850722400028", "061211600012", "900101300811", "750502400010"]


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity here)"


def rate(function: Callable[[], object], seconds: float) -> float:
    """Calls per second: the median of ROUNDS rounds of about ``seconds / ROUNDS`` each."""
    function()  # warm caches (trust file, CRL, lxml schema)
    started = time.perf_counter()
    calls = 0
    while time.perf_counter() - started < 0.2:
        function()
        calls += 1
    batch = max(1, int(calls * seconds / ROUNDS / 0.2))
    rates = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(batch):
            function()
        rates.append(batch / (time.perf_counter() - started))
    return statistics.median(rates)


def stage_costs(signed: bytes, trust: str, crl: str, seconds: float) -> dict[str, float]:
    """Mean seconds per step of one verification, the steps timed one after the other (mirrors verify.py)."""
    verifier = XmlDsigVerifier(trust_roots=trust, crl=crl)
    costs: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    runs = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        clock = time.perf_counter
        t0 = clock()
        _checked, root = load_untrusted_xml(signed)
        t1 = clock()
        signature = verifier.verify_signature(root)
        t2 = clock()
        fields = parse_request(signature.signed_root)
        t3 = clock()
        now = timezone.now()
        check_validity(signature.certificate, at=fields["requested_at"])
        check_validity(signature.certificate, at=now)
        verifier.verify_certificate_path(signature, now=now)
        t4 = clock()
        check_key_usage(signature.certificate)
        certificate_iin(signature.certificate)
        readable_name(signature.certificate.subject)
        readable_name(signature.certificate.issuer)
        t5 = clock()
        for stage, cost in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            costs[stage] += cost
        runs += 1
    return {stage: cost / runs for stage, cost in costs.items()}


STAGES = (
    "byte scan + hardened parse",
    "signature (KeyInfo certificate, signxml)",
    "fields from the signed data",
    "validity, chain and CRL (cryptography)",
    "key usage, IIN, names",
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    parser.add_argument("--subjects", type=int, default=1, choices=range(1, len(SUBJECTS) + 1))
    arguments = parser.parse_args()
    pinned = pin_to_one_core()

    with tempfile.TemporaryDirectory(prefix="bench-eds-") as folder:
        demo = pki.ensure_demo_pki(Path(folder), [pki.CitizenIdentity(IIN, "Ахметов", "Нұрлан", "Серікұлы")])
        citizen = demo.load_citizen(IIN)
        xml = eds.build_request_xml(
            applicant_iin=IIN,
            address_code="0201400012345678",
            subjects=SUBJECTS[: arguments.subjects],
            requested_at=timezone.now(),
            nonce="bench",
        )
        signed = eds.sign_xml(xml, key_pem=citizen.key_pem, cert_pem=citizen.cert_pem)
        trust, crl = str(demo.ca_cert_path), str(demo.crl_path)
        certificate = citizen.certificate
        public_key = certificate.public_key()

        # The exact bytes RSA is computed over: the canonical SignedInfo, and the signature value.
        result = XMLVerifier().verify(signed, x509_cert=certificate)
        signature_element = result.signature_xml
        signed_info = signature_element.find("{http://www.w3.org/2000/09/xmldsig#}SignedInfo")
        signed_info_c14n = etree.tostring(signed_info, method="c14n", with_comments=True)
        signature_value = base64.b64decode(
            signature_element.findtext("{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
        )
        public_key.verify(signature_value, signed_info_c14n, PKCS1v15(), hashes.SHA256())
        anchors = load_trust_anchors(trust)
        now = timezone.now()
        config = SignatureConfiguration(verification_time=now)

        measurements = [
            (
                "full verify_signed_request",
                lambda: eds.verify_signed_request(signed, trust_roots=trust, crl=crl),
            ),
            ("signxml verify (x509_cert)", lambda: XMLVerifier().verify(signed, x509_cert=certificate)),
            (
                "signxml verify (ca_pem_file)",
                lambda: XMLVerifier().verify(signed, ca_pem_file=trust, expect_config=config),
            ),
            (
                "path + CRL check (ours)",
                lambda: check_revocation(
                    verify_chain(certificate, [], anchors, at=now), load_crls(crl), now=timezone.now()
                ),
            ),
            (
                "RSA-2048 verify alone",
                lambda: public_key.verify(signature_value, signed_info_c14n, PKCS1v15(), hashes.SHA256()),
            ),
        ]
        rates = {name: rate(function, arguments.seconds) for name, function in measurements}

        breakdown = stage_costs(signed, trust, crl, arguments.seconds)

    rsa_rate = rates["RSA-2048 verify alone"]
    full_rate = rates["full verify_signed_request"]
    print(
        f"EDS verification, one core ({pinned}); {len(signed)} bytes signed XML, {arguments.subjects} subject(s)"
    )
    print(f"Python {sys.version.split()[0]}, lxml {etree.__version__}, {ROUNDS} rounds, median")
    print()
    print(f"{'measurement':32} {'per second':>12} {'µs each':>10} {'× RSA':>8} {'share of full':>14}")
    for name, value in rates.items():
        share = f"{full_rate / value:.0%}" if name != "full verify_signed_request" else "100%"
        print(f"{name:32} {value:12,.0f} {1e6 / value:10,.0f} {rsa_rate / value:8.1f} {share:>14}")
    print()
    print("Inside one full verification (the steps of verify.py, fresh objects each time as in production):")
    total = sum(breakdown.values())
    for name, seconds in breakdown.items():
        print(f"  {name:44} {seconds * 1e6:8,.0f} µs {seconds / total:6.0%}")


if __name__ == "__main__":
    main()
