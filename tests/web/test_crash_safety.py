"""SIGKILL the server during concurrent submissions and uploads: nothing acknowledged is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.testing.crash import Acknowledged, kill_and_restart_round, verify_vault

pytestmark = pytest.mark.slow
ROUNDS = 2  # benchmarks/crash.py runs twenty


def test_acknowledged_writes_survive_kill_and_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    acked = Acknowledged()
    for round_number in range(ROUNDS):
        result = kill_and_restart_round(
            home, acked=acked, seed=round_number, clients=8, min_reports=12
        )
        assert result.lost == [], result.lost
    assert len(acked.reports) >= 20, "too few writes were acknowledged to prove anything"
    assert sum(acked.evidence.values()) >= 3
    verified = verify_vault(home)
    assert verified.returncode == 0, verified.stdout + verified.stderr
