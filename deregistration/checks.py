"""System checks of the deployment's key material (run by ``manage.py check``, and so by ``runserver``, ``migrate``).

Without DEBUG:
- the issuer's seal (``SLIP_SEAL_CERT``, ``SLIP_SEAL_KEY``, ``SLIP_SEAL_CHAIN``) must be set, readable, belong
  together, be valid now, and not come from the demo CA; ``PUBLIC_BASE_URL`` must be set (it is printed on
  every slip); ``EDS_TRUST_ROOTS`` and ``EDS_CRL`` must be set and readable. Each error names its setting.
With ``--deploy`` (whatever DEBUG says): ``EDS_TRUST_ROOTS`` and ``EDS_CRL`` must not be the demo CA's.
Always: the slip task's soft time limit comes before its hard one.

With DEBUG on, the development seal and demo CA are made on first need (``deregistration.development``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# The demo CA's name (devtools.pki makes it): a certificate issued by it, or a CRL it signed, is demo material.
DEMO_CA_NAME = "NCA RK DEMO ROOT"
# A seal certificate this close to its end is reported (a warning) so that it is renewed in time.
SEAL_RENEWAL_WARNING = dt.timedelta(days=30)

SEAL_SETTINGS = ("SLIP_SEAL_CERT", "SLIP_SEAL_KEY", "SLIP_SEAL_CHAIN")
EDS_SETTINGS = ("EDS_TRUST_ROOTS", "EDS_CRL")


def _paths(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str | Path):
        return [str(value)]
    return [str(item) for item in value]


def _read(name: str, errors: list, *, code: str) -> list[bytes] | None:
    """The bytes of each file the setting names, or None after recording why not."""
    paths = _paths(getattr(settings, name, ""))
    if not paths:
        errors.append(
            Error(
                f"{name} is not set.",
                hint=f"Set {name} in the environment to the PEM file of the deployment (see the README).",
                id=f"deregistration.{code}1",
            )
        )
        return None
    contents = []
    for path in paths:
        try:
            contents.append(Path(path).read_bytes())
        except OSError as error:
            errors.append(
                Error(
                    f"{name} ({path}) cannot be read: {error.strerror or error.__class__.__name__}.",
                    hint=f"Point {name} at a readable file.",
                    id=f"deregistration.{code}2",
                )
            )
            return None
    return contents


def _common_names(name) -> list[str]:
    from cryptography.x509.oid import NameOID

    return [str(attribute.value) for attribute in name.get_attributes_for_oid(NameOID.COMMON_NAME)]


def _is_demo(certificates: Iterable) -> bool:
    return any(
        DEMO_CA_NAME in _common_names(certificate.subject) + _common_names(certificate.issuer)
        for certificate in certificates
    )


def _certificates(data: bytes) -> list:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        return [x509.load_der_x509_certificate(data)]


def _crl(data: bytes):
    from cryptography import x509

    try:
        return x509.load_pem_x509_crl(data)
    except ValueError:
        return x509.load_der_x509_crl(data)


def _seal_errors(now: dt.datetime) -> list:
    from cryptography.hazmat.primitives import serialization

    errors: list = []
    cert_data = _read("SLIP_SEAL_CERT", errors, code="E10")
    key_data = _read("SLIP_SEAL_KEY", errors, code="E11")
    chain_data = _read("SLIP_SEAL_CHAIN", errors, code="E12")
    if cert_data is None:
        return errors
    try:
        certificate = _certificates(cert_data[0])[0]
    except (ValueError, IndexError):
        return [*errors, Error("SLIP_SEAL_CERT is not a certificate (PEM).", id="deregistration.E103")]
    if now >= certificate.not_valid_after_utc:
        errors.append(
            Error(
                f"SLIP_SEAL_CERT expired on {certificate.not_valid_after_utc:%Y-%m-%d}.",
                hint="Renew the seal certificate; slips sealed with it would not validate.",
                id="deregistration.E104",
            )
        )
    elif now < certificate.not_valid_before_utc:
        errors.append(
            Error(
                f"SLIP_SEAL_CERT is not valid before {certificate.not_valid_before_utc:%Y-%m-%d}.",
                id="deregistration.E105",
            )
        )
    elif certificate.not_valid_after_utc - now < SEAL_RENEWAL_WARNING:
        errors.append(
            Warning(
                f"SLIP_SEAL_CERT expires on {certificate.not_valid_after_utc:%Y-%m-%d}.",
                hint="Renew the seal certificate before then.",
                id="deregistration.W101",
            )
        )
    chain = []
    for data in chain_data or []:
        try:
            chain.extend(_certificates(data))
        except ValueError:
            errors.append(Error("SLIP_SEAL_CHAIN is not a certificate file (PEM).", id="deregistration.E123"))
    if _is_demo([certificate, *chain]):
        errors.append(
            Error(
                "SLIP_SEAL_CERT or SLIP_SEAL_CHAIN is the demo CA's: slips would carry a development seal.",
                hint="Use the issuer's own seal certificate, key and chain.",
                id="deregistration.E106",
            )
        )
    if key_data is not None:
        try:
            key = serialization.load_pem_private_key(key_data[0], password=None)
        except (ValueError, TypeError):
            errors.append(
                Error("SLIP_SEAL_KEY is not an unencrypted private key (PEM).", id="deregistration.E113")
            )
        else:
            if _public_der(key.public_key()) != _public_der(certificate.public_key()):
                errors.append(
                    Error("SLIP_SEAL_KEY is not the key of SLIP_SEAL_CERT.", id="deregistration.E114")
                )
    return errors


def _public_der(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _base_url_errors() -> list:
    url = getattr(settings, "PUBLIC_BASE_URL", "")
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [
        Error(
            "PUBLIC_BASE_URL is not set to the portal's public address (https://…).",
            hint="It is printed on every departure slip, in the QR code and the verification link.",
            id="deregistration.E130",
        )
    ]


@register(Tags.security)
def deployment_key_material(app_configs=None, **kwargs) -> list:
    """Without DEBUG: the seal, the portal's address and the EDS trust settings (each error names its setting)."""
    if settings.DEBUG:
        return []
    now = dt.datetime.now(dt.UTC)
    errors = [*_seal_errors(now), *_base_url_errors()]
    _read("EDS_TRUST_ROOTS", errors, code="E14")
    _read("EDS_CRL", errors, code="E15")
    return errors


@register(Tags.security, deploy=True)
def eds_trust_is_not_the_demo_ca(app_configs=None, **kwargs) -> list:
    """``check --deploy``: applicants' signatures must not be checked against the demo CA."""
    unreadable: list = []
    roots = _read("EDS_TRUST_ROOTS", unreadable, code="E14")
    crl = _read("EDS_CRL", unreadable, code="E15")
    # Without DEBUG, deployment_key_material has reported these already.
    errors: list = unreadable if settings.DEBUG else []
    if roots is not None:
        try:
            demo = _is_demo(c for data in roots for c in _certificates(data))
        except ValueError:
            errors.append(Error("EDS_TRUST_ROOTS is not a certificate file (PEM).", id="deregistration.E143"))
        else:
            if demo:
                errors.append(
                    Error(
                        "EDS_TRUST_ROOTS trusts the demo CA: anyone with the demo keys could sign as any citizen.",
                        hint="Point EDS_TRUST_ROOTS at NCA RK's root and intermediate certificates.",
                        id="deregistration.E146",
                    )
                )
    if crl is not None:
        try:
            issuer = _common_names(_crl(crl[0]).issuer)
        except ValueError:
            errors.append(Error("EDS_CRL is not a CRL (PEM or DER).", id="deregistration.E153"))
        else:
            if DEMO_CA_NAME in issuer:
                errors.append(
                    Error(
                        "EDS_CRL is the demo CA's revocation list.",
                        hint="Point EDS_CRL at NCA RK's current CRL.",
                        id="deregistration.E156",
                    )
                )
    return errors


@register()
def slip_task_time_limits(app_configs=None, **kwargs) -> list:
    """The slip task's soft limit must come before its hard one, or the soft one never fires (Celery)."""
    soft, hard = settings.SLIP_TASK_SOFT_TIME_LIMIT, settings.SLIP_TASK_TIME_LIMIT
    if 0 < soft < hard:
        return []
    return [
        Error(
            f"SLIP_TASK_SOFT_TIME_LIMIT ({soft}) must be above 0 and below SLIP_TASK_TIME_LIMIT ({hard}).",
            hint="The soft limit interrupts a slow slip so that it is tried again; the hard limit kills a stuck one.",
            id="deregistration.E160",
        )
    ]
