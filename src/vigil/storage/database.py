"""The database: one engine, a session factory, and transactions owned by services.

SQLite (the default) runs with WAL, ``synchronous=FULL`` and foreign keys on, so an
acknowledged write survives a crash; PostgreSQL is used when ``VIGIL_DATABASE_URL`` names one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from vigil.security.keys import FieldCipher

SQLITE_BUSY_TIMEOUT_MS = 15_000
#: The most waiting writes that one group commit takes together.
GROUP_COMMIT_MAX = 64

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock when the transaction starts, not at its first write: two
    # read-then-write transactions can then never deadlock on lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves

        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"options": "-c synchronous_commit=on -c timezone=UTC"},
    )


@dataclass(eq=False)  # each is itself: found in the queue by identity
class _Write(Generic[T]):
    """One caller's work in a group commit, and what became of it."""

    work: Callable[[Session], T]
    done: bool = False
    result: T | None = None
    error: BaseException | None = None


class Database:
    """Owns the engine; hands out transactions to services."""

    def __init__(self, url: str, cipher: FieldCipher, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        # Encrypted columns find their cipher through the dialect, so there is no global key.
        self.engine.dialect.vigil_cipher = cipher  # type: ignore[attr-defined]
        self.cipher = cipher
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and every transaction takes the write lock
        # (BEGIN IMMEDIATE). Threads of one process queue on this lock instead of in SQLite's
        # busy handler, which polls with sleeps of up to 100 ms and lets late arrivals overtake
        # (a p95 above 1 s at 70 submissions/s). Reentrant, so a nested transaction still meets
        # SQLite's own busy timeout as before. Other processes are kept out by SQLite itself.
        self._writer = threading.RLock() if self.is_sqlite else None
        self._waiting: list[_Write[Any]] = []
        self._waiting_lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        queued = self._writer is not None and self._writer.acquire(
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        )  # on time-out, go on and let SQLite's busy timeout decide, as without the queue
        try:
            session = self._sessions()
            try:
                with session.begin():
                    yield session
            finally:
                session.close()
        finally:
            if queued:
                assert self._writer is not None
                self._writer.release()

    def grouped(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` committed together with the work other threads are waiting to
        write (group commit): on SQLite, whose commits are serial and each waits for an fsync,
        one commit then makes a whole queue of submissions durable. Each runs in a savepoint
        of its own, so an error is its caller's alone (and undoes only its work). Returns only
        once the commit that holds the work has returned: nothing is acknowledged before it is
        durable. On PostgreSQL, a transaction of its own."""
        if self._writer is None:
            with self.transaction() as session:
                return work(session)
        job: _Write[T] = _Write(work)
        with self._waiting_lock:
            self._waiting.append(job)
        if not self._writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            with self._waiting_lock:
                alone = job in self._waiting
                if alone:
                    self._waiting.remove(job)
            if alone:  # as without the queue: SQLite's busy timeout decides
                with self.transaction() as session:
                    return work(session)
            self._writer.acquire()  # a commit holding this work is under way
        try:
            while not job.done:
                with self._waiting_lock:
                    batch = self._waiting[:GROUP_COMMIT_MAX]
                    del self._waiting[:GROUP_COMMIT_MAX]
                self._commit_together(batch)
        finally:
            self._writer.release()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]  # set when no error

    def _commit_together(self, batch: list[_Write[Any]]) -> None:
        try:
            with self.transaction() as session:
                for job in batch:
                    try:
                        with session.begin_nested():
                            job.result = job.work(session)
                    except Exception as exc:  # the caller's to handle, in its own thread
                        job.error = exc
        except BaseException as exc:  # the commit failed: none of the batch is durable
            for job in batch:
                job.error = job.error or exc
            if not isinstance(exc, Exception):
                raise
        finally:
            for job in batch:
                job.done = True

    def dispose(self) -> None:
        self.engine.dispose()
