"""In a real browser: the investigator's graph draws with the vendored Cytoscape.js, under the
strict Content-Security-Policy, and its filters and timeline hide what they should."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from vigil.cases.schemas import CaseCreate
from vigil.security import totp
from vigil.security.actor import Actor
from vigil.security.permissions import Role
from vigil.security.schemas import UserCreate
from vigil.services import Services
from vigil.settings import VigilSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "amber-lantern-quietly-9-rivers"


def test_graph_page_draws_filters_and_keeps_csp(
    browser: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    services = Services.from_settings(VigilSettings(home=home, log_json=False))
    from vigil.storage.migrate import upgrade

    upgrade(services.db)
    operator = Actor.operator()
    services.accounts.create_user(
        operator,
        UserCreate(
            username="inv", display_name="Investigator", role=Role.INVESTIGATOR, password=PASSWORD
        ),
    )
    refs = [services.cases.create(operator, CaseCreate(title=t)).reference for t in ("A", "B")]
    services.linking.add_case_text(
        operator,
        refs[0],
        "from 010-1234-5678, ig @perp_kim",
        observed_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    services.linking.add_case_text(
        operator, refs[1], "tel +82 10 1234 5678", observed_at=datetime(2026, 3, 5, tzinfo=UTC)
    )
    services.close()
    server = server_factory(home)

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/console/login")
    page.get_by_label("Username").fill("inv")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/mfa/enrol")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Six-digit code").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Turn on the second factor").click()
    page.wait_for_url("**/console/")

    page.goto(f"{server.url}/console/linking/graph?case={refs[0]}")
    # Polled from Python: the page's CSP forbids the eval that wait_for_function needs.
    expect(page.locator("#graph-status")).to_have_text("4 nodes, 3 links")
    assert page.locator("#graph canvas").count() > 0
    count = page.evaluate(
        "() => document.getElementById('graph')._cyreg.cy.nodes(':visible').length"
    )
    assert count == 4
    page.get_by_label("phone").uncheck()
    count = page.evaluate(
        "() => document.getElementById('graph')._cyreg.cy.nodes(':visible').length"
    )
    assert count == 3
    page.get_by_label("phone").check()
    page.locator("#timeline").fill("0")
    page.locator("#timeline").dispatch_event("input")
    count = page.evaluate(
        "() => document.getElementById('graph')._cyreg.cy.edges(':visible').length"
    )
    assert count == 2  # the other case's observation (March) is later than January
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.close()
