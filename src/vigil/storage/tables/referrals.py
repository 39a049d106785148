"""The directory of support services, referrals, and takedown requests with their URLs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.tables.cases import case_fk, user_fk
from vigil.storage.types import EncryptedText, UTCDateTime


class ReferralService(Base):
    __tablename__ = "referral_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # shelter, legal_aid, psychosocial, hotline…
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[str] = mapped_column(String(64))  # comma-separated codes
    contact: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_services.id", ondelete="SET NULL")
    )
    shared: Mapped[str] = mapped_column(EncryptedText("referrals.shared"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    outcome: Mapped[str | None] = mapped_column(EncryptedText("referrals.outcome"))
    override_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_overrides.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TakedownRequest(Base):
    __tablename__ = "takedown_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    platform: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    basis: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(EncryptedText("takedown_requests.subject"))
    body: Mapped[str] = mapped_column(EncryptedText("takedown_requests.body"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    override_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_overrides.id", ondelete="SET NULL")
    )
    drafted_by: Mapped[int | None] = mapped_column(user_fk())
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(user_fk())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(200))


class TakedownUrl(Base):
    __tablename__ = "takedown_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("takedown_requests.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(EncryptedText("takedown_urls.url"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
