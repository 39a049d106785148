"""Schema-based fuzzing of the whole JSON API (schemathesis), with a bounded budget.

For every operation in the OpenAPI document: no 5xx, responses that match the document, and no
data for a caller who is not signed in (authorisation bypass). Runs once anonymous and once as
a signed-in caseworker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import response_schema_conformance

from vigil.security.permissions import Action, Role, is_allowed
from vigil.services import Services
from vigil.web.app import create_app
from vigil.web.auth import PERMISSION_KEY

pytestmark = pytest.mark.slow

#: Examples per operation and caller: enough to shake out crashes, small enough for CI.
EXAMPLES = 12
PUBLIC_PREFIXES = ("/api/v1/reports", "/api/v1/auth/login", "/api/v1/portal")


@pytest.fixture
def fuzz_app(sqlite_services: Services) -> Any:
    # The portal's rate limit would turn fuzzing into 429s: lift it for this app only.
    return create_app(
        sqlite_services.settings.model_copy(update={"portal_rate_limit": "100000/minute"}),
        sqlite_services,
    )


@pytest.fixture
def api_schema(fuzz_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)


@pytest.fixture
def caseworker_headers(
    fuzz_app: Any, sqlite_services: Services, new_staff: Any, strong_password: str
) -> dict[str, str]:
    member = new_staff(sqlite_services, Role.CASEWORKER)
    with TestClient(fuzz_app, base_url="https://testserver") as client:
        body = client.post(
            "/api/v1/auth/login", json={"username": member.username, "password": strong_password}
        ).json()
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]}


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def _public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def _fuzz(api_schema: Any, check: Callable[[Any], None]) -> int:
    """Run ``check`` on generated cases for every operation; return how many operations ran."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            check(case)

        run()
    return len(operations)


def test_anonymous_callers_never_crash_or_get_data(api_schema: Any) -> None:
    def check(case: Any) -> None:
        response = case.call(base_url="https://testserver")
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if not _public(case.path):
            assert response.status_code in (401, 403, 404, 405, 413, 422), (case.method, case.path)
        case.validate_response(response, checks=[response_schema_conformance])

    assert _fuzz(api_schema, check) > 20


def test_signed_in_caseworker_never_crashes(
    api_schema: Any, caseworker_headers: dict[str, str]
) -> None:
    def check(case: Any) -> None:
        response = case.call(base_url="https://testserver", headers=caseworker_headers)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        permission = case.operation.definition.raw.get(PERMISSION_KEY)
        if permission and response.status_code < 400:
            assert is_allowed(Role.CASEWORKER, Action(permission)), (case.method, case.path)

    assert _fuzz(api_schema, check) > 20
