"""Evidence vault speed: add, export, verify (the bundle offline and the whole vault).

python benchmarks/evidence.py [--items 50] [--size-kib 1024]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vigil.cases.schemas import CaseCreate
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--size-kib", type=int, default=1024)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="vigil-evidence-bench-"))
    services = Services.from_settings(VigilSettings(home=home / "home", log_json=False))
    upgrade(services.db)
    actor = Actor.operator("bench")
    ref = services.cases.create(actor, CaseCreate(title="benchmark")).reference
    size = args.size_kib * 1024
    rows: list[tuple[str, float, str]] = []

    started = time.perf_counter()
    for number in range(args.items):
        services.evidence.add_bytes(actor, ref, os.urandom(size), f"item-{number}.bin")
    took = time.perf_counter() - started
    mib = args.items * size / 2**20
    rows.append((f"add {args.items} × {args.size_kib} KiB", took, f"{mib / took:.1f} MiB/s"))

    bundle = home / "bundle.zip"
    started = time.perf_counter()
    summary = services.evidence.export(actor, ref, bundle, "benchmark")
    rows.append(
        (
            "export bundle",
            time.perf_counter() - started,
            f"{summary.events} events, {bundle.stat().st_size / 2**20:.1f} MiB",
        )
    )

    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import sys, zipfile, runpy; sys.argv=['v', sys.argv[1]]; "
            "z=zipfile.ZipFile(sys.argv[1]); "
            "exec(compile(z.read('verify_bundle.py'), 'verify_bundle.py', 'exec'),"
            " {'__name__': '__main__'})",
            str(bundle),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    rows.append(
        (
            "verify bundle (standalone, -I)",
            time.perf_counter() - started,
            "exit " + str(done.returncode),
        )
    )

    started = time.perf_counter()
    report = services.evidence.verify_vault(actor)
    rows.append(
        (
            "verify --vault",
            time.perf_counter() - started,
            "ok" if report.ok else f"{len(report.problems)} problems",
        )
    )
    services.close()

    print("| step | seconds | result |")
    print("| --- | ---: | --- |")
    for step, seconds, result in rows:
        print(f"| {step} | {seconds:.2f} | {result} |")


if __name__ == "__main__":
    main()
