"""Issue 9, item 9: every answer carries a Content-Security-Policy without 'unsafe-inline' (browser checks of the
pages under it: tests/e2e/test_content_security_policy.py)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize(
    "path",
    ["/", "/verify/", "/verify/AAAA-BBBB-CCCC-DDDD-EEEE/", "/admin/login/", "/api/v1/me/", "/api/v1/schema/"],
)
def test_every_answer_has_a_policy_without_unsafe_inline(client, path):
    response = client.get(path)
    policy = directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert policy["connect-src"] == ["'self'", "wss://127.0.0.1:13579"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_a_template_gets_the_answer_s_nonce(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    assert "<script>" not in response.content.decode()  # the start-up script is a file (?script)
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_lockout_page_has_the_policy_too(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 429
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
