"""In a real browser: demo credentials sign in, TOTP enrolment, quick exit with and without JS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from vigil.security import totp
from vigil.testing.live import start_live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, neutral_site: str) -> Iterator[tuple[Any, str]]:
    """``vigil demo`` set-up, then ``vigil serve``: the server and the printed password."""
    home = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "VIGIL_HOME": str(home)}
    env.pop("VIGIL_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "demo", "--no-serve"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"password:\s+(\S+)", out)
    assert match, out
    server = start_live_server(home, {"VIGIL_QUICK_EXIT_URL": neutral_site})
    yield server, match.group(1)
    server.stop()


def test_demo_admin_signs_in_and_enrols_totp(browser: Any, demo: tuple[Any, str]) -> None:
    server, password = demo
    page = browser.new_page()
    page.goto(f"{server.url}/console/")
    assert page.url.endswith("/console/login")
    page.get_by_label("Username").fill("demo-admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/mfa/enrol")
    assert page.locator("figure.qr svg").count() == 1
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Six-digit code").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Turn on the second factor").click()
    page.wait_for_url("**/console/")
    assert "Welcome, demo-admin" in page.content()
    page.get_by_role("link", name="Users and roles").first.click()
    assert page.get_by_role("cell", name="demo-caseworker", exact=True).count() == 1
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["__Host-vigil-session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    page.close()


def test_quick_exit_button_replaces_history(
    browser: Any, demo: tuple[Any, str], neutral_site: str
) -> None:
    server, _ = demo
    page = browser.new_page()
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url(neutral_site)
    page.go_back()
    # The portal page was replaced in history: Back does not return to it.
    assert not page.url.startswith(server.url)
    page.close()


def test_quick_exit_by_pressing_shift_three_times(
    browser: Any, demo: tuple[Any, str], neutral_site: str
) -> None:
    server, _ = demo
    page = browser.new_page()
    page.goto(f"{server.url}/")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral_site)
    page.close()


def test_quick_exit_works_without_javascript(
    browser: Any, demo: tuple[Any, str], neutral_site: str
) -> None:
    server, _ = demo
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url(neutral_site)
    context.close()
