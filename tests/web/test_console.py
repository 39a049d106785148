"""The staff console without JavaScript: sign-in, TOTP enrolment, users, audit log."""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi.testclient import TestClient

from vigil.security import totp
from vigil.security.permissions import Role
from vigil.services import Services


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def _sign_in_admin_with_forms(client: TestClient, username: str, password: str) -> None:
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "csrf_token": _csrf(page.text),
            "username": username,
            "password": password,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/mfa/enrol"
    cookie = response.headers["set-cookie"]
    assert "__Host-vigil-session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" in cookie and "Path=/" in cookie

    enrol = client.get("/console/mfa/enrol")
    assert "<svg" in enrol.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text)
    assert secret
    code = totp.code_at(secret.group(1), time.time())
    done = client.post(
        "/console/mfa/enrol",
        data={"csrf_token": _csrf(enrol.text), "code": code},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/console/"


def test_admin_signs_in_enrols_totp_and_manages_users(
    app_client: TestClient, sqlite_services: Services, new_staff: Any, strong_password: str
) -> None:
    admin = new_staff(sqlite_services, Role.ADMIN)
    assert app_client.get("/console/", follow_redirects=False).headers["location"] == (
        "/console/login"
    )
    _sign_in_admin_with_forms(app_client, admin.username, strong_password)

    home = app_client.get("/console/")
    assert home.status_code == 200 and "Users and roles" in home.text

    users = app_client.get("/console/users")
    created = app_client.post(
        "/console/users",
        data={
            "csrf_token": _csrf(users.text),
            "username": "new.monitor",
            "display_name": "New Monitor",
            "role": "monitor",
            "language": "ko",
            "password": "tide-pool-orange-42-lanterns",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert "new.monitor" in app_client.get("/console/users").text

    weak = app_client.post(
        "/console/users",
        data={
            "csrf_token": _csrf(users.text),
            "username": "weak.one",
            "display_name": "W",
            "role": "monitor",
            "language": "en",
            "password": "password1234",
        },
    )
    assert weak.status_code == 422 and "common passwords" in weak.text

    audit = app_client.get("/console/audit?action=user.create")
    assert audit.status_code == 200 and "user.create" in audit.text


def test_forms_without_csrf_token_are_refused(
    app_client: TestClient, sqlite_services: Services, new_staff: Any, strong_password: str
) -> None:
    admin = new_staff(sqlite_services, Role.ADMIN)
    _sign_in_admin_with_forms(app_client, admin.username, strong_password)
    response = app_client.post(
        "/console/users",
        data={
            "username": "x-user",
            "display_name": "X",
            "role": "monitor",
            "password": "tide-pool-orange-42-lanterns",
        },
    )
    assert response.status_code == 403


def test_login_form_needs_its_csrf_cookie(app_client: TestClient) -> None:
    response = app_client.post(
        "/console/login",
        data={
            "csrf_token": "forged",
            "username": "a",
            "password": "b",
        },
    )
    assert response.status_code == 403


def test_wrong_password_shows_one_generic_message(
    app_client: TestClient, sqlite_services: Services, new_staff: Any
) -> None:
    member = new_staff(sqlite_services, Role.MONITOR)
    page = app_client.get("/console/login")
    wrong = app_client.post(
        "/console/login",
        data={
            "csrf_token": _csrf(page.text),
            "username": member.username,
            "password": "not-it-at-all",
        },
    )
    page = app_client.get("/console/login")
    unknown = app_client.post(
        "/console/login",
        data={
            "csrf_token": _csrf(page.text),
            "username": "no-such-person",
            "password": "not-it-at-all",
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        "Wrong username or password." in wrong.text
        and "Wrong username or password." in unknown.text
    )


def test_supervisor_sees_audit_but_not_users(
    staff_client: Any,
) -> None:
    client, _member, _csrf_token = staff_client(Role.SUPERVISOR)
    assert client.get("/console/audit").status_code == 200
    assert client.get("/console/users").status_code == 403


def test_sign_out_ends_the_session(staff_client: Any) -> None:
    client, _member, _ = staff_client(Role.CASEWORKER)
    home = client.get("/console/")
    assert home.status_code == 200
    out = client.post(
        "/console/logout", data={"csrf_token": _csrf(home.text)}, follow_redirects=False
    )
    assert out.headers["location"] == "/console/login"
    assert client.get("/api/v1/auth/me").status_code == 401
