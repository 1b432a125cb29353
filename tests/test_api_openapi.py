"""The OpenAPI document validates and matches the implementation; the docs page renders."""

from __future__ import annotations

import uuid

import jsonschema
import pytest
from django.urls import Resolver404, resolve
from openapi_spec_validator import validate

from tests.api_support import FAST, configure_api, image_bytes, post, subject_image
from tools.api.errors import ERRORS

pytestmark = pytest.mark.django_db

PHOTO = image_bytes(subject_image((120, 90)))
NOT_AN_IMAGE = b"not an image"
OPERATION = ("/api/v1/remove-background", "post")


@pytest.fixture(autouse=True)
def _api(settings):
    configure_api(settings)


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def form_schema(document) -> dict:
    path, method = OPERATION
    body = document["paths"][path][method]["requestBody"]["content"]["multipart/form-data"]
    return body["schema"]


def schema_of(document, name: str) -> dict:
    """A component schema with its $refs resolvable by jsonschema."""
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def test_it_is_a_valid_openapi_3_1_document(document):
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["servers"] == [{"url": "/"}]


def test_the_host_header_is_not_echoed_into_the_document(client):
    # Django's host check ignores the port: whatever port a client sent came back in "servers".
    response = client.get("/api/openapi.json", HTTP_HOST="testserver:31337")
    assert response.status_code == 200
    assert "31337" not in response.content.decode()
    assert "testserver" not in response.content.decode()


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/jobs/not-a-uuid", "job_not_found"),
        ("/api/v1/jobs/12345/result", "job_not_found"),
        ("/api/v2/remove-background", "not_found"),
        ("/api/v1/jobs", "not_found"),
    ],
)
def test_unknown_api_addresses_answer_json_404(client, path, code):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == code


def test_every_declared_path_exists_with_its_methods(client, document):
    for template, operations in document["paths"].items():
        path = template.replace("{code}", str(uuid.uuid4()))
        try:
            name = resolve(path).url_name  # the catch-all JSON 404s have no name
        except Resolver404:
            name = None
        if not name:
            pytest.fail(f"{template} is in the document but not in the URLs")
        for method in operations:
            response = client.generic(method.upper(), path)
            assert response.status_code != 405, (method, path)
            if "{code}" in template:  # an unknown job: the documented JSON 404
                assert response.json()["errors"][0]["code"] == "job_not_found"
            else:
                assert response.status_code != 404, (method, path)


def test_it_declares_exactly_the_parameters_the_api_takes(client, document):
    schema = form_schema(document)
    assert schema["required"] == ["image_file"]
    for name in schema["properties"]:
        if name.endswith("_file"):
            response = post(client, PHOTO, **{name: NOT_AN_IMAGE})
        else:
            response = post(client, NOT_AN_IMAGE, **{name: ""})
        assert response.json()["errors"][0]["code"] != "unknown_parameter", name
    response = post(client, PHOTO, undocumented="1")
    assert response.json()["errors"][0]["code"] == "unknown_parameter"


def test_every_declared_enum_value_is_accepted_and_others_are_not(client, document):
    # An unreadable image_file fails only after every parameter was accepted (415, not 400).
    for name, schema in form_schema(document)["properties"].items():
        for value in schema.get("enum", []):
            response = post(client, NOT_AN_IMAGE, **{name: value})
            assert response.status_code == 415, (name, value, response.content)
        if "enum" in schema:
            response = post(client, NOT_AN_IMAGE, **{name: "not-a-choice"})
            assert response.status_code == 400, name


def test_examples_defaults_and_bounds_are_accepted(client, document):
    for name, schema in form_schema(document)["properties"].items():
        values = [*schema.get("examples", []), schema.get("default"), schema.get("maximum")]
        for value in [v for v in values if v is not None]:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            response = post(client, NOT_AN_IMAGE, **{name: text})
            assert response.status_code == 415, (name, text, response.content)


def test_it_documents_every_error_status_and_code(document):
    path, method = OPERATION
    responses = document["paths"][path][method]["responses"]
    statuses = {kind.status for kind in ERRORS.values()}
    assert set(responses) == {"200", "202"} | {str(status) for status in statuses} - {"404"}
    assert responses["503"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    codes = document["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert set(codes) == set(ERRORS)


def test_a_real_result_matches_the_documented_headers_and_json(client, document):
    path, method = OPERATION
    success = document["paths"][path][method]["responses"]["200"]
    response = post(client, PHOTO, format="webp", HTTP_ACCEPT="application/json", **FAST)
    assert response.status_code == 200
    for header, spec in success["headers"].items():
        if not spec["required"]:  # X-Scaled-From: only for images scaled down to fit
            assert header not in response
            continue
        value = response[header]
        if spec["schema"]["type"] == "integer":
            assert int(value) >= 0
        else:
            assert float(value) >= 0
    jsonschema.validate(response.json(), schema_of(document, "RemovalResult"))
    image = post(client, PHOTO, format="webp", **FAST)
    assert image["Content-Type"] in success["content"]


def test_a_real_error_matches_the_documented_schema(client, document):
    response = post(client, PHOTO, format="gif")
    jsonschema.validate(response.json(), schema_of(document, "Errors"))


def test_keys_become_required_in_the_document_when_configured(client, settings):
    path, method = OPERATION
    open_doc = client.get("/api/openapi.json").json()
    assert {} in open_doc["paths"][path][method]["security"]
    settings.PIXELFORGE_API_KEYS = ["secret"]
    keyed = client.get("/api/openapi.json").json()
    assert {} not in keyed["paths"][path][method]["security"]
    validate(keyed)
    assert "secret" not in str(keyed)


def test_the_docs_page_shows_examples_parameters_and_errors(client, document, settings):
    settings.PIXELFORGE_PUBLIC_URL = "https://pixelforge.example"
    response = client.get("/api/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Background removal API" in html
    assert (
        'curl -sS -F image_file=@photo.jpg "https://pixelforge.example/api/v1/remove-background'
        in html
    )
    assert "curl " in html and "import requests" in html and "urllib.request" in html
    assert "/static/css/api.css" in html
    assert 'href="https://pixelforge.example/api/openapi.json"' in html
    for name in form_schema(document)["properties"]:
        assert f"<code>{name}</code>" in html
    for code in ERRORS:
        assert f"<code>{code}</code>" in html
    assert "X-Processing-Time" in html and "Seconds" in html
    assert "<script" not in html


def test_the_host_headers_port_is_never_echoed(client, settings):
    # Django checks the Host's name against ALLOWED_HOSTS but not its port: before, the docs
    # page's examples read http://localhost:6666/api/... for anyone who sent that Host.
    settings.PIXELFORGE_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["pixelforge.example", "localhost"]
    for path in ("/api/", "/api/openapi.json"):
        body = client.get(path, HTTP_HOST="localhost:6666").content.decode()
        assert "6666" not in body
    html = client.get("/api/", HTTP_HOST="localhost:6666").content.decode()
    assert '"http://pixelforge.example/api/v1/remove-background"' in html
    document = client.get("/api/openapi.json", HTTP_HOST="localhost:6666").json()
    assert document["servers"] == [{"url": "/"}]


def test_a_wildcard_host_never_reaches_the_docs_page(client, settings):
    settings.PIXELFORGE_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["*"]
    for path in ("/api/", "/api/openapi.json"):
        body = client.get(path, HTTP_HOST="evil.example:6666").content.decode()
        assert "evil" not in body and "6666" not in body
    html = client.get("/api/", HTTP_HOST="evil.example").content.decode()
    assert '"/api/v1/remove-background"' in html  # relative: no name to trust


def test_the_docs_page_mentions_keys_when_they_are_required(client, settings):
    settings.PIXELFORGE_API_KEYS = ["secret"]
    html = client.get("/api/").content.decode()
    assert "X-API-Key: $PIXELFORGE_API_KEY" in html
    assert "secret" not in html


def test_the_docs_and_document_are_read_only(client):
    assert client.post("/api/").status_code == 405
    assert client.post("/api/openapi.json").status_code == 405
