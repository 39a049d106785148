"""Shared fixtures: data folders, a real throw-away PostgreSQL, services, web clients.

Repository and service tests take ``services``, which runs each test twice: on SQLite and on a
PostgreSQL server that this file starts (``initdb`` + ``pg_ctl``, as an unprivileged user, in a
temporary folder). Nothing is mocked.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from vigil.security import totp
from vigil.security.actor import Actor
from vigil.security.passwords import Passwords
from vigil.security.permissions import MFA_REQUIRED_ROLES, Role
from vigil.security.schemas import UserCreate
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade

STRONG_PASSWORD = "amber-lantern-quietly-9-rivers"
#: Cheap argon2 parameters: tests sign in hundreds of times. Production keeps the defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_postgres_tests_run = 0


# ---- PostgreSQL ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_user() -> str | None:
    """Who runs PostgreSQL: it refuses to run as root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


@dataclass
class PostgresServer:
    port: int

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url(name)

    def admin_url(self, database: str) -> str:
        return f"postgresql://vigil@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail("initdb/pg_ctl not found: install PostgreSQL (Debian: postgresql)")
    user = _pg_user()
    root = Path(tempfile.mkdtemp(prefix="vigil-pg-"))
    data = root / "data"
    if user is not None:
        shutil.chown(root, user=user)
    root.chmod(0o700)
    port = _free_port()
    subprocess.run(
        _as_user(user, [initdb, "-D", str(data), "-A", "trust", "-U", "vigil", "--no-sync",
                        "-E", "UTF8", "--locale=C"]),
        check=True, capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        _as_user(user, [pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
                        "start"]),
        check=True, capture_output=True,
    )
    try:
        yield PostgresServer(port)
    finally:
        subprocess.run(
            _as_user(user, [pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            check=False, capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


# ---- settings and services ----------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "postgres":
        global _postgres_tests_run
        _postgres_tests_run += 1
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.new_database()
    return None


def make_settings(home: Path, database_url: str | None = None, **extra: object) -> VigilSettings:
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
    global _postgres_tests_run
    _postgres_tests_run += 1
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
        UserCreate(username=username, display_name=f"Test {role.value}", role=role,
                   password=STRONG_PASSWORD),
    )
    return StaffMember(
        username, role, Actor(user_id=user.id, label=user.username, role=role), None
    )


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
        response = client.post("/api/v1/auth/mfa/enrol", headers={"X-CSRF-Token": body["csrf_token"]})
        assert response.status_code == 200, response.text
        member.totp_secret = response.json()["secret"]
        code = totp.code_at(member.totp_secret, time.time())
        response = client.post(
            "/api/v1/auth/mfa/enrol/confirm", json={"code": code},
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_tests_run:
        terminalreporter.write_line(
            f"PostgreSQL: {_postgres_tests_run} tests ran against a real server in this process"
        )
