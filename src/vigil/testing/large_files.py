"""Large-file memory checks: write a big generated file without holding it, and run a script
in a fresh Python whose peak memory the script reports (so the test's own process, with its
fixtures and imports, does not blur the measurement)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

MIB = 1024 * 1024


def write_generated(path: Path, size: int) -> None:
    """``size`` bytes (a multiple of 1 MiB) that differ from MiB to MiB, written in chunks."""
    with path.open("wb") as out:
        for number in range(size // MIB):
            out.write(hashlib.sha512(number.to_bytes(8, "big")).digest() * (MIB // 64))


def run_script(script: str, *args: str, timeout: float = 180) -> list[str]:
    """Run ``script`` with ``args`` in a new interpreter (no ``VIGIL_*`` settings inherited);
    return the words it printed. Fails with its standard error when it fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(done.stderr[-2000:])
    return done.stdout.split()
