"""The OpenAPI document the app serves is valid, declares the key's security schemes and every error code,
and the docs page works without a CDN."""

import schemathesis

from tests.api.conftest import ApiClient


def test_the_schema_is_valid_openapi_3(world):
    response = ApiClient(world.org).get("/openapi.json")  # no key needed to read the documentation
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")

    loaded = schemathesis.openapi.from_dict(schema)
    loaded.validate()
    operations = [result.ok() for result in loaded.get_all_operations()]
    paths = {(op.method.upper(), op.path) for op in operations}
    assert {("POST", "/api/v1/orders"), ("GET", "/api/v1/orders"), ("GET", "/api/v1/orders/{number}"),
            ("POST", "/api/v1/orders/{number}/cancel"), ("POST", "/api/v1/orders/{number}/clone"),
            ("GET", "/api/v1/inventory"), ("POST", "/api/v1/inventory/adjustments")} <= paths


def test_security_and_error_responses_are_declared(world):
    schema = ApiClient(world.org).get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "apiKey", "in": "header", "name": "X-Api-Key"} in schemes.values()
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            declared = set(operation["responses"])
            assert {"401", "403", "422", "429"} <= declared, (method, path)
            if method == "post":
                assert {"400", "413"} <= declared, (method, path)
                assert any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])), (method, path)
            assert operation["security"], (method, path)


def test_the_docs_page_uses_local_assets(world):
    response = ApiClient(world.org).get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn.jsdelivr" not in html
