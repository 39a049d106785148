"""A full disk: clear errors, and everything acknowledged before is still there."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vigil.testing.crash import REPORT, SERVER_ENV, verify_vault
from vigil.testing.live import start_live_server

pytestmark = pytest.mark.slow
TMPFS_SIZE = "12m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 12 MB tmpfs as the data folder (needs root, as in CI)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount)], check=True
    )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_gives_clear_errors_and_loses_nothing(small_disk: Path) -> None:
    home = small_disk / "home"
    server = start_live_server(home, SERVER_ENV)
    acknowledged: dict[str, str] = {}
    uploads: dict[str, int] = {}
    statuses: set[int] = set()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(8):
                receipt = client.post("/api/v1/reports", json=REPORT)
                assert receipt.status_code == 201
                acknowledged[receipt.json()["reference"]] = receipt.json()["passphrase"]
            reference, passphrase = next(iter(acknowledged.items()))
            blob = os.urandom(700_000)  # incompressible
            for i in range(40):  # ~28 MB into a 12 MB disk
                response = client.post(
                    "/api/v1/portal/reports/evidence",
                    files={
                        "evidence": (
                            f"f{i}.bin",
                            io.BytesIO(blob[i:] + blob[:i]),
                            "application/octet-stream",
                        )
                    },
                    data={"reference": reference, "passphrase": passphrase},
                )
                statuses.add(response.status_code)
                if response.status_code == 201:
                    uploads[reference] = uploads.get(reference, 0) + 1
                else:
                    assert response.status_code in (413, 422, 507), response.text
                    assert "error" in response.json()
            # Once full, new reports get a clear error too, never a half-written row.
            late = client.post("/api/v1/reports", json=REPORT)
            assert late.status_code in (201, 507)
            if late.status_code == 201:
                acknowledged[late.json()["reference"]] = late.json()["passphrase"]
    finally:
        server.stop()
    assert any(code != 201 for code in statuses), "the disk never filled up"
    restarted = start_live_server(home, SERVER_ENV)
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            for reference, passphrase in acknowledged.items():
                view = client.post(
                    "/api/v1/portal/reports/view",
                    json={"reference": reference, "passphrase": passphrase},
                )
                assert view.status_code == 200
                assert view.json()["evidence_count"] >= uploads.get(reference, 0)
    finally:
        restarted.stop()
    verified = verify_vault(home)
    assert verified.returncode == 0, verified.stdout + verified.stderr
