"""The API's schema and its offline Swagger UI (drf-spectacular with the sidecar)."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "StrataTracker API"
    assert schema["openapi"].startswith("3.")


def test_swagger_ui_loads_its_assets_from_this_site(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn.jsdelivr.net" not in page


def test_swagger_ui_needs_no_inline_script_under_the_content_security_policy(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in page
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200
    assert "SwaggerUIBundle" in init.content.decode()
