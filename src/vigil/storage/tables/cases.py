"""Survivor cases: the case row, the people and identifiers in it, and consent per purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.types import EncryptedText, UTCDateTime


def case_fk() -> ForeignKey:
    return ForeignKey("cases.id", ondelete="CASCADE")


def user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="SET NULL")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_idempotency_key", "idempotency_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # Titles may name people: encrypted at rest.
    title: Mapped[str] = mapped_column(EncryptedText("cases.title"))
    status: Mapped[str] = mapped_column(String(32), default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # --- added by the cases branch (cases_0001); nullable so the foundation's rows stay valid.
    source: Mapped[str | None] = mapped_column(String(16))  # "portal" or "staff"
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(EncryptedText("cases.description"))
    anonymous: Mapped[bool | None] = mapped_column(Boolean)
    language: Mapped[str | None] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(64))
    incident_when: Mapped[str | None] = mapped_column(String(100))
    wants: Mapped[list[str] | None] = mapped_column(JSON)
    # argon2 hash of the survivor's passphrase; the passphrase itself is shown once.
    passphrase_hash: Mapped[str | None] = mapped_column(String(256))
    # sha256 of the client's idempotency key: a retried submission stores once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    risk_level: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CasePerson(Base):
    """Someone in the case. Identity fields are encrypted and shown only after an audited unmask."""

    __tablename__ = "case_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    role: Mapped[str] = mapped_column(String(32))  # survivor, perpetrator, witness, other
    name: Mapped[str | None] = mapped_column(EncryptedText("case_people.name"))
    contact: Mapped[str | None] = mapped_column(EncryptedText("case_people.contact"))
    details: Mapped[str | None] = mapped_column(EncryptedText("case_people.details"))
    supplied_by: Mapped[str] = mapped_column(String(16))  # survivor or staff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseIdentifier(Base):
    """Links, handles, e-mail addresses or numbers involved in a case."""

    __tablename__ = "case_identifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # url, handle, email, phone
    platform: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(EncryptedText("case_identifiers.value"))
    supplied_by: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseConsent(Base):
    """The survivor's current choice for one purpose (history lives in the audit log)."""

    __tablename__ = "case_consents"
    __table_args__ = (UniqueConstraint("case_id", "purpose", name="uq_case_consents_purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))  # actor label: "portal" or a username


class ConsentDependent(Base):
    """Something that exists because of a consent; a withdrawal stops every active one."""

    __tablename__ = "consent_dependents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))  # referral, takedown, hash_share, statistics…
    ref: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="active")  # active, stopped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentOverride(Base):
    """A supervisor acted without the matching consent, for a recorded reason."""

    __tablename__ = "consent_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(EncryptedText("consent_overrides.reason"))
    actor_id: Mapped[int | None] = mapped_column(user_fk())
    actor_label: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def json_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
