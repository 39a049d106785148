"""Rate limits are shared by every process on the data folder and hold no raw keys."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from vigil.errors import RateLimited
from vigil.security.ratelimit import RateLimiter
from vigil.services import Services

SECRET = b"k" * 32
ADDRESS = "203.0.113.7"


def _allowed(limiter: RateLimiter, attempts: int, rate: str = "5/minute") -> int:
    allowed = 0
    for _ in range(attempts):
        try:
            limiter.hit(rate, "login-client", ADDRESS)
            allowed += 1
        except RateLimited:
            pass
    return allowed


def test_two_limiters_on_one_folder_share_the_budget(tmp_path: Path) -> None:
    first = RateLimiter(tmp_path / "ratelimit.sqlite3", secret=SECRET)
    second = RateLimiter(tmp_path / "ratelimit.sqlite3", secret=SECRET)
    assert _allowed(first, 3) == 3
    assert _allowed(second, 5) == 2
    assert _allowed(first, 1) == 0
    first.close()
    second.close()
    # A restart does not hand out a fresh budget.
    restarted = RateLimiter(tmp_path / "ratelimit.sqlite3", secret=SECRET)
    assert _allowed(restarted, 1) == 0
    restarted.hit("5/minute", "login-client", "198.51.100.1")  # other keys are unaffected
    restarted.close()


_WORKER = """
import sys
from pathlib import Path
from vigil.errors import RateLimited
from vigil.security.ratelimit import RateLimiter

limiter = RateLimiter(Path(sys.argv[1]), secret=b"k" * 32)
allowed = 0
for _ in range(10):
    try:
        limiter.hit("10/minute", "portal", "203.0.113.7")
        allowed += 1
    except RateLimited:
        pass
print(allowed)
"""


def test_worker_processes_share_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite3"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    allowed = [int(w.communicate(timeout=60)[0]) for w in workers]
    assert sum(allowed) == 10  # not 4 x 10


def test_the_store_holds_no_address_or_username(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite3"
    limiter = RateLimiter(path, secret=SECRET)
    limiter.hit("5/minute", "login-client", ADDRESS)
    limiter.hit("5/minute", "login-user", "survivor-support-amina")
    with sqlite3.connect(path) as conn:
        keys = {bytes(k) for (k,) in conn.execute("SELECT key FROM hits")}
    assert keys == {
        limiter.digest("login-client", ADDRESS),
        limiter.digest("login-user", "survivor-support-amina"),
    }
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert ADDRESS.encode() not in raw and b"amina" not in raw
    # Keyed: without the secret, hashing every IPv4 address does not find the key.
    assert RateLimiter(secret=b"o" * 32).digest("login-client", ADDRESS) not in keys
    assert path.stat().st_mode & 0o077 == 0
    limiter.close()


def test_the_window_moves(tmp_path: Path) -> None:
    now = [1000.0]
    limiter = RateLimiter(tmp_path / "r.sqlite3", secret=SECRET, clock=lambda: now[0])
    assert _allowed(limiter, 3, "2/minute") == 2
    now[0] += 30
    assert _allowed(limiter, 1, "2/minute") == 0
    now[0] += 31  # the first two hits have left the window
    assert _allowed(limiter, 3, "2/minute") == 2
    limiter.close()


def test_several_limits_in_one_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert _allowed(limiter, 5, "3/second;4/hour") == 3
    now[0] += 2
    assert _allowed(limiter, 5, "3/second;4/hour") == 1
    limiter.reset()
    assert _allowed(limiter, 1, "3/second;4/hour") == 1
    limiter.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_services_share_the_limiter_file(services: Services) -> None:
    home = services.settings.home
    assert services.limiter.path == home / "ratelimit.sqlite3"
    assert (services.settings.keys_dir / "ratelimit.key").exists()
