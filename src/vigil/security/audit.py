"""The audit log: one append-only row per sign-in, denial and access to sensitive records."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.security.actor import Actor
from vigil.storage.database import Database
from vigil.storage.tables.audit import AuditEvent

if TYPE_CHECKING:
    from vigil.security.authorization import Authorizer

log = logging.getLogger(__name__)

PAGE_SIZE = 100


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # keyset pagination: newest first
    limit: int = PAGE_SIZE


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    record_type: str | None
    record_id: str | None
    purpose: str | None
    outcome: str


@dataclass
class AuditLog:
    """Writes audit rows, inside the caller's transaction or in one of its own."""

    db: Database

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        *,
        record_type: str | None = None,
        record_id: object | None = None,
        purpose: str | None = None,
        outcome: Outcome = Outcome.SUCCESS,
    ) -> None:
        session.add(
            AuditEvent(
                at=utcnow(),
                actor_id=actor.user_id,
                actor_label=actor.label[:64],
                action=action,
                record_type=record_type,
                record_id=None if record_id is None else str(record_id)[:64],
                purpose=None if purpose is None else purpose[:200],
                outcome=str(outcome),
            )
        )
        log.info(
            "audit",
            extra={
                "event": action,
                "actor_id": actor.user_id,
                "record_type": record_type,
                "outcome": str(outcome),
            },
        )

    def record_alone(
        self,
        actor: Actor,
        action: str,
        *,
        record_type: str | None = None,
        record_id: object | None = None,
        purpose: str | None = None,
        outcome: Outcome = Outcome.SUCCESS,
    ) -> None:
        """Record in a transaction of its own: survives the rollback of the caller's work."""
        with self.db.transaction() as session:
            self.record(
                session,
                actor,
                action,
                record_type=record_type,
                record_id=record_id,
                purpose=purpose,
                outcome=outcome,
            )

    def search(self, session: Session, query: AuditQuery) -> list[AuditEventPublic]:
        stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
        if query.actor:
            stmt = stmt.where(AuditEvent.actor_label == query.actor)
        if query.action:
            stmt = stmt.where(AuditEvent.action == query.action)
        if query.record_type:
            stmt = stmt.where(AuditEvent.record_type == query.record_type)
        if query.record_id:
            stmt = stmt.where(AuditEvent.record_id == query.record_id)
        if query.outcome:
            stmt = stmt.where(AuditEvent.outcome == str(query.outcome))
        if query.since:
            stmt = stmt.where(AuditEvent.at >= query.since)
        if query.until:
            stmt = stmt.where(AuditEvent.at < query.until)
        if query.before_id:
            stmt = stmt.where(AuditEvent.id < query.before_id)
        stmt = stmt.limit(max(1, min(query.limit, 1000)))
        return [AuditEventPublic.model_validate(row) for row in session.scalars(stmt)]


class AuditSearch:
    """Reading the audit log is itself audited, and only for supervisors and admins."""

    def __init__(self, db: Database, audit: AuditLog, authorizer: Authorizer) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer

    def search(self, actor: Actor, query: AuditQuery) -> list[AuditEventPublic]:
        from vigil.security.permissions import Action

        self.authorizer.require(actor, Action.AUDIT_READ, record_type="audit")
        with self.db.transaction() as session:
            rows = self.audit.search(session, query)
            self.audit.record(session, actor, "audit.read", record_type="audit")
            return rows
