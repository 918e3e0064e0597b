"""The API's JSON renderer (orjson) writes the very bytes DRF's own JSONRenderer writes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy, override
from rest_framework import renderers

from deregistration.api.renderers import JSONRenderer
from deregistration.constants import Status

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")

PAYLOADS = {
    "page of cases": {
        "results": [
            {
                "number": "DR-2026-000001",
                "status": Status.COMPLETED,  # a str subclass, as a choice's member
                "submitted_at": "2026-12-01T10:00:00+05:00",
                "issue_slip": True,
                "subjects": [
                    {"iin": "850722400028", "full_name": "Сәрсенбаева Әйгерім", "slip_number": None}
                ],
                "consents": [],
                "rejection": None,
            }
        ],
        "next": "https://portal.example/api/v1/applications/?cursor=cD0yMDI2",
        "previous": None,
    },
    "datetimes and dates": {
        "aware": dt.datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=ALMATY),
        "utc": dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC),
        "date": dt.date(2026, 12, 1),
        "time": dt.time(9, 30),
        "duration": dt.timedelta(minutes=30),
    },
    "lazy text, decimal, uuid": {
        "detail": gettext_lazy("Invalid token."),
        "share": decimal.Decimal("0.5000"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    },
    "separators and escapes": {"text": 'a\u2028b\u2029c "quoted" \\ \t\n </script>', "empty": ""},
    "numbers": {
        "int": 2**62,
        "negative": -7,
        "float": 12.5,
        "zero": 0.0,
        "list": [1, 2, 3],
        "tuple": (1, "a"),
    },
    "nested errors": {"code": "invalid", "errors": {"subjects[1]": [{"code": "not_registered_here"}]}},
    "a set": {"set": {"one"}},
    "keys that are not strings": {1: "one"},
    "an integer past 64 bits": {"big": 2**70},
}


@pytest.mark.parametrize("name", list(PAYLOADS))
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_same_bytes_as_drfs_renderer(name, language):
    with override(language):
        ours = JSONRenderer().render(PAYLOADS[name], "application/json", {})
        drfs = renderers.JSONRenderer().render(PAYLOADS[name], "application/json", {})
    assert ours == drfs
    assert ours  # something was written


def test_the_line_separators_are_escaped_as_drf_does():
    written = JSONRenderer().render({"text": "a\u2028b\u2029c"}, "application/json", {})
    assert written == b'{"text":"a\\u2028b\\u2029c"}'


def test_a_pretty_printed_answer_is_drfs():
    data = {"results": [{"number": "DR-1"}], "next": None}
    ours = JSONRenderer().render(data, "application/json; indent=4", {})
    assert ours == renderers.JSONRenderer().render(data, "application/json; indent=4", {})
    assert b"\n    " in ours


def test_nothing_is_written_for_none():
    assert JSONRenderer().render(None) == b""


def test_what_neither_can_write_fails_alike():
    class Opaque:
        pass

    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"x": Opaque()})
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": Opaque()})
    # A lone surrogate: orjson refuses it, DRF's renderer then fails to encode it, as it always did.
    with pytest.raises(UnicodeEncodeError):
        renderers.JSONRenderer().render({"text": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"text": "\ud800"})


def test_the_api_answers_with_it(client):
    response = client.get("/api/v1/applications/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.accepted_renderer.__class__ is JSONRenderer
    assert response.json()["code"]
