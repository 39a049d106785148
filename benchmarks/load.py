"""Load on loopback: portal submissions and console reads per second, latency, errors.

Starts a real ``vigil serve`` (SQLite, then a throw-away PostgreSQL with durability on), drives
it with concurrent HTTP clients for a bounded time, and prints a table. Bounded in requests and
seconds; traffic goes to 127.0.0.1 only.

    python benchmarks/load.py [--seconds 20] [--concurrency 16] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vigil.testing.live import start_live_server
from vigil.testing.postgres import throwaway_postgres

PASSWORD = "amber-lantern-quietly-9-rivers"  # noqa: S105  (synthetic load-test account)
MAX_REQUESTS = 200_000


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def row(self, name: str, backend: str, seconds: float) -> str:
        lat = sorted(self.latencies) or [0.0]

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

        total = len(self.latencies) + self.errors
        return (
            f"| {backend} | {name} | {len(self.latencies) / seconds:,.0f} | {pct(0.5):.0f} | "
            f"{pct(0.95):.0f} | {pct(0.99):.0f} | {self.errors / max(total, 1):.2%} |"
        )


REPORT = {
    "description": "Someone keeps sending threats and posted my address. (synthetic load test)",
    "category": "threat",
    "anonymous": True,
    "links": ["https://social.example/post/123"],
    "consents": ["investigation", "statistics"],
}


async def _worker(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: dict | None,
    headers: dict[str, str],
    deadline: float,
    tally: Tally,
    budget: list[int],
    ok: set[int],
) -> None:
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            response = await client.request(method, url, json=body, headers=headers)
            if response.status_code in ok:
                tally.latencies.append(time.perf_counter() - started)
            else:
                tally.errors += 1
        except httpx.HTTPError:
            tally.errors += 1


async def _drive(
    base: str,
    method: str,
    path: str,
    body: dict | None,
    headers: dict[str, str],
    cookies: dict[str, str],
    seconds: float,
    concurrency: int,
    ok: set[int],
) -> Tally:
    tally = Tally()
    budget = [MAX_REQUESTS]
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=30
    ) as client:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _worker(client, method, path, body, headers, deadline, tally, budget, ok)
                for _ in range(concurrency)
            )
        )
    return tally


def _prepare(home: Path, env: dict[str, str]) -> None:
    full = {**os.environ, "VIGIL_HOME": str(home), **env}
    subprocess.run(
        [sys.executable, "-m", "vigil.cli", "db", "upgrade"],
        env=full,
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
            "load-cw",
            "--role",
            "caseworker",
            "--name",
            "Load",
            "--password",
            PASSWORD,
        ],
        env=full,
        check=True,
        capture_output=True,
    )


def run_backend(backend: str, url: str | None, seconds: float, concurrency: int) -> list[str]:
    home = Path(tempfile.mkdtemp(prefix=f"vigil-load-{backend}-"))
    env = {
        "VIGIL_PORTAL_RATE_LIMIT": "1000000/minute",
        "VIGIL_COOKIE_SECURE": "false",
        "VIGIL_LOG_LEVEL": "WARNING",
    }
    if url:
        env["VIGIL_DATABASE_URL"] = url
    _prepare(home, env)
    server = start_live_server(home, env)
    try:
        with httpx.Client(base_url=server.url) as client:
            signed_in = client.post(
                "/api/v1/auth/login", json={"username": "load-cw", "password": PASSWORD}
            ).json()
            cookies = dict(client.cookies)
        rows = []
        for name, method, path, body, headers, ok in (
            ("portal submission", "POST", "/api/v1/reports", REPORT, {}, {201}),
            ("console read (case list)", "GET", "/api/v1/cases", None, {}, {200}),
        ):
            tally = asyncio.run(
                _drive(
                    server.url,
                    method,
                    path,
                    body,
                    {**headers, "X-CSRF-Token": signed_in["csrf_token"]},
                    cookies if method == "GET" else {},
                    seconds,
                    concurrency,
                    ok,
                )
            )
            rows.append(tally.row(name, backend, seconds))
        return rows
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    print(
        f"load: {args.seconds:.0f} s per row, {args.concurrency} concurrent clients, "
        f"{os.cpu_count()} cores, server and clients on this machine"
    )
    print("| backend | workload | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    with ExitStack() as stack:
        for backend in args.backends.split(","):
            url = None
            if backend == "postgres":
                url = stack.enter_context(throwaway_postgres(durable=True)).new_database()
            for row in run_backend(backend, url, args.seconds, args.concurrency):
                print(row, flush=True)
    print("median of per-request latencies; errors = non-2xx or transport errors")


if __name__ == "__main__":
    main()
