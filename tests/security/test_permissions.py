"""The permission matrix itself."""

from __future__ import annotations

import pytest

from vigil.security.permissions import MFA_REQUIRED_ROLES, PERMISSIONS, Action, Role, is_allowed


def test_every_role_has_a_row_and_every_action_a_holder() -> None:
    assert set(PERMISSIONS) == set(Role)
    held = set().union(*PERMISSIONS.values())
    assert held == set(Action)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.ADMIN, Action.USER_MANAGE, True),
        (Role.ADMIN, Action.CASE_READ, False),  # need-to-know: admins run, not read, cases
        (Role.PARTNER_ANALYST, Action.STATS_READ, True),
        (Role.PARTNER_ANALYST, Action.CASE_READ, False),
        (Role.PARTNER_ANALYST, Action.EVIDENCE_READ, False),
        (Role.CASEWORKER, Action.SURVIVOR_UNMASK, True),
        (Role.MONITOR, Action.SURVIVOR_UNMASK, False),
        (Role.SUPERVISOR, Action.CONSENT_OVERRIDE, True),
        (Role.CASEWORKER, Action.CONSENT_OVERRIDE, False),
        (Role.INVESTIGATOR, Action.LINK_READ, True),
        (Role.CASEWORKER, Action.LINK_OPEN_OTHER_CASE, False),
    ],
)
def test_key_decisions(role: Role, action: Action, allowed: bool) -> None:
    assert is_allowed(role, action) is allowed


def test_unknown_role_is_allowed_nothing() -> None:
    assert not is_allowed("superuser", Action.USER_MANAGE)


def test_roles_that_hold_the_most_sensitive_powers_need_mfa() -> None:
    for role in Role:
        if Action.USER_MANAGE in PERMISSIONS[role] or Action.CONSENT_OVERRIDE in PERMISSIONS[role]:
            assert role in MFA_REQUIRED_ROLES
