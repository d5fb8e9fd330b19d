"""Every API error has the same body, {"error": {"code", "message", ...}}, and the API
describes itself in an OpenAPI document whose docs page works offline."""

import re

import pytest
import yaml
from django.urls import reverse


def test_an_unauthenticated_call_is_refused_with_a_coded_error(client, db):
    response = client.get(reverse("api:me"))

    assert response.status_code in (401, 403)
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"]


def test_a_bad_token_is_refused_with_a_coded_error(client, db):
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "authentication_failed"


def test_malformed_input_names_each_bad_field(client, db):
    response = client.post(reverse("api:token"), {"email": "not-an-email"}, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert set(error["fields"]) == {"email", "password"}
    assert all(isinstance(problems, list) and problems for problems in error["fields"].values())


def test_a_body_that_is_not_json_is_a_coded_400(client, db):
    response = client.post(reverse("api:token"), "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_wrong_method_is_a_coded_405(client, db):
    response = client.get(reverse("api:token"))

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.fixture
def schema(client, db):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_an_openapi_document_listing_our_endpoints(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Shoken API"
    assert "/api/me/" in schema["paths"]
    assert "post" in schema["paths"]["/api/auth/token/"]


def test_the_schema_is_also_served_as_json(client, db):
    response = client.get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    assert "/api/me/" in response.json()["paths"]


def test_the_docs_page_loads_only_local_assets(client, db):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", html, re.IGNORECASE)
    assert assets, "the docs page should load Swagger UI's assets"
    external = [url for url in assets if re.match(r"^(?:https?:)?//", url)]
    assert external == [], f"CDN assets make the docs page fail offline: {external}"
    assert all(url.startswith("/static/") for url in assets), assets
    for url in assets:  # and they are really there
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()


def test_a_form_body_to_a_json_api_is_415_with_the_error_body(client, db):
    """The API takes what its schema documents (JSON objects; uploads declare multipart)."""
    response = client.post("/api/auth/token/", {"email": "a@b.test", "password": "x"})  # a multipart form
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
