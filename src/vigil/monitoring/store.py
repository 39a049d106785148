"""Bulk reads and writes of posts for the pipeline: one statement per batch, not per post."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.storage.tables.monitoring import (
    MonitorError,
    MonitorPost,
    MonitorPostTarget,
    MonitorSource,
)

#: SQLite allows 32,766 bound variables per statement; keep lookups well under it.
LOOKUP_CHUNK = 900
#: Page cache for the connection a pipeline writes with (negative PRAGMA value: KiB).
SQLITE_BULK_CACHE_KIB = 64 * 1024


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)


def tune_for_bulk(session: Session) -> None:
    """SQLite's default page cache (2 MiB) thrashes once the post indexes outgrow it; a bulk
    writer keeps more of them in memory. PostgreSQL sizes its buffers on the server."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}"))


def _by_platform(keys: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for platform, post_id in keys:
        grouped.setdefault(platform, []).append(post_id)
    return grouped


def _lookup(session: Session, keys: Sequence[tuple[str, str]], *columns: Any) -> list[Any]:
    """Rows for (platform, post id) keys. ``platform = ? AND post_id IN (...)`` uses the
    unique index; a row-value ``(platform, post_id) IN (...)`` makes SQLite scan the table."""
    rows: list[Any] = []
    for platform, ids in _by_platform(keys).items():
        for start in range(0, len(ids), LOOKUP_CHUNK):
            rows.extend(
                session.execute(
                    select(*columns).where(
                        MonitorPost.platform == platform,
                        MonitorPost.post_id.in_(ids[start : start + LOOKUP_CHUNK]),
                    )
                )
            )
    return rows


def existing_keys(session: Session, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(p, i) for p, i in _lookup(session, keys, MonitorPost.platform, MonitorPost.post_id)}


def insert_posts(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert in one executemany, skipping (platform, post id) already stored.

    No RETURNING: fetching every new id costs more than the insert on SQLite; ``post_ids``
    fetches the few the caller needs (posts aimed at watched people).
    """
    if rows:
        stmt = _insert(session, MonitorPost.__table__).on_conflict_do_nothing(
            index_elements=["platform", "post_id"]
        )
        session.execute(stmt, list(rows))


def post_ids(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    return {
        (p, i): pid
        for pid, p, i in _lookup(
            session, keys, MonitorPost.id, MonitorPost.platform, MonitorPost.post_id
        )
    }


def insert_targets(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    data = list(rows)
    if data:
        session.execute(
            _insert(session, MonitorPostTarget.__table__).on_conflict_do_nothing(), data
        )


def insert_errors(
    session: Session, source_id: int | None, errors: Sequence[tuple[str, str]]
) -> None:
    if errors:
        now = utcnow()
        session.execute(
            insert(MonitorError),
            [
                {"source_id": source_id, "item": item[:255], "message": message[:500], "at": now}
                for item, message in errors
            ],
        )


def save_checkpoint(session: Session, source_id: int, checkpoint: Mapping[str, Any]) -> None:
    session.execute(
        update(MonitorSource)
        .where(MonitorSource.id == source_id)
        .values(
            checkpoint=json.dumps(checkpoint, sort_keys=True),
            checkpoint_at=utcnow(),
            last_error=None,
        )
    )
