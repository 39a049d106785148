"""Feed hostile files to Vigil's file parsers, each case in its own bounded child process.

Run as ``python -m vigil.testing.hostile_run CORPUS WORK`` with the jobs (JSON: case name,
filename, target) on standard input; prints one JSON result per line. The runner imports
Vigil once (seconds: numpy, Pillow, FastAPI), prepares a migrated data folder holding one
report, then forks a child per job. The child sets ``RLIMIT_AS`` to the address space it
inherited plus ``MEMORY_LIMIT``: the libraries alone map ~700 MB of address space before any
input is read, so an absolute 512 MB limit could not even hold the interpreter. It prepares
its target, says "ready", then calls the real entry point: the ``vigil`` command in process
or an upload route of the web app (the portal's, and the staff API's evidence upload and
image hashing, signed in as a caseworker). The wall clock starts at "ready" and the child
also reports its own CPU time; a child still running after ``HARD_KILL_S`` is killed.

Outcomes: ``accepted`` (exit 0 / HTTP 2xx), ``rejected`` (a ``VigilError`` exit code or HTTP
4xx with a message), ``crash`` (an exception escaped, or HTTP 5xx), ``memory`` (MemoryError
or killed), ``hang`` (killed on time).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

MEMORY_LIMIT = 512 * 1024 * 1024
TIME_LIMIT_S = 2.0
HARD_KILL_S = 6.0

#: Every file parser Vigil exposes, with the kinds of hostile file aimed at it first.
TARGET_KINDS: dict[str, frozenset[str]] = {
    "portal_upload": frozenset({"image", "archive", "text", "any"}),
    "evidence_add": frozenset({"image", "archive", "text", "any"}),
    "staff_upload": frozenset({"image", "archive", "text", "any"}),
    "staff_media_hash": frozenset({"image", "any"}),
    "media_hash": frozenset({"image", "any"}),
    "scan": frozenset({"text", "any"}),
    "monitor_ingest": frozenset({"text", "any"}),
    "bank_import": frozenset({"text", "any"}),
    "evidence_verify": frozenset({"archive", "any"}),
    "verify_bundle_py": frozenset({"archive", "any"}),
    "restore": frozenset({"archive", "any"}),
    "stats_verify": frozenset({"archive", "any"}),
    "stats_merge": frozenset({"archive", "any"}),
}
#: Uploads through the web app (the rest are ``vigil`` commands or the bundle verifier).
WEB_TARGETS = frozenset({"portal_upload", "staff_upload", "staff_media_hash"})
STAFF_USER = "hostile-caseworker"
STAFF_PASSWORD = "amber-lantern-quietly-9-rivers"  # noqa: S105  # nosec B105  (synthetic test account)
#: Parsers that only accept Vigil's own signed or manifested archives: every case is refused.
STRICT_TARGETS = frozenset(
    {"evidence_verify", "verify_bundle_py", "restore", "stats_verify", "stats_merge"}
)


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Bench:
    """What every child starts from: a migrated data folder holding one report and one
    caseworker (for the staff API's uploads)."""

    def __init__(self, work: Path) -> None:
        from vigil.cases.schemas import ReportCreate
        from vigil.security.actor import Actor
        from vigil.security.permissions import Role
        from vigil.security.schemas import UserCreate
        from vigil.services import Services
        from vigil.settings import VigilSettings
        from vigil.storage.migrate import upgrade

        self.work = work
        self.home = work / "home"
        # Rate limits are shared by every process on the data folder, and each child signs
        # the same caseworker in: they would refuse the files' uploads, not the files.
        unlimited = "1000000/minute"
        self.settings = VigilSettings(
            home=self.home,
            log_json=False,
            login_rate_limit=unlimited,
            login_user_rate_limit=unlimited,
            portal_rate_limit=unlimited,
        )
        services = Services.from_settings(self.settings)
        upgrade(services.db)
        report = ReportCreate(description="hostile files", category="harassment", anonymous=True)
        self.reference, self.passphrase = services.cases.intake.submit(report, client="test")
        services.accounts.create_user(
            Actor.operator("hostile"),
            UserCreate(
                username=STAFF_USER,
                display_name="Hostile-file test",
                role=Role.CASEWORKER,
                password=STAFF_PASSWORD,
            ),
        )
        services.close()
        os.environ["VIGIL_HOME"] = str(self.home)
        os.environ["VIGIL_LOG_JSON"] = "false"
        for limit in ("LOGIN_RATE_LIMIT", "LOGIN_USER_RATE_LIMIT", "PORTAL_RATE_LIMIT"):
            os.environ[f"VIGIL_{limit}"] = unlimited  # for the CLI targets, which read env

    def warm(self, targets: set[str]) -> None:
        """Load what every call loads (detection models, caches) once, before the forks."""
        sample = self.work / "warm.jsonl"
        sample.write_text('{"id": 1, "text": "hello"}\n')
        os.environ["HOSTILE_STDERR"] = str(self.work / "warm.txt")
        with contextlib.redirect_stdout(io.StringIO()):
            # Not restore (it points VIGIL_HOME elsewhere) nor the web uploads (a test
            # client's threads would not survive the fork): both load little lazily.
            for target in sorted(targets - {"restore"} - WEB_TARGETS):
                self.prepare(target, sample, self.work)()

    # Each prepare_* runs in the child before the clock starts and returns the call to time.

    def prepare(self, target: str, path: Path, scratch: Path) -> Callable[[], tuple[str, str]]:
        cli = {
            "evidence_add": ["evidence", "add", str(path), "--case", self.reference],
            "media_hash": ["media", "hash", str(path)],
            "scan": ["scan", str(path), "--jobs", "1", "--output", str(scratch / "out.jsonl")],
            "monitor_ingest": ["monitor", "ingest", str(path)],
            "bank_import": ["media", "bank", "import", "hostile", str(path)],
            "evidence_verify": ["evidence", "verify", str(path)],
            "restore": ["restore", str(path)],
            "stats_verify": ["stats", "verify", str(path)],
            "stats_merge": ["stats", "merge", str(path), "--out", str(scratch / "merged.zip")],
        }
        if target == "restore":
            os.environ["VIGIL_HOME"] = str(scratch / "restored" / "home")
        if target in cli:
            return lambda: _run_cli(cli[target])
        if target == "verify_bundle_py":
            from vigil.evidence import verify_bundle

            def verify() -> tuple[str, str]:
                with contextlib.redirect_stdout(io.StringIO()) as out:
                    code = verify_bundle.main([str(path)])
                return _exit_outcome(code, " / ".join(out.getvalue().splitlines()[-2:]))

            return verify
        if target in WEB_TARGETS:
            return self._web(target, path)
        raise ValueError(f"unknown target {target}")

    def _web(self, target: str, path: Path) -> Callable[[], tuple[str, str]]:
        """An upload through the real app: the survivor's portal, or the staff API signed in."""
        from fastapi.testclient import TestClient

        from vigil.services import Services
        from vigil.web.app import create_app

        services = Services.from_settings(self.settings)
        client = TestClient(
            create_app(self.settings, services),
            base_url="https://testserver",  # the session cookie is Secure
            raise_server_exceptions=False,
        )
        client.__enter__()
        headers: dict[str, str] = {}
        data: dict[str, str] = {}
        if target == "portal_upload":
            url, field = "/api/v1/portal/reports/evidence", "evidence"
            data = {"reference": self.reference, "passphrase": self.passphrase}
        else:
            signed_in = client.post(
                "/api/v1/auth/login", json={"username": STAFF_USER, "password": STAFF_PASSWORD}
            )
            if signed_in.status_code != 200:  # a refusal below must be the file's doing
                raise RuntimeError(f"the test caseworker could not sign in: {signed_in.text}")
            headers = {"X-CSRF-Token": signed_in.json()["csrf_token"]}
            field = "file"
            url = (
                f"/api/v1/cases/{self.reference}/evidence"
                if target == "staff_upload"
                else "/api/v1/media/hash"
            )

        def call() -> tuple[str, str]:
            with path.open("rb") as handle:
                response = client.post(
                    url,
                    data=data,
                    headers=headers,
                    files=[(field, (path.name, handle, "application/octet-stream"))],
                )
            detail = response.text[:200]
            if response.status_code >= 500:
                return "crash", f"HTTP {response.status_code}: {detail}"
            if response.status_code >= 400:
                return "rejected", f"HTTP {response.status_code}: {detail}"
            return "accepted", f"HTTP {response.status_code}"

        return call


def _exit_outcome(code: int, message: str) -> tuple[str, str]:
    return ("accepted" if code == 0 else "rejected"), f"exit {code}: {message}"


def _run_cli(args: list[str]) -> tuple[str, str]:
    from vigil.cli.main import app

    stderr = Path(os.environ["HOSTILE_STDERR"])
    with (
        stderr.open("w") as err,
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()) as out,
    ):
        try:
            app(args, prog_name="vigil", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    # Errors go to stderr; a verifier's FAIL lines to stdout.
    message = (stderr.read_text(errors="replace") + out.getvalue()).strip()
    if "Traceback" in message:
        return "crash", message[-600:]
    return _exit_outcome(code, message.splitlines()[-1][:200] if message else "")


def _child(bench: Bench, target: str, path: Path, scratch: Path, ready: int, out: int) -> None:
    outcome: tuple[str, str]
    try:
        for fd, name in ((1, "stdout.txt"), (2, "stderr-fd.txt")):  # keep the report clean
            os.dup2(os.open(scratch / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        call = bench.prepare(target, path, scratch)
        limit = _vm_bytes() + MEMORY_LIMIT
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.write(ready, b"r")
        started, cpu = time.perf_counter(), time.process_time()
        try:
            outcome = call()
        except MemoryError:
            outcome = ("memory", "MemoryError")
        except BaseException as exc:  # anything escaping is the finding
            outcome = ("crash", "".join(traceback.format_exception_only(exc))[-600:])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        os.write(out, json.dumps([*outcome, elapsed, cpu]).encode())
    except BaseException:
        os.write(out, json.dumps(["crash", traceback.format_exc()[-600:], -1, -1]).encode())
    finally:
        os._exit(0)


def run_one(bench: Bench, target: str, path: Path, scratch: Path) -> dict[str, Any]:
    """One case against one target in a forked, memory-limited, timed child."""
    scratch.mkdir(parents=True, exist_ok=True)
    os.environ["HOSTILE_STDERR"] = str(scratch / "stderr.txt")
    ready_r, ready_w = os.pipe()
    out_r, out_w = os.pipe()
    base_rss = _rss_bytes()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(out_r)
        _child(bench, target, path, scratch, ready_w, out_w)
    os.close(ready_w)
    os.close(out_w)
    select.select([ready_r], [], [], 60)
    started = time.perf_counter()
    chunks: list[bytes] = []
    killed = False
    while True:
        left = HARD_KILL_S - (time.perf_counter() - started)
        readable, _, _ = select.select([out_r], [], [], max(left, 0))
        if not readable:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        chunk = os.read(out_r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    for fd in (ready_r, out_r):
        os.close(fd)
    peak = usage.ru_maxrss * 1024
    result: dict[str, Any] = {
        "target": target,
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(peak / 2**20, 1),
        "rss_growth_mb": round(max(peak - base_rss, 0) / 2**20, 1),
    }
    if killed:
        result.update(outcome="hang", detail=f"killed after {HARD_KILL_S} s")
    elif not chunks:
        result.update(outcome="memory", detail=f"child died, status {status}")
    else:
        outcome, detail, elapsed, cpu = json.loads(b"".join(chunks))
        result.update(
            outcome=outcome, detail=detail, elapsed_s=round(elapsed, 3), cpu_s=round(cpu, 3)
        )
    return result


def main() -> None:
    """``python -m vigil.testing.hostile_run CORPUS WORK < jobs.json`` (case, filename, target)."""
    corpus, work = sys.argv[1:3]
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    jobs = json.load(sys.stdin)
    bench = Bench(Path(work))
    bench.warm({job["target"] for job in jobs})
    for number, job in enumerate(jobs):
        path = Path(corpus) / job["name"] / job["filename"]
        scratch = Path(work) / f"run-{number}-{job['target']}"
        result = run_one(bench, job["target"], path, scratch)
        print(json.dumps({"case": job["name"], **result}), flush=True)


if __name__ == "__main__":
    main()
