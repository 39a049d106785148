"""The database on SQLite and PostgreSQL: schema, durability settings, append-only audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, StatementError

import vigil.storage.tables  # noqa: F401
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.storage.base import Base
from vigil.storage.migrate import head_revisions, is_up_to_date, upgrade
from vigil.storage.tables.audit import AuditEvent


def test_migrations_match_the_models(services: Services) -> None:
    with services.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert is_up_to_date(services.db)
    assert head_revisions()


def test_upgrade_twice_is_harmless(services: Services) -> None:
    upgrade(services.db)
    assert is_up_to_date(services.db)


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(sqlite_services: Services) -> None:
    with sqlite_services.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.postgres
def test_postgres_commits_synchronously(postgres_services: Services) -> None:
    with postgres_services.db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET outcome = 'x'", "DELETE FROM audit_events"]
)
def test_audit_log_is_append_only(services: Services, statement: str) -> None:
    services.audit.record_alone(Actor.operator("test"), "test.event")
    with pytest.raises(DBAPIError, match="append-only"), services.db.transaction() as session:
        session.execute(text(statement))
    with services.db.transaction() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "test.event"))
        assert [r.outcome for r in rows] == ["success"]


def test_times_come_back_aware_utc(services: Services) -> None:
    moment = datetime(2026, 3, 8, 12, 30, tzinfo=timezone(timedelta(hours=9)))  # Seoul
    with services.db.transaction() as session:
        session.add(AuditEvent(at=moment, actor_label="t", action="tz", outcome="success"))
    with services.db.transaction() as session:
        stored = session.scalars(select(AuditEvent).where(AuditEvent.action == "tz")).one()
    assert stored.at == moment
    assert stored.at.tzinfo == UTC


def test_naive_times_are_refused(sqlite_services: Services) -> None:
    naive = AuditEvent(at=datetime(2026, 1, 1), actor_label="t", action="n", outcome="success")
    with pytest.raises(StatementError, match="naive"):
        _insert(sqlite_services, naive)


def _insert(services: Services, row: AuditEvent) -> None:
    with services.db.transaction() as session:
        session.add(row)
