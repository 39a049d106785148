"""Security headers everywhere, clear errors, bounded uploads."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    "path",
    ["/", "/console/login", "/api/v1/auth/me", "/healthz", "/static/vigil.css", "/no-such-page"],
)
def test_security_headers_on_every_response(app_client: TestClient, path: str) -> None:
    response = app_client.get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/console/login", "/api/v1/auth/me"])
def test_portal_console_and_api_are_never_cached(app_client: TestClient, path: str) -> None:
    assert app_client.get(path).headers["cache-control"] == "no-store"


def test_healthz(app_client: TestClient) -> None:
    response = app_client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_portal_home_has_a_quick_exit_that_works_without_javascript(
    app_client: TestClient,
) -> None:
    html = app_client.get("/").text
    assert 'id="quick-exit"' in html
    assert 'href="https://' in html  # a plain link: works with JavaScript off
    assert "/static/quick-exit.js" in html
    script = app_client.get("/static/quick-exit.js").text
    assert "location.replace" in script and "Shift" in script


def test_oversized_body_is_refused_before_it_is_read(app_client: TestClient) -> None:
    limit = app_client.app.state.settings.max_upload_bytes  # type: ignore[attr-defined]
    response = app_client.post(
        "/api/v1/auth/login",
        content=b"x" * (limit + 2 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_validation_error_names_the_field_and_does_not_echo_the_value(
    app_client: TestClient,
) -> None:
    response = app_client.post(
        "/api/v1/auth/login", json={"username": "x", "password": 7, "secret_extra": "CANARY-VALUE"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] in {"password", "secret_extra"}
    assert "CANARY-VALUE" not in response.text


def test_malformed_json_is_a_clear_4xx(app_client: TestClient) -> None:
    response = app_client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_request_logs_carry_route_templates_not_urls(
    app_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="vigil.web"):
        app_client.get("/api/v1/users/12345?name=CANARY-NAME")
    routes = [getattr(r, "route", None) for r in caplog.records]
    assert "/api/v1/users/{user_id}" in routes
    assert "CANARY-NAME" not in caplog.text and "12345" not in caplog.text
