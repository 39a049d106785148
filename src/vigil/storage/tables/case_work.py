"""The caseworker's record: evidence, messages, notes, tasks, status history, risk assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.tables.cases import case_fk, user_fk
from vigil.storage.types import EncryptedText, UTCDateTime


class CaseEvidence(Base):
    """A file in the case; the bytes live in the upload store under ``storage_key``."""

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(EncryptedText("case_evidence.filename"))
    storage_key: Mapped[str] = mapped_column(String(128))
    supplied_by: Mapped[str] = mapped_column(String(16))  # survivor or staff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseMessage(Base):
    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # to_survivor, from_survivor
    body: Mapped[str] = mapped_column(EncryptedText("case_messages.body"))
    author_id: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    body: Mapped[str] = mapped_column(EncryptedText("case_notes.body"))
    author_id: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseTask(Base):
    __tablename__ = "case_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    title: Mapped[str] = mapped_column(EncryptedText("case_tasks.title"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_to: Mapped[int | None] = mapped_column(user_fk())
    created_by: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseStatusChange(Base):
    __tablename__ = "case_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(EncryptedText("case_status_changes.reason"))
    actor_id: Mapped[int | None] = mapped_column(user_fk())
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskAssessment(Base):
    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    checklist: Mapped[list[str]] = mapped_column(JSON)
    assessed_by: Mapped[int | None] = mapped_column(user_fk())
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeletionRequest(Base):
    __tablename__ = "deletion_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, held, done
    decided_by: Mapped[int | None] = mapped_column(user_fk())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LegalHold(Base):
    """Stops deletion and purging; active only once a second person approves it."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(case_fk(), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText("legal_holds.reason"))
    requested_by: Mapped[int | None] = mapped_column(user_fk())
    requested_label: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[int | None] = mapped_column(user_fk())
    approved_label: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
