"""Several web worker processes share one PostgreSQL database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from vigil.testing.live import start_live_server
from vigil.testing.postgres import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PASSWORD = "amber-lantern-quietly-9-rivers"


def _post(
    opener: Any, url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310  (loopback test server)
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json", **(headers or {})},
    )
    with opener.open(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"{}")


def test_two_workers_one_database(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database()
    env = {"VIGIL_DATABASE_URL": url, "VIGIL_COOKIE_SECURE": "false"}
    home = tmp_path / "home"
    subprocess.run(
        [sys.executable, "-m", "vigil.cli", "db", "upgrade"],
        env={**os.environ, "VIGIL_HOME": str(home), **env},
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "vigil.cli",
            "user",
            "add",
            "--username",
            "cw",
            "--role",
            "caseworker",
            "--name",
            "CW",
            "--password",
            PASSWORD,
        ],
        env={**os.environ, "VIGIL_HOME": str(home), **env},
        check=True,
        capture_output=True,
    )
    server = start_live_server(home, env, workers=2)
    try:
        references = set()
        for _ in range(4):  # new connections land on either worker
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            _, signed_in = _post(
                opener, f"{server.url}/api/v1/auth/login", {"username": "cw", "password": PASSWORD}
            )
            status, case = _post(
                opener,
                f"{server.url}/api/v1/cases",
                {"title": "shared"},
                {"X-CSRF-Token": signed_in["csrf_token"]},
            )
            assert status == 201
            references.add(case["reference"])
        assert len(references) == 4
    finally:
        server.stop()
