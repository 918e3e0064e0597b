"""The API's one parser: DRF's JSON parser, with a document nested too deeply answered as any other malformed body
(``400 parse_error``), never a server error.

The depth is capped here rather than left to Python's decoder, whose limit differs between versions (3.11 and 3.12
raise RecursionError at about 1,000 levels, 3.13 decodes those): no request of this API nests more than a few
levels, so every version answers the same.
"""

from __future__ import annotations

import re
from io import BytesIO

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64
# What opens or closes a level, and what can hide a bracket: a string and the escapes inside it.
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


def nesting_depth(document: bytes) -> int:
    """How deeply ``document`` (JSON, UTF-8) nests arrays and objects; brackets inside strings do not count."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _STRUCTURE.finditer(document):
        at, char = match.start(), match.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == b"\\":
                escaped_at = at + 1
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif char in (b"]", b"}"):
            depth -= 1
    return deepest


def _too_deep() -> ParseError:
    return ParseError(_("JSON parse error - the document is nested too deeply."))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        document = stream.read()
        if nesting_depth(document) > MAX_DEPTH:
            raise _too_deep()
        try:
            return super().parse(BytesIO(document), media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
