"""The staff inbox: short notices for one person (a match in her case, ...).

Notices carry no survivor-identifying data: a kind, a neutral subject, the case reference
and a console link. Whoever follows the link signs in and is audited there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.types import UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    case_reference: Mapped[str | None] = mapped_column(String(32))
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
