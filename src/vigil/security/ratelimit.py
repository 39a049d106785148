"""Rate limits (moving window) shared by every worker process on the host.

The windows live in a small SQLite file of their own (``VIGIL_HOME/ratelimit.sqlite3``), so
``vigil serve --workers 4`` gives an attacker the same budget as one worker, and a restart
does not hand out a fresh one. It is not the main database: a hit is a short transaction in
WAL mode without fsync (a counter lost to a power cut costs nothing), and it never waits on
the portal's writes. Keys are HMACs under a key kept in ``keys/``: the file holds no IP
address or username, and a stolen copy cannot be reversed by trying every IPv4 address.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from limits import parse_many

from vigil.errors import RateLimited

#: How long a process waits for another one's hit before giving up (they take microseconds).
BUSY_TIMEOUT_MS = 5000
#: Expired hits of every key are swept after this many hits in a process (each key's own are
#: dropped on its next hit).
SWEEP_EVERY = 1000
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS hits (key BLOB NOT NULL, at REAL NOT NULL, expires REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)",
    "CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires)",
)


class RateLimiter:
    """Moving-window limits; ``path`` shares them between processes, ``None`` keeps them in
    this process's memory (tests, one-off tools)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        secret: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._secret = secret or secrets.token_bytes(32)
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._hits = 0

    def digest(self, namespace: str, key: str) -> bytes:
        """What is stored for a key: never the address or username itself."""
        return hmac.new(self._secret, f"{namespace}\0{key}".encode(), hashlib.sha256).digest()[:16]

    def hit(self, rate: str, namespace: str, key: str) -> None:
        """Count one attempt, or raise ``RateLimited`` (not counted) if any window is full."""
        items = parse_many(rate)
        digest = self.digest(namespace, key)
        with self._lock:
            conn = self._connection()
            now = self._clock()
            longest = max(item.get_expiry() for item in items)
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (digest, now - longest))
                for item in items:
                    # Counting stops at the limit, so a generous limit stays cheap.
                    (count,) = conn.execute(
                        "SELECT count(*) FROM (SELECT 1 FROM hits WHERE key = ? AND at > ? "
                        "LIMIT ?)",
                        (digest, now - item.get_expiry(), item.amount),
                    ).fetchone()
                    if count >= item.amount:
                        conn.execute("COMMIT")
                        raise RateLimited("too many attempts; wait a minute and try again")
                conn.execute("INSERT INTO hits VALUES (?, ?, ?)", (digest, now, now + longest))
                self._hits += 1
                if self._hits % SWEEP_EVERY == 0:
                    conn.execute("DELETE FROM hits WHERE expires <= ?", (now,))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def reset(self) -> None:
        with self._lock:
            self._connection().execute("DELETE FROM hits")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self) -> sqlite3.Connection:
        # A forked worker opens its own connection: SQLite's must not cross a fork.
        if self._conn is None or self._pid != os.getpid():
            self._conn = self._open()
            self._pid = os.getpid()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            target = ":memory:"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 before SQLite opens it; its -wal and -shm files copy the mode.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            target = str(self.path)
        conn = sqlite3.connect(
            target, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
        # Counters, not records: losing the last hits to a power cut is harmless.
        conn.execute("PRAGMA synchronous = NORMAL")
        for statement in _SCHEMA:
            conn.execute(statement)
        return conn
