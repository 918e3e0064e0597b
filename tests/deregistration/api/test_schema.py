"""The OpenAPI description: generated without a warning, served, and its documentation served offline."""

import re

import pytest
import yaml
from django.core.management import call_command

from .conftest import API, client_for

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("post", "/api/v1/auth/token/"),
    ("get", "/api/v1/me/"),
    ("get", "/api/v1/dwellings/"),
    ("get", "/api/v1/applications/"),
    ("post", "/api/v1/applications/"),
    ("get", "/api/v1/applications/{number}/"),
    ("post", "/api/v1/applications/{number}/complete/"),
    ("post", "/api/v1/applications/{number}/reject/"),
    ("post", "/api/v1/applications/{number}/subjects/{iin}/slip/"),
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/notifications/{id}/read/"),
    ("get", "/api/v1/consents/"),
    ("post", "/api/v1/consents/{id}/approve/"),
    ("post", "/api/v1/consents/{id}/decline/"),
    ("get", "/api/v1/registry-records/"),
    ("get", "/api/v1/slips/{number}/"),
    ("get", "/api/v1/slips/{number}/pdf/"),
    ("get", "/api/v1/slips/verify/{code}/"),
}


def test_the_schema_generates_and_validates_without_a_warning(tmp_path):
    target = tmp_path / "schema.yml"
    # Raises (SystemExit / SchemaGenerationError) on the first warning or an invalid document.
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "en", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert operations == ENDPOINTS


def test_every_operation_documents_its_errors_and_has_an_example(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--lang", "en", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            if operation.get("security"):  # the public ones (token, verify) have none
                assert "401" in responses, where
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    [media] = response["content"].values()
                    assert media["schema"]["$ref"].endswith(("/Error", "/ValidationError")), where
            examples = [
                media.get("examples")
                for response in [*responses.values(), operation.get("requestBody", {})]
                for media in response.get("content", {}).values()
            ]
            assert any(examples), where


def test_the_schema_is_served():
    response = client_for().get(f"{API}/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_docs_use_only_local_assets():
    response = client_for().get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "an asset from another host"
    assert "cdn" not in html.lower()
