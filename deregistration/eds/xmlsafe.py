"""Reading untrusted XML: refuse what could expand or fetch anything before the parser sees it.

Two independent layers, each tested on its own:

1. ``guard_untrusted_xml`` looks at the raw bytes: a size limit, UTF-8 only (an exotic encoding could hide a
   declaration from a byte scan), and no markup declaration at all (``<!DOCTYPE``, ``<!ENTITY``, ...). A
   signed request never needs a DTD, so billion-laughs, external entities and external DTDs are refused here,
   without expanding or fetching anything.
2. ``parse_untrusted_xml`` parses with a hardened lxml parser (no entity resolution, no network, no DTD
   loading, no huge trees) and refuses the tree again if it carries a DTD or an entity reference.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from .errors import DOCUMENT_TOO_LARGE_MESSAGE, FORBIDDEN_XML, MALFORMED_DOCUMENT, EDSError

# A signed request is a few kilobytes; a whole chain of certificates in KeyInfo stays far below this.
MAX_DOCUMENT_BYTES = 256 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
# Any markup declaration: only a DTD can hold one, and a signed request has no business carrying a DTD.
_MARKUP_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"\A<\?xml\s[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ACCEPTED_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})

_local = threading.local()


def guard_untrusted_xml(data: bytes | str) -> bytes:
    """The document as UTF-8 bytes, or EDSError(forbidden_xml / malformed_document). Expands nothing."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EDSError(MALFORMED_DOCUMENT)
    data = bytes(data)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise EDSError(
            FORBIDDEN_XML, DOCUMENT_TOO_LARGE_MESSAGE, params={"limit": MAX_DOCUMENT_BYTES // 1024}
        )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # UTF-16 and friends included: a byte scan could not see a declaration written in them.
        raise EDSError(MALFORMED_DOCUMENT) from None
    declaration = _XML_DECLARATION.match(data.lstrip())
    if declaration:
        encoding = _DECLARED_ENCODING.search(declaration.group(0))
        if encoding and encoding.group(1).lower() not in _ACCEPTED_ENCODINGS:
            raise EDSError(FORBIDDEN_XML)
    if _MARKUP_DECLARATION.search(data):
        raise EDSError(FORBIDDEN_XML)
    return data


def hardened_parser() -> etree.XMLParser:
    """The parser for untrusted documents (one per thread: lxml parsers must not be shared across threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            remove_blank_text=False,
        )
        _local.parser = parser
    return parser


def parse_untrusted_xml(data: bytes) -> etree._Element:
    """Parse bytes that passed ``guard_untrusted_xml``; refuses DTDs and entity references a second time."""
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError:
        raise EDSError(MALFORMED_DOCUMENT) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise EDSError(FORBIDDEN_XML)
    for _entity in root.iter(etree.Entity):
        raise EDSError(FORBIDDEN_XML)
    return root


def load_untrusted_xml(data: bytes | str) -> tuple[bytes, etree._Element]:
    """Both layers: the checked bytes and their parsed root element."""
    checked = guard_untrusted_xml(data)
    return checked, parse_untrusted_xml(checked)
