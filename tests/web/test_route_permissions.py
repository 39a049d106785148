"""Walk every API route as every role and as nobody; compare with the permission matrix."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from vigil.security.permissions import Action, Role, is_allowed
from vigil.services import Services
from vigil.web.auth import PERMISSION_KEY

#: API routes anyone may call (the survivor portal and signing in). Everything else needs a
#: session; routes marked with a permission need the matching role too.
PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/reports"),
    ("POST", "/api/v1/reports/status"),
}
PUBLIC_PREFIXES = ("/api/v1/portal/",)
#: Routes reached half-way through sign-in (second factor pending), by design.
PARTIAL = {
    ("POST", "/api/v1/auth/mfa"),
    ("POST", "/api/v1/auth/mfa/enrol"),
    ("POST", "/api/v1/auth/mfa/enrol/confirm"),
    ("POST", "/api/v1/auth/logout"),
}


def _routes(client: TestClient) -> list[tuple[str, str, str | None]]:
    spec: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            found.append((method.upper(), path, operation.get(PERMISSION_KEY)))
    return sorted(found)


def _call(client: TestClient, method: str, path: str, csrf: str | None = None) -> int:
    url = re.sub(r"\{[^}]+\}", "1", path)
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = {}
    return client.request(method, url, **kwargs).status_code


def test_every_api_route_declares_a_permission_or_is_known_public(app_client: TestClient) -> None:
    for method, path, permission in _routes(app_client):
        if permission is not None:
            assert permission in {a.value for a in Action}, (method, path)
            continue
        known = (method, path) in PUBLIC | PARTIAL or path.startswith(PUBLIC_PREFIXES)
        # Routes for any signed-in staff member (e.g. /auth/me) must still refuse nobody.
        if not known:
            assert _call(app_client, method, path) == 401, (method, path)


def test_anonymous_requests_get_401_never_data(app_client: TestClient) -> None:
    routes = _routes(app_client)
    assert routes, "no API routes found"
    for method, path, _ in routes:
        if (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIXES):
            continue
        assert _call(app_client, method, path) == 401, (method, path)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_allowed_exactly_what_the_matrix_says(
    role: Role,
    staff_client: Callable[[Role], tuple[TestClient, Any, str]],
    sqlite_services: Services,
) -> None:
    client, _member, csrf = staff_client(role)
    checked = 0
    for method, path, permission in _routes(client):
        if permission is None:
            continue
        status = _call(client, method, path, csrf)
        if is_allowed(role, Action(permission)):
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)
        checked += 1
    assert checked > 0


def test_unsafe_api_calls_need_the_csrf_header(
    staff_client: Callable[[Role], tuple[TestClient, Any, str]],
) -> None:
    client, _member, csrf = staff_client(Role.CASEWORKER)
    assert client.post("/api/v1/cases", json={"title": "t"}).status_code == 403
    assert (
        client.post(
            "/api/v1/cases", json={"title": "t"}, headers={"X-CSRF-Token": "forged"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/cases", json={"title": "t"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 201
    )


def test_half_signed_in_user_gets_no_data(
    app_client: TestClient, sqlite_services: Services, new_staff: Any, strong_password: str
) -> None:
    member = new_staff(sqlite_services, Role.ADMIN)
    response = app_client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": strong_password}
    )
    assert response.json()["mfa"] == "enrol"
    assert app_client.get("/api/v1/users").status_code == 401
    assert app_client.get("/api/v1/auth/me").status_code == 401
