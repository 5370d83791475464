"""The OpenAPI schema (/api/schema/) and the Swagger UI (/api/docs/), both open to anyone."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

ENDPOINTS = {
    "/api/auth/token/": {"post"},
    "/api/courses/": {"get"},
    "/api/courses/{code}/schedule/": {"get"},
    "/api/courses/{code}/papers/": {"get"},
    "/api/courses/{code}/papers/preferences/": {"get", "put"},
    "/api/courses/{code}/slots/": {"get"},
    "/api/courses/{code}/slots/{slot_id}/signup/": {"post", "delete"},
    "/api/courses/{code}/feedback/todo/": {"get"},
    "/api/courses/{code}/presentations/{presentation_id}/feedback/": {"get", "post"},
    "/api/courses/{code}/feedback/given/": {"get"},
    "/api/courses/{code}/feedback/received/": {"get"},
    "/api/courses/{code}/feedback/sessions/{session_id}/": {"get"},
    "/api/courses/{code}/feedback/students/": {"get"},
    "/api/courses/{code}/feedback/{feedback_id}/hide/": {"post"},
    "/api/courses/{code}/feedback/{feedback_id}/restore/": {"post"},
    "/api/courses/{code}/feedback/excusals/": {"post"},
    "/api/courses/{code}/grades/me/": {"get"},
    "/api/courses/{code}/gradebook/": {"get"},
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(("path", "methods"), ENDPOINTS.items())
def test_schema_lists_each_endpoint_with_its_methods(schema, path, methods):
    assert path in schema["paths"]
    documented = {key for key in schema["paths"][path] if key != "parameters"}
    assert documented == methods


def test_schema_documents_the_token_exchange(schema):
    operation = schema["paths"]["/api/auth/token/"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    credentials = schema["components"]["schemas"][request.rsplit("/", 1)[1]]
    assert set(credentials["required"]) == {"username", "password"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Token"
    }
    assert schema["components"]["schemas"]["Token"]["required"] == ["token"]
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert {} in operation["security"]  # no credentials needed


def test_every_error_response_has_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/Error"}, (path, method)


def test_schedule_is_typed_down_to_the_meeting(schema):
    components = schema["components"]["schemas"]
    assert set(components["Schedule"]["properties"]) == {"course", "weeks"}
    assert set(components["Week"]["properties"]) == {
        "number",
        "starts_on",
        "ends_on",
        "title",
        "meetings",
    }
    meeting = components["Meeting"]["properties"]
    assert meeting["starts_at"]["format"] == "date-time"
    assert meeting["starts_at"]["nullable"] is True
    assert set(components["Course"]["properties"]) == {
        "code",
        "title",
        "term",
        "lecturer",
        "time_zone",
        "schedule_public",
        "role",
    }
    # Public courses are readable without credentials, and the schema says so.
    assert {} in schema["paths"]["/api/courses/{code}/schedule/"]["get"]["security"]


def test_schema_generates_without_warnings_and_validates(tmp_path):
    # The same command CI runs: any warning (an untyped field, a guessed serializer, a name
    # clash between components) fails it.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_schema_endpoint_is_open_to_anyone(client, db):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert body["openapi"].startswith("3.")
    assert set(ENDPOINTS) <= set(body["paths"])


def test_schema_endpoint_serves_yaml_by_default(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert "/api/courses/{code}/schedule/" in yaml.safe_load(response.content)["paths"]


@pytest.mark.parametrize(
    "user_fixture", ["student", "other_student", "ta", "instructor", "outsider"]
)
def test_schema_endpoint_is_the_same_for_every_signed_in_user(
    client, client_of, request, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    signed_in = client_of(user).get("/api/schema/", headers={"Accept": "application/json"})
    anonymous = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert signed_in.status_code == 200
    assert signed_in.json() == anonymous.json()


def test_swagger_ui_is_open_to_anyone_and_served_locally(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # Scripts, the stylesheets and the favicon.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 5, html
    # Swagger UI's start-up script comes from the page's own address (not inline, for the
    # Content-Security-Policy); everything else is a static file of ours.
    assert "/api/docs/?script=" in assets
    for asset in (asset for asset in assets if not asset.startswith("/api/docs/")):
        assert asset.startswith(("/static/drf_spectacular_sidecar/", "/static/courseapp/")), asset
        # The file is really there for collectstatic / whitenoise to serve.
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "cdn" not in html.lower()
    assert "unpkg" not in html.lower()
    assert "<style" not in html
    assert "<script>" not in html


def test_swagger_ui_start_up_script_loads_the_schema_from_our_endpoint(client, db):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/",' in response.content.decode()


@pytest.mark.parametrize(
    "user_fixture", ["student", "other_student", "ta", "instructor", "outsider"]
)
def test_swagger_ui_works_for_every_signed_in_user(client_of, request, user_fixture):
    response = client_of(request.getfixturevalue(user_fixture)).get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def _api_routes(patterns=None, prefix="/api/") -> set[str]:
    """Every route under /api/, written as the schema writes paths (`{code}`)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    if patterns is None:
        resolver = next(
            p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api"
        )
        patterns = resolver.url_patterns
    routes = set()
    for pattern in patterns:
        route = prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            routes |= _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.add(route)
    return routes


def test_every_api_route_is_in_the_schema_and_every_schema_path_is_a_route(schema):
    # The schema and docs themselves are not API endpoints of the app.
    routes = _api_routes() - {"/api/schema/", "/api/docs/"}

    assert routes == set(schema["paths"])
