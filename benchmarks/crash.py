"""Twenty kill-and-restart rounds (SIGKILL mid-flight): acknowledged writes lost, per round.

python benchmarks/crash.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from vigil.testing.crash import Acknowledged, kill_and_restart_round, verify_vault


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="vigil-crash-")) / "home"
    acked = Acknowledged()
    print("| round | reports acknowledged | uploads acknowledged | lost (all rounds so far) | s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    total_lost = 0
    for number in range(1, args.rounds + 1):
        started = time.perf_counter()
        result = kill_and_restart_round(home, acked=acked, seed=number)
        total_lost += len(result.lost)
        print(
            f"| {number} | {result.acknowledged_reports} | {result.acknowledged_uploads} | "
            f"{len(result.lost)} | {time.perf_counter() - started:.1f} |",
            flush=True,
        )
        for line in result.lost:
            print(f"  lost: {line}")
    verified = verify_vault(home)
    print(
        f"total acknowledged: {len(acked.reports)} reports, {sum(acked.evidence.values())} "
        f"uploads; lost: {total_lost}; vault verify exit code: {verified.returncode}"
    )


if __name__ == "__main__":
    main()
