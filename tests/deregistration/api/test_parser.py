"""The JSON parser caps nesting itself, so that every Python version answers a deep document alike."""

import pytest

from deregistration.api.parsers import MAX_DEPTH, nesting_depth

from .conftest import API, client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("document", "depth"),
    [
        (b"{}", 1),
        (b"[[1],[2,[3]]]", 3),
        (b'{"a": "[[[[", "b": "\\"[["}', 1),  # brackets inside strings, an escaped quote
        (b'{"a": "\\\\"}', 1),  # an escaped backslash ends before the closing quote
        (b'{"x": "\\\\[", "y": [[]]}', 3),
        (b"[" * 1100 + b"]" * 1100, 1100),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(document, depth):
    assert nesting_depth(document) == depth


@pytest.mark.parametrize(("depth", "reason_code"), [(MAX_DEPTH, "invalid"), (MAX_DEPTH + 1, "parse_error")])
def test_a_document_deeper_than_the_cap_is_a_parse_error(depth, reason_code):
    body = "[" * depth + "]" * depth  # well-formed, but not the object the endpoint expects
    response = client_for().post(f"{API}/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["reason_code"] == reason_code
