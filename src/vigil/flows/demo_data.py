"""Clearly-marked synthetic demo data: staff of every role and a few cases.

Every name and text here is invented; titles carry the ``[DEMO]`` mark so nobody mistakes
them for a real survivor's case.
"""

from __future__ import annotations

import secrets

from vigil.cases.schemas import CaseCreate
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.security.schemas import UserCreate
from vigil.services import Services

DEMO_ADMIN = "demo-admin"
DEMO_MARK = "[DEMO]"

DEMO_STAFF = (
    ("demo-supervisor", "Demo Supervisor", Role.SUPERVISOR),
    ("demo-investigator", "Demo Investigator", Role.INVESTIGATOR),
    ("demo-caseworker", "Demo Caseworker", Role.CASEWORKER),
    ("demo-monitor", "Demo Monitor", Role.MONITOR),
    ("demo-partner", "Demo Partner Analyst", Role.PARTNER_ANALYST),
)

DEMO_CASES = (
    f"{DEMO_MARK} Threatening messages after a breakup (synthetic)",
    f"{DEMO_MARK} Fake profile sharing a home address (synthetic)",
    f"{DEMO_MARK} Sextortion demand by e-mail (synthetic)",
)


def _password() -> str:
    return secrets.token_urlsafe(18)


def load_demo(services: Services) -> str:
    """Create demo data once; (re)set the demo administrator's password and return it."""
    operator = Actor.operator("demo")
    password = _password()
    admin_id = services.accounts.find_user_id(DEMO_ADMIN)
    if admin_id is not None:
        services.accounts.set_password(operator, admin_id, password)
        return password
    services.accounts.create_user(
        operator,
        UserCreate(
            username=DEMO_ADMIN,
            display_name="Demo Administrator",
            role=Role.ADMIN,
            password=password,
        ),
    )
    for username, name, role in DEMO_STAFF:
        # Other demo staff get unknowable passwords: an admin resets one to use it.
        services.accounts.create_user(
            operator,
            UserCreate(username=username, display_name=name, role=role, password=_password()),
        )
    for title in DEMO_CASES:
        services.cases.create(operator, CaseCreate(title=title))
    return password
