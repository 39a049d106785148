"""Evidence: vault blobs, items (originals and working copies), the custody chain, checkpoints.

Blob files live encrypted in the vault folder; a blob row is written only after its file is
complete on disk. Custody events and checkpoints are append-only (database triggers refuse
UPDATE and DELETE, see the ``evidence_0001`` migration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.types import EncryptedText, UTCDateTime

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class EvidenceBlob(Base):
    """One stored content, whatever the number of items (cases) pointing at it."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha512: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(16))  # the vault key that sealed the file
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    __table_args__ = (
        Index("ix_evidence_items_case_id", "case_id"),
        Index("ix_evidence_items_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))  # original | working
    derived_from: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="RESTRICT")
    )
    derivation: Mapped[str | None] = mapped_column(String(64))
    how: Mapped[str] = mapped_column(String(16))  # upload | capture | import | derived
    # File names and source URLs may name a survivor: encrypted at rest.
    filename: Mapped[str] = mapped_column(EncryptedText("evidence_items.filename"))
    media_type: Mapped[str] = mapped_column(String(128))
    source_url: Mapped[str | None] = mapped_column(EncryptedText("evidence_items.source_url"))
    capture_id: Mapped[str | None] = mapped_column(String(32))
    part: Mapped[str | None] = mapped_column(String(32))
    reporter_hash: Mapped[str | None] = mapped_column(String(128))
    reporter_hash_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_by_label: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    meta_digest: Mapped[str] = mapped_column(String(64))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustodyChain(Base):
    """The head of each case's custody chain; its row is locked while an event is appended."""

    __tablename__ = "custody_chains"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True, autoincrement=False
    )
    head_seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))


class CustodyEvent(Base):
    __tablename__ = "custody_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_custody_events_case_id_seq"),
        Index("ix_custody_events_item_uid", "item_uid"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(32))
    item_uid: Mapped[str | None] = mapped_column(String(32))
    sha256: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no FK: custody outlives accounts
    actor_label: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CustodyCheckpoint(Base):
    """An Ed25519 signature over a chain head, by a key kept outside the database."""

    __tablename__ = "custody_checkpoints"
    __table_args__ = (Index("ix_custody_checkpoints_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
