"""Group commit (``Database.grouped``): waiting writes share one commit, each in a savepoint of
its own; nothing returns before the commit that holds it, and an error is its caller's alone."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from vigil.errors import InvalidInput
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.storage.tables.audit import AuditEvent

WRITERS = 12
FAILING = 5


def _write(services: Services, number: int) -> Any:
    def work(session: Session) -> int:
        services.audit.record(
            session, Actor.operator("test"), "test.group", record_id=f"write-{number}"
        )
        session.flush()
        if number == FAILING:
            raise InvalidInput("this one fails")
        return number

    return work


def _written(services: Services) -> set[str]:
    with services.db.transaction() as session:
        rows = session.scalars(
            select(AuditEvent.record_id).where(AuditEvent.action == "test.group")
        )
        return {r for r in rows if r is not None}


def _run_together(services: Services) -> tuple[dict[int, object], list[int]]:
    """WRITERS threads call ``grouped`` while the write lock is held, so that they all wait;
    then the lock is released. Returns each one's outcome and the commits per transaction."""
    results: dict[int, object] = {}
    commits: list[int] = []
    event.listen(services.db.engine, "commit", lambda _conn: commits.append(1))

    def call(number: int) -> None:
        try:
            results[number] = services.db.grouped(_write(services, number))
        except InvalidInput as exc:
            results[number] = exc

    writer = services.db._writer
    if writer is not None:
        writer.acquire()
    threads = [threading.Thread(target=call, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    if writer is not None:
        deadline = time.monotonic() + 60  # a wait for the threads, not a measurement
        while len(services.db._waiting) < WRITERS and time.monotonic() < deadline:
            time.sleep(0.01)
        writer.release()
    for thread in threads:
        thread.join()
    return results, commits


def test_waiting_writes_share_a_commit_and_keep_their_errors(services: Services) -> None:
    results, commits = _run_together(services)
    if services.db.is_sqlite:  # PostgreSQL commits each in a transaction of its own
        assert len(commits) == 1
    assert isinstance(results.pop(FAILING), InvalidInput)
    assert results == {n: n for n in range(WRITERS) if n != FAILING}
    assert _written(services) == {f"write-{n}" for n in range(WRITERS) if n != FAILING}


def test_a_failed_commit_fails_every_write_in_it(
    sqlite_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is acknowledged unless its commit succeeded (e.g. the disk filled up)."""

    def refuse(_conn: Any) -> None:
        raise OSError(28, "No space left on device")

    event.listen(sqlite_services.db.engine, "commit", refuse)
    with pytest.raises(OSError):
        sqlite_services.db.grouped(_write(sqlite_services, 0))
    event.remove(sqlite_services.db.engine, "commit", refuse)
    assert _written(sqlite_services) == set()
    with sqlite_services.db.transaction() as session:  # the database is usable again
        assert session.scalar(select(func.count()).select_from(AuditEvent)) is not None
