"""Kill-and-restart rounds against a live server: is every acknowledged write still there?

Each round starts ``vigil serve``, fires concurrent report submissions and evidence uploads,
SIGKILLs the server mid-flight, restarts it and checks every write that got a 2xx answer:
the report's status is readable with its passphrase and the evidence count is at least what
was acknowledged. Afterwards the vault verifier checks that no row points at a missing or
partial file. Used by ``tests/web/test_crash_safety.py`` (a few rounds) and
``benchmarks/crash.py`` (twenty).
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vigil.testing.live import LiveServer, start_live_server

SERVER_ENV = {
    "VIGIL_PORTAL_RATE_LIMIT": "1000000/minute",
    "VIGIL_LOG_LEVEL": "WARNING",
}
REPORT = {
    "description": "Synthetic crash-test report: threats by text message.",
    "category": "threat",
    "anonymous": True,
    "consents": ["investigation"],
}


def _png_bytes(seed: int) -> bytes:
    """A small valid PNG (synthetic), different per upload."""
    import struct
    import zlib

    width = height = 16
    rows = b"".join(
        b"\x00" + bytes((seed + x + y) % 256 for x in range(width) for _ in range(3))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class Acknowledged:
    reports: dict[str, str] = field(default_factory=dict)  # reference -> passphrase
    evidence: dict[str, int] = field(default_factory=dict)  # reference -> files acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class RoundResult:
    acknowledged_reports: int
    acknowledged_uploads: int
    lost: list[str]


def _client_loop(url: str, acked: Acknowledged, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  (test traffic, not crypto)
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            try:
                if acked.reports and rng.random() < 0.4:
                    with acked.lock:
                        reference, passphrase = rng.choice(list(acked.reports.items()))
                    files = {
                        "evidence": (
                            f"shot{seed}.png",
                            io.BytesIO(_png_bytes(rng.randrange(256))),
                            "image/png",
                        )
                    }
                    response = client.post(
                        "/api/v1/portal/reports/evidence",
                        files=files,
                        data={"reference": reference, "passphrase": passphrase},
                    )
                    if response.status_code == 201:
                        with acked.lock:
                            acked.evidence[reference] = acked.evidence.get(reference, 0) + 1
                else:
                    response = client.post("/api/v1/reports", json=REPORT)
                    if response.status_code == 201:
                        body = response.json()
                        with acked.lock:
                            acked.reports[body["reference"]] = body["passphrase"]
            except httpx.HTTPError:
                time.sleep(0.01)  # the server is gone: nothing was acknowledged


def _check(server: LiveServer, acked: Acknowledged) -> list[str]:
    lost = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for reference, passphrase in acked.reports.items():
            creds = {"reference": reference, "passphrase": passphrase}
            view = client.post("/api/v1/portal/reports/view", json=creds)
            if view.status_code != 200:
                lost.append(f"report {reference}: HTTP {view.status_code}")
                continue
            have = view.json()["evidence_count"]
            if have < acked.evidence.get(reference, 0):
                lost.append(
                    f"report {reference}: {have} evidence files, "
                    f"{acked.evidence[reference]} acknowledged"
                )
    return lost


def kill_and_restart_round(
    home: Path,
    *,
    clients: int = 12,
    seconds: float = 20.0,
    min_reports: int = 15,
    acked: Acknowledged | None = None,
    seed: int = 0,
) -> RoundResult:
    """One round; ``acked`` carries acknowledgements across rounds so older ones are rechecked."""
    acked = acked or Acknowledged()
    before = (len(acked.reports), sum(acked.evidence.values()))
    server = start_live_server(home, SERVER_ENV)
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client_loop, args=(server.url, acked, stop, seed * 100 + i))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    # Let writes flow until enough were acknowledged (or time is up), then kill at a random
    # moment, so every round kills the server with requests in flight.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(acked.reports) < before[0] + min_reports:
        time.sleep(0.05)
    time.sleep(random.Random(seed).uniform(0.0, 0.3))  # noqa: S311  (test timing, not crypto)
    os.kill(server.process.pid, signal.SIGKILL)  # mid-flight, no shutdown handlers
    server.process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    restarted = start_live_server(home, SERVER_ENV)
    try:
        lost = _check(restarted, acked)
    finally:
        restarted.stop()
    return RoundResult(
        len(acked.reports) - before[0], sum(acked.evidence.values()) - before[1], lost
    )


def verify_vault(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_HOME": str(home)}
    env.pop("VIGIL_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", "evidence", "verify", "--vault"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
