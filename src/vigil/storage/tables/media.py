"""Hash banks: named sets of image hashes with provenance, owner, consent and case link.

A bank item is one ``media_hashes`` row with ``primary_id`` NULL; its robust variants (trimmed
borders, the frame hash) are rows pointing at it. Withdrawn rows stay as tombstones so that
the next export to partners carries the withdrawal notice; their values never match again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.types import EncryptedText, UTCDateTime

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class MediaBank(Base):
    __tablename__ = "media_banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: "positive" (matches are reported) or "negative" (known-harmless: suppresses matches).
    kind: Mapped[str] = mapped_column(String(16))
    #: Hamming threshold for PDQ in this bank (the frame hash scales with it).
    threshold: Mapped[int] = mapped_column(Integer)
    #: Where the hashes came from: "survivor", "caseworker", "partner:<name>", "import".
    provenance: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_label: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    #: The survivor's consent: what she agreed to, recorded by whom; may name people.
    consent_record: Mapped[str | None] = mapped_column(EncryptedText("media_banks.consent_record"))
    #: Whether the consent covers sending the hashes to partners (StopNCII, platforms).
    share_with_partners: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MediaHash(Base):
    __tablename__ = "media_hashes"
    __table_args__ = (
        Index("ix_media_hashes_bank_status", "bank_id", "status"),
        Index("ix_media_hashes_value", "value"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("media_banks.id", ondelete="CASCADE"))
    #: The item this row is a variant of; NULL for the item's own (exchanged) hash.
    primary_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_hashes.id", ondelete="CASCADE"), index=True
    )
    #: "pdq", "pdq-frame", "md5", "sha256".
    signal_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(Integer)
    #: The issuer's id for the hash (a partner's signal id), for withdrawal notices.
    external_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MediaExport(Base):
    """Each list sent to partners: what left, when, signed with which key."""

    __tablename__ = "media_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("media_banks.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    active_count: Mapped[int] = mapped_column(Integer)
    withdrawn_count: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaMatch(Base):
    """A file or hash that matched a bank item: the hook for review and caseworker alerts."""

    __tablename__ = "media_matches"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("media_banks.id", ondelete="CASCADE"))
    hash_id: Mapped[int] = mapped_column(
        ForeignKey("media_hashes.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    distance: Mapped[int] = mapped_column(Integer)
    signal_type: Mapped[str] = mapped_column(String(16))
    #: What matched: a file name, an upload id or a partner's id; may identify people.
    query_label: Mapped[str] = mapped_column(EncryptedText("media_matches.query_label"))
    query_hash: Mapped[str] = mapped_column(String(64))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    matched_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)


class MediaReview(Base):
    """A match put before people: the matched media (kept encrypted, shown blurred) and the
    reviewer's decision. One per match of a positive bank; negative banks and withdrawn
    hashes never get one (they never produce a match)."""

    __tablename__ = "media_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("media_matches.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    #: Where Vigil saw the media: "monitoring", "capture", "upload", "partner", "cli", "api".
    source: Mapped[str] = mapped_column(String(32))
    #: SHA-256 of the matched file in the review store; NULL when only a hash was matched.
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(64))
    #: "pending", "confirmed" or "dismissed".
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_label: Mapped[str | None] = mapped_column(String(64))
