"""Issue 9, item 6: tiny hostile requests get a clear 4xx (JSON under /api/), never a 500, and log no ERROR."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 1100 + "]" * 1100  # 2,200 bytes


@pytest.fixture
def client():
    # As a server would answer: an exception in a view becomes a 500 page instead of reaching the test.
    return Client(raise_request_exception=False)


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.WARNING)
    yield caplog
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert all(r.exc_info is None for r in caplog.records)


def test_deeply_nested_json_is_a_400_parse_error(client, errors):
    assert len(DEEP_JSON) < 2300
    response = client.post("/api/v1/auth/token/", DEEP_JSON, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["reason_code"]) == ("invalid", "parse_error")
    assert "nested too deeply" in body["errors"]["non_field_errors"][0]["message"]


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/applications/", "/api/v1/me/"])
def test_options_is_a_405_in_json(client, errors, path):
    response = client.options(path)
    assert response.status_code in (401, 405)
    assert response["Content-Type"] == "application/json"
    if path == "/api/v1/auth/token/":
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("code", ["---", "- - -", "!!!", "x" * 5000])
def test_a_verification_code_that_cannot_be_one_is_a_404_page(client, errors, code):
    response = client.get("/verify/", {"code": code})
    assert response.status_code == 404
    assert "No slip was issued with this code" in response.content.decode()


def test_an_oversized_body_under_the_api_is_a_413_in_json(client, errors, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        "/api/v1/auth/token/", '{"username": "' + "x" * 2000 + '"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_an_oversized_body_at_the_default_limit_is_refused_before_it_is_read(client, errors):
    response = client.post("/api/v1/applications/", "x" * 3_000_000, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
