"""Notices in a staff member's console inbox.

A notice says what happened and where to look (kind, neutral subject, case reference, console
link), never who or what is in it: the person follows the link, signs in and is audited there.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.storage.database import Database
from vigil.storage.tables.notifications import Notification

INBOX_LIMIT = 100


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    subject: str
    case_reference: str | None
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationService:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    @staticmethod
    def add(
        session: Session,
        user_id: int,
        kind: str,
        subject: str,
        link: str,
        *,
        case_reference: str | None = None,
    ) -> Notification:
        """Inside the caller's transaction (a flow's)."""
        row = Notification(
            user_id=user_id,
            kind=kind[:32],
            subject=subject[:200],
            case_reference=case_reference,
            link=link[:300],
            created_at=utcnow(),
        )
        session.add(row)
        return row

    def inbox(self, actor: Actor, *, unread_only: bool = False) -> list[NotificationPublic]:
        """The signed-in person's own notices: nobody reads another's inbox."""
        if actor.user_id is None:
            return []
        with self.db.transaction() as session:
            stmt = select(Notification).where(Notification.user_id == actor.user_id)
            if unread_only:
                stmt = stmt.where(Notification.read_at.is_(None))
            rows = session.scalars(stmt.order_by(Notification.id.desc()).limit(INBOX_LIMIT))
            return [NotificationPublic.model_validate(r) for r in rows]

    def unread_count(self, actor: Actor) -> int:
        if actor.user_id is None:
            return 0
        with self.db.transaction() as session:
            return int(
                session.scalar(
                    select(func.count(Notification.id)).where(
                        Notification.user_id == actor.user_id, Notification.read_at.is_(None)
                    )
                )
                or 0
            )

    def mark_read(self, actor: Actor, notification_id: int | None = None) -> int:
        """One notice (or all) read; only the owner's own."""
        if actor.user_id is None:
            return 0
        with self.db.transaction() as session:
            stmt = update(Notification).where(
                Notification.user_id == actor.user_id, Notification.read_at.is_(None)
            )
            if notification_id is not None:
                stmt = stmt.where(Notification.id == notification_id)
            result = session.execute(stmt.values(read_at=utcnow()))
            self.audit.record(
                session,
                actor,
                "notification.read",
                record_type="notification",
                record_id=notification_id,
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
