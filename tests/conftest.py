"""Shared fixtures: data folders, a real throw-away PostgreSQL, services, web clients.

Repository and service tests take ``services``, which runs each test twice: on SQLite and on a
PostgreSQL server that this file starts (``initdb`` + ``pg_ctl``, as an unprivileged user, in a
temporary folder). Nothing is mocked.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from vigil.errors import ConfigurationError
from vigil.security import totp
from vigil.security.actor import Actor
from vigil.security.passwords import Passwords
from vigil.security.permissions import MFA_REQUIRED_ROLES, Role
from vigil.security.schemas import UserCreate
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade
from vigil.testing.live import LiveServer, start_live_server
from vigil.testing.postgres import PostgresServer, throwaway_postgres

STRONG_PASSWORD = "amber-lantern-quietly-9-rivers"
#: Cheap argon2 parameters: tests sign in hundreds of times. Production keeps the defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


# ---- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL per test process; each test gets a database of its own."""
    try:
        with throwaway_postgres() as server:
            yield server
    except ConfigurationError as exc:
        pytest.fail(str(exc))


# ---- Chromium ---------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium, installed on first use when the tests run as root (as CI does)."""
    if not CHROMIUM.exists():
        from filelock import FileLock

        with FileLock(str(Path(tempfile.gettempdir()) / "vigil-chromium-install.lock")):
            if not CHROMIUM.exists() and os.geteuid() == 0:
                env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
                if subprocess.run(install, env=env, capture_output=True, check=False).returncode:
                    subprocess.run(
                        ["apt-get", "update", "-q"], env=env, capture_output=True, check=False
                    )
                    subprocess.run(install, env=env, capture_output=True, check=False)
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing and could not be installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    """A headless Chromium driven by Playwright (no browser download: Debian's binary)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def neutral_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Stands in for the neutral site the quick exit leaves for (no internet in tests)."""
    import http.server
    import threading

    root = tmp_path_factory.mktemp("neutral")
    (root / "index.html").write_text("<title>Weather</title><p>Sunny</p>")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


@pytest.fixture
def server_factory() -> Iterator[Callable[..., LiveServer]]:
    """``server_factory(home, env)`` starts ``vigil serve``; every server is stopped after."""
    started: list[LiveServer] = []

    def start(home: Path, env_extra: dict[str, str] | None = None) -> LiveServer:
        server = start_live_server(home, env_extra)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real Vigil server (SQLite) in a child process."""
    server = start_live_server(tmp_path / "live")
    yield server
    server.stop()


# ---- settings and services ----------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.new_database()
    return None


def make_settings(home: Path, database_url: str | None = None, **extra: object) -> VigilSettings:
    # Many sign-ins come from the one test client address: lift the per-client login limit
    # (the per-username limit stays as shipped and is tested).
    extra.setdefault("login_rate_limit", "1000/minute")
    return VigilSettings(home=home, database_url=database_url, log_json=False, **extra)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> VigilSettings:
    """Settings on a fresh data folder, on SQLite and on PostgreSQL (parametrized)."""
    return make_settings(tmp_path / "home", database_url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> VigilSettings:
    """Settings on SQLite only, for tests that are not about storage."""
    return make_settings(tmp_path / "home")


def build_services(settings: VigilSettings) -> Services:
    services = Services.from_settings(settings, passwords=Passwords(FAST_HASHER))
    upgrade(services.db)
    return services


@pytest.fixture
def services(settings: VigilSettings) -> Iterator[Services]:
    """Migrated services on SQLite and on PostgreSQL."""
    services = build_services(settings)
    yield services
    services.close()


@pytest.fixture
def postgres_services(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Services]:
    """Services on PostgreSQL only, for PostgreSQL-specific behaviour."""
    services = build_services(make_settings(tmp_path / "home", postgres_server.new_database()))
    yield services
    services.close()


@pytest.fixture
def sqlite_services(sqlite_settings: VigilSettings) -> Iterator[Services]:
    services = build_services(sqlite_settings)
    yield services
    services.close()


# ---- staff and web clients ---------------------------------------------------------------


@dataclass
class StaffMember:
    username: str
    role: Role
    actor: Actor
    totp_secret: str | None


def create_staff(services: Services, role: Role, username: str | None = None) -> StaffMember:
    username = username or f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    user = services.accounts.create_user(
        Actor.operator("test"),
        UserCreate(
            username=username,
            display_name=f"Test {role.value}",
            role=role,
            password=STRONG_PASSWORD,
        ),
    )
    return StaffMember(username, role, Actor(user_id=user.id, label=user.username, role=role), None)


def sign_in(client: TestClient, services: Services, member: StaffMember) -> str:
    """Sign ``member`` in through the JSON API (enrolling TOTP if the role needs it).

    Returns the CSRF token that unsafe API requests must send as ``X-CSRF-Token``.
    """
    response = client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": STRONG_PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if body["mfa"] == "enrol":
        response = client.post(
            "/api/v1/auth/mfa/enrol", headers={"X-CSRF-Token": body["csrf_token"]}
        )
        assert response.status_code == 200, response.text
        member.totp_secret = response.json()["secret"]
        code = totp.code_at(member.totp_secret, time.time())
        response = client.post(
            "/api/v1/auth/mfa/enrol/confirm",
            json={"code": code},
            headers={"X-CSRF-Token": body["csrf_token"]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
    assert body["mfa"] == "passed", body
    return str(body["csrf_token"])


@pytest.fixture
def app_client(sqlite_services: Services) -> Iterator[TestClient]:
    from vigil.web.app import create_app

    app = create_app(sqlite_services.settings, sqlite_services)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def staff_client(
    sqlite_services: Services,
) -> Iterator[Callable[[Role], tuple[TestClient, StaffMember, str]]]:
    """A factory: a signed-in TestClient for a new staff member of the given role."""
    from vigil.web.app import create_app

    app = create_app(sqlite_services.settings, sqlite_services)
    clients: list[TestClient] = []

    def make(role: Role) -> tuple[TestClient, StaffMember, str]:
        client = TestClient(app, base_url="https://testserver")
        clients.append(client)
        member = create_staff(sqlite_services, role)
        csrf = sign_in(client, sqlite_services, member)
        return client, member, csrf

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def new_staff() -> Callable[[Services, Role], StaffMember]:
    """``new_staff(services, role)`` creates a staff member (password: STRONG_PASSWORD)."""
    return create_staff


@pytest.fixture
def strong_password() -> str:
    return STRONG_PASSWORD


__all__ = ["MFA_REQUIRED_ROLES"]


_postgres_outcomes: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count PostgreSQL tests by outcome (runs in the xdist controller too)."""
    if "postgres" in report.keywords and (report.when == "call" or report.skipped):
        _postgres_outcomes[report.outcome] = _postgres_outcomes.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_outcomes:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(_postgres_outcomes.items()))
        terminalreporter.write_line(f"PostgreSQL (real server started by the tests): {counts}")
