"""``vigil serve`` in a child process on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from vigil.errors import ConfigurationError
from vigil.testing.postgres import free_port

START_TIMEOUT_S = 120  # a loaded 2-core CI machine can take a while to import everything


@dataclass
class LiveServer:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_live_server(
    home: Path, env_extra: dict[str, str] | None = None, *, workers: int = 1
) -> LiveServer:
    """Migrate the database under ``home``, start the server, wait until /healthz answers."""
    port = free_port()
    env = {
        **os.environ,
        "VIGIL_HOME": str(home),
        "VIGIL_LOGIN_RATE_LIMIT": "1000/minute",
        **(env_extra or {}),
    }
    if "VIGIL_DATABASE_URL" not in (env_extra or {}):
        env.pop("VIGIL_DATABASE_URL", None)
    vigil = [sys.executable, "-m", "vigil.cli"]
    migrated = subprocess.run(
        [*vigil, "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    if migrated.returncode:
        raise ConfigurationError(f"vigil db upgrade failed: {migrated.stderr[-2000:]}")
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    with log.open("wb") as log_file:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [
                *vigil,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            health = f"{url}/healthz"  # http://127.0.0.1 only: built above
            with urllib.request.urlopen(health, timeout=1) as response:  # noqa: S310  # nosec B310
                if response.status == 200:
                    return LiveServer(url, home, process, log)
        except OSError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise ConfigurationError(f"server did not start: {log.read_text()[-2000:]}")
