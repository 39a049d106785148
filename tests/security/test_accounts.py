"""Accounts, sign-in, second factor and sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from vigil.errors import (
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    PermissionDenied,
    RateLimited,
)
from vigil.security import totp
from vigil.security.accounts import MfaState
from vigil.security.actor import Actor
from vigil.security.audit import AuditQuery
from vigil.security.permissions import Role
from vigil.security.schemas import UserCreate, UserUpdate
from vigil.services import Services
from vigil.storage.tables.accounts import WebSession
from vigil.storage.tables.audit import AuditEvent

PASSWORD = "amber-lantern-quietly-9-rivers"
OPERATOR = Actor.operator("test")


def _create(services: Services, username: str, role: Role = Role.CASEWORKER) -> Any:
    return services.accounts.create_user(
        OPERATOR, UserCreate(username=username, display_name=username, role=role, password=PASSWORD)
    )


def _actions(services: Services) -> list[tuple[str, str, str]]:
    with services.db.transaction() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(r.actor_label, r.action, r.outcome) for r in rows]


def test_create_user_normalises_and_refuses_duplicates(services: Services) -> None:
    user = services.accounts.create_user(
        OPERATOR,
        UserCreate(username="Ana.K", display_name="Ana", role=Role.MONITOR, password=PASSWORD),
    )
    assert user.username == "ana.k"
    with pytest.raises(Conflict) as info:
        _create(services, "ana.k")
    assert info.value.field == "username"
    assert ("operator:test", "user.create", "success") in _actions(services)


def test_unknown_user_and_wrong_password_give_the_same_error(services: Services) -> None:
    _create(services, "bora")
    with pytest.raises(AuthenticationRequired) as unknown:
        services.accounts.login("nobody-here", PASSWORD, client="c1")
    with pytest.raises(AuthenticationRequired) as wrong:
        services.accounts.login("bora", "wrong-password-here", client="c2")
    assert unknown.value.message == wrong.value.message
    failures = [a for a in _actions(services) if a[1] == "auth.sign_in" and a[2] == "failure"]
    assert ("unknown", "auth.sign_in", "failure") in failures
    assert ("bora", "auth.sign_in", "failure") in failures


def test_login_is_rate_limited_per_username(services: Services) -> None:
    _create(services, "cira")
    for attempt in range(5):
        with pytest.raises(AuthenticationRequired):
            services.accounts.login("cira", "wrong-password-here", client=f"ip{attempt}")
    with pytest.raises(RateLimited):
        services.accounts.login("cira", PASSWORD, client="ip-new")


def test_role_without_mfa_is_signed_in_by_password(services: Services) -> None:
    _create(services, "dara", Role.CASEWORKER)
    result = services.accounts.login("dara", PASSWORD, client="c")
    assert result.mfa is MfaState.PASSED
    ctx = services.accounts.resolve(result.token)
    assert ctx is not None and ctx.fully_signed_in and ctx.actor.role is Role.CASEWORKER


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.INVESTIGATOR])
def test_privileged_roles_must_enrol_totp(services: Services, role: Role) -> None:
    _create(services, "eda", role)
    result = services.accounts.login("eda", PASSWORD, client="c")
    assert result.mfa is MfaState.ENROL
    ctx = services.accounts.resolve(result.token)
    assert ctx is not None and not ctx.fully_signed_in

    enrolment = services.accounts.begin_enrolment(result.token)
    assert enrolment.uri.startswith("otpauth://totp/")
    assert "<svg" in enrolment.qr_svg
    # Reloading the page keeps the same secret (the QR may already be scanned).
    assert services.accounts.begin_enrolment(result.token).secret == enrolment.secret
    with pytest.raises(InvalidInput):
        services.accounts.confirm_enrolment(result.token, "000000", client="c")
    done = services.accounts.confirm_enrolment(
        result.token, totp.code_at(enrolment.secret, time.time()), client="c"
    )
    assert done.token != result.token  # rotated when privileges change
    assert services.accounts.resolve(result.token) is None
    assert services.accounts.resolve(done.token).fully_signed_in  # type: ignore[union-attr]

    # Next sign-in asks for a code; a replayed code is refused.
    again = services.accounts.login("eda", PASSWORD, client="c")
    assert again.mfa is MfaState.VERIFY
    later = totp.code_at(enrolment.secret, time.time() + 30)
    passed = services.accounts.verify_mfa(again.token, later, client="c")
    assert passed.mfa is MfaState.PASSED
    third = services.accounts.login("eda", PASSWORD, client="c")
    with pytest.raises(InvalidInput):
        services.accounts.verify_mfa(third.token, later, client="c")


def test_sessions_expire_when_idle(services: Services) -> None:
    _create(services, "fia")
    result = services.accounts.login("fia", PASSWORD, client="c")
    with services.db.transaction() as session:
        row = session.scalars(select(WebSession)).one()
        row.last_seen_at -= timedelta(minutes=services.settings.session_idle_minutes + 1)
    assert services.accounts.resolve(result.token) is None


def test_sessions_expire_absolutely(services: Services) -> None:
    _create(services, "gul")
    result = services.accounts.login("gul", PASSWORD, client="c")
    with services.db.transaction() as session:
        row = session.scalars(select(WebSession)).one()
        row.created_at -= timedelta(hours=services.settings.session_absolute_hours + 1)
    assert services.accounts.resolve(result.token) is None


def test_login_rotates_the_previous_session(services: Services) -> None:
    _create(services, "hana")
    first = services.accounts.login("hana", PASSWORD, client="c")
    second = services.accounts.login("hana", PASSWORD, client="c", previous_token=first.token)
    assert services.accounts.resolve(first.token) is None
    assert services.accounts.resolve(second.token) is not None


def test_deactivation_ends_sessions(services: Services) -> None:
    user = _create(services, "ines")
    result = services.accounts.login("ines", PASSWORD, client="c")
    services.accounts.update_user(OPERATOR, user.id, UserUpdate(active=False))
    assert services.accounts.resolve(result.token) is None
    with pytest.raises(AuthenticationRequired):
        services.accounts.login("ines", PASSWORD, client="c2")


def test_only_admins_manage_users_and_denials_are_audited(services: Services) -> None:
    _create(services, "jae", Role.SUPERVISOR)
    supervisor = Actor(user_id=None, label="jae", role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        services.accounts.list_users(supervisor)
    assert ("jae", "user.manage", "denied") in _actions(services)
    events = services.audit_search.search(supervisor, AuditQuery(outcome="denied"))
    assert [e.action for e in events] == ["user.manage"]


def test_partner_analyst_cannot_read_the_audit_log(services: Services) -> None:
    analyst = Actor(user_id=None, label="kim", role=Role.PARTNER_ANALYST)
    with pytest.raises(PermissionDenied):
        services.audit_search.search(analyst, AuditQuery())


def test_logout_ends_the_session(services: Services) -> None:
    _create(services, "lena")
    result = services.accounts.login("lena", PASSWORD, client="c")
    services.accounts.logout(result.token)
    assert services.accounts.resolve(result.token) is None
    assert ("lena", "auth.sign_out", "success") in _actions(services)
