"""A schema-driven fuzz run (schemathesis) against the live app: valid and invalid requests to every operation
of the served OpenAPI document, with a real API key, on committed rows. No answer may be a 5xx, and every
answer must be one the document declares (status code, content type, body schema, headers)."""


import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.live import serve_app

EXAMPLES = 15  # per operation and mode: the whole run stays well under a minute
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance,
               response_headers_conformance]


@pytest.fixture
def live_server_port(committed_org, django_db_blocker):
    with django_db_blocker.unblock(), serve_app() as port:
        yield port


def _shop(org):
    account, key, warehouse = factories.shop(org, "Fuzz Shop")
    mug = factories.VariantFactory(account=account, sku="MUG-1")
    factories.stock(mug, warehouse, 1_000)
    factories.make_order(account, [(mug, 1)], warehouse=warehouse)
    return key


def test_fuzzing_every_operation_finds_no_server_error(committed_org, live_server_port):
    key = _shop(committed_org)
    host = f"{committed_org.schema_name}.localhost"
    base = f"http://127.0.0.1:{live_server_port}"
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json", headers={"Host": host})
    session = requests.Session()
    server_errors: list[str] = []
    undeclared: list[str] = []
    calls = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(
                max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate],
            )
            def fuzz(case):
                nonlocal calls
                calls += 1
                response = case.call(base_url=base, session=session, headers={"Host": host, "X-Api-Key": key})
                seen = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
                for checks, found in (([not_a_server_error], server_errors), (CONFORMANCE, undeclared)):
                    try:
                        case.validate_response(response, checks=checks)
                    except Exception as failure:  # noqa: BLE001 - collected, reported together below
                        found.append(f"{seen} (body {str(case.body)[:200]}): {str(failure)[:300]}")

            fuzz()

    assert calls > 100
    assert server_errors == [], "\n".join(server_errors[:10])
    assert undeclared == [], "\n".join(undeclared[:10])
