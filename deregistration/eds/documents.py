"""The two signed documents of DESIGN.md ("The signed request"): how they are written and how they are read.

Reading is strict, because what is signed must be exactly what is understood: the right root and namespace,
each field exactly once, no unknown elements or attributes, no text between elements, no comment or processing
instruction inside a value (``<applicantIin>8003<!---->15300018</applicantIin>`` is refused, not read as
"8003"), and every value in its expected shape. The parsers only ever receive what the signature covers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from lxml import etree

from .errors import MALFORMED_DOCUMENT, EDSError

REQUEST_NAMESPACE = "urn:kz:deregistration:request:1"
CONSENT_NAMESPACE = "urn:kz:deregistration:consent:1"
REQUEST_ROOT = f"{{{REQUEST_NAMESPACE}}}deregistrationRequest"
CONSENT_ROOT = f"{{{CONSENT_NAMESPACE}}}deregistrationConsent"

DECISION_APPROVE = "approve"
DECISION_DECLINE = "decline"
DECISIONS = frozenset({DECISION_APPROVE, DECISION_DECLINE})

MAX_SUBJECTS = 100

_IIN = re.compile(r"\d{12}")
_TOKEN = re.compile(r"[^\s<>&\"']{1,64}")  # address codes and application numbers: one word, printable
_NONCE_MAX = 128
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


# --- results ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SignedDocument:
    """What every verified document tells: when, the nonce, who signed, and a fingerprint of the bytes."""

    requested_at: dt.datetime
    nonce: str
    signer_iin: str
    signer_common_name: str
    signer_subject: str
    signer_serial: str  # hexadecimal, upper case, as NCA RK prints it
    signer_issuer: str
    signer_not_after: dt.datetime
    document_sha256: str  # of the bytes received, hexadecimal


@dataclass(frozen=True, kw_only=True)
class SignedRequest(SignedDocument):
    applicant_iin: str
    address_code: str
    subjects: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SignedConsent(SignedDocument):
    application_number: str
    co_owner_iin: str
    decision: str


# --- writing ----------------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _format_datetime(value: dt.datetime) -> str:
    _require(
        isinstance(value, dt.datetime) and timezone.is_aware(value), "requested_at must be an aware datetime"
    )
    # In the portal's zone (Asia/Almaty), as the citizen reads it before signing.
    return timezone.localtime(value).isoformat(timespec="seconds")


def _serialize(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _check_nonce(nonce: str) -> None:
    _require(isinstance(nonce, str) and _valid_nonce(nonce), "nonce must be 1 to 128 printable characters")


def build_request_xml(
    *,
    applicant_iin: str,
    address_code: str,
    subjects: Iterable[str],
    requested_at: dt.datetime,
    nonce: str,
) -> bytes:
    """The owner's application, ready to be signed (UTF-8, with an XML declaration)."""
    subjects = list(subjects)
    _require(
        isinstance(applicant_iin, str) and bool(_IIN.fullmatch(applicant_iin)), "applicant_iin: 12 digits"
    )
    _require(isinstance(address_code, str) and bool(_TOKEN.fullmatch(address_code)), "address_code: one word")
    _require(0 < len(subjects) <= MAX_SUBJECTS, f"subjects: 1 to {MAX_SUBJECTS} IINs")
    _require(all(isinstance(s, str) and _IIN.fullmatch(s) for s in subjects), "subjects: 12 digits each")
    _check_nonce(nonce)
    ns = f"{{{REQUEST_NAMESPACE}}}"
    root = etree.Element(REQUEST_ROOT, nsmap={None: REQUEST_NAMESPACE})
    etree.SubElement(root, f"{ns}applicantIin").text = applicant_iin
    etree.SubElement(root, f"{ns}addressCode").text = address_code
    subjects_element = etree.SubElement(root, f"{ns}subjects")
    for iin in subjects:
        etree.SubElement(subjects_element, f"{ns}subject", iin=iin)
    etree.SubElement(root, f"{ns}requestedAt").text = _format_datetime(requested_at)
    etree.SubElement(root, f"{ns}nonce").text = nonce
    return _serialize(root)


def build_consent_xml(
    *,
    application_number: str,
    co_owner_iin: str,
    decision: str,
    requested_at: dt.datetime,
    nonce: str,
) -> bytes:
    """A co-owner's answer to an application, ready to be signed."""
    _require(
        isinstance(application_number, str) and bool(_TOKEN.fullmatch(application_number)),
        "application_number: one word",
    )
    _require(isinstance(co_owner_iin, str) and bool(_IIN.fullmatch(co_owner_iin)), "co_owner_iin: 12 digits")
    _require(decision in DECISIONS, f"decision: one of {sorted(DECISIONS)}")
    _check_nonce(nonce)
    ns = f"{{{CONSENT_NAMESPACE}}}"
    root = etree.Element(CONSENT_ROOT, nsmap={None: CONSENT_NAMESPACE})
    etree.SubElement(root, f"{ns}applicationNumber").text = application_number
    etree.SubElement(root, f"{ns}coOwnerIin").text = co_owner_iin
    etree.SubElement(root, f"{ns}decision").text = decision
    etree.SubElement(root, f"{ns}requestedAt").text = _format_datetime(requested_at)
    etree.SubElement(root, f"{ns}nonce").text = nonce
    return _serialize(root)


# --- reading ----------------------------------------------------------------------------------------------


def _malformed() -> EDSError:
    return EDSError(MALFORMED_DOCUMENT)


def _valid_nonce(value: str) -> bool:
    return 0 < len(value) <= _NONCE_MAX and value.isprintable() and value.strip() == value


def _is_blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _element_children(element: etree._Element) -> list[etree._Element]:
    """The child elements; comments between them are tolerated, text and processing instructions are not."""
    if not _is_blank(element.text):
        raise _malformed()
    children = []
    for child in element:
        if not _is_blank(child.tail):
            raise _malformed()
        if isinstance(child, etree._Comment):
            continue
        if not isinstance(child.tag, str):  # processing instruction or entity
            raise _malformed()
        children.append(child)
    return children


def _leaf_text(element: etree._Element) -> str:
    # len() counts comments and processing instructions too: a value must be one plain text node.
    if len(element) or element.attrib:
        raise _malformed()
    return (element.text or "").strip()


def _fields(root: etree._Element, expected_root: str, names: Iterable[str]) -> dict[str, etree._Element]:
    if root.tag != expected_root or root.attrib:
        raise _malformed()
    namespace = expected_root[1:].split("}", 1)[0]
    wanted = {f"{{{namespace}}}{name}": name for name in names}
    found: dict[str, etree._Element] = {}
    for child in _element_children(root):
        name = wanted.get(child.tag)
        if name is None or name in found:
            raise _malformed()
        found[name] = child
    if len(found) != len(wanted):
        raise _malformed()
    return found


def _matching(element: etree._Element, pattern: re.Pattern[str]) -> str:
    value = _leaf_text(element)
    if not pattern.fullmatch(value):
        raise _malformed()
    return value


def _datetime(element: etree._Element) -> dt.datetime:
    value = _matching(element, _DATETIME)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _malformed() from None
    if parsed.tzinfo is None:
        raise _malformed()
    return parsed


def _nonce(element: etree._Element) -> str:
    value = _leaf_text(element)
    if not _valid_nonce(value):
        raise _malformed()
    return value


def _subjects(element: etree._Element, namespace: str) -> tuple[str, ...]:
    if element.attrib:
        raise _malformed()
    subjects = []
    for child in _element_children(element):
        if child.tag != f"{{{namespace}}}subject" or set(child.attrib) != {"iin"}:
            raise _malformed()
        if len(child) or not _is_blank(child.text):
            raise _malformed()
        iin = child.attrib["iin"]
        if not _IIN.fullmatch(iin):
            raise _malformed()
        subjects.append(iin)
    if not 0 < len(subjects) <= MAX_SUBJECTS:
        raise _malformed()
    return tuple(subjects)


def parse_request(root: etree._Element) -> dict[str, Any]:
    """The fields of a (signed) deregistration request, or EDSError(malformed_document)."""
    fields = _fields(root, REQUEST_ROOT, ("applicantIin", "addressCode", "subjects", "requestedAt", "nonce"))
    return {
        "applicant_iin": _matching(fields["applicantIin"], _IIN),
        "address_code": _matching(fields["addressCode"], _TOKEN),
        "subjects": _subjects(fields["subjects"], REQUEST_NAMESPACE),
        "requested_at": _datetime(fields["requestedAt"]),
        "nonce": _nonce(fields["nonce"]),
    }


def parse_consent(root: etree._Element) -> dict[str, Any]:
    """The fields of a (signed) co-owner's consent, or EDSError(malformed_document)."""
    fields = _fields(
        root, CONSENT_ROOT, ("applicationNumber", "coOwnerIin", "decision", "requestedAt", "nonce")
    )
    decision = _leaf_text(fields["decision"])
    if decision not in DECISIONS:
        raise _malformed()
    return {
        "application_number": _matching(fields["applicationNumber"], _TOKEN),
        "co_owner_iin": _matching(fields["coOwnerIin"], _IIN),
        "decision": decision,
        "requested_at": _datetime(fields["requestedAt"]),
        "nonce": _nonce(fields["nonce"]),
    }


@dataclass(frozen=True)
class DocumentKind:
    """One kind of signed document: its root element, its parser, and which field names the signer."""

    root_tag: str
    parse: Callable[[etree._Element], dict[str, Any]]
    signer_field: str
    result_class: type[SignedDocument]


REQUEST = DocumentKind(REQUEST_ROOT, parse_request, "applicant_iin", SignedRequest)
CONSENT = DocumentKind(CONSENT_ROOT, parse_consent, "co_owner_iin", SignedConsent)
