"""Monitoring: sources and their checkpoints, collected posts, watchlists, reviews, alerts.

Collected posts are public; their text is stored in clear so that it can be searched and
aggregated at millions of rows. The watchlist (people at risk) and source configurations
(which may hold platform tokens) are encrypted at rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.types import EncryptedText, UTCDateTime

BIGINT_ID = BigInteger().with_variant(Integer, "sqlite")


class MonitorSource(Base):
    __tablename__ = "monitor_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    config: Mapped[str] = mapped_column(EncryptedText("monitor_sources.config"))
    # Webhook sources: SHA-256 of the bearer token; the token itself is shown once.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    checkpoint: Mapped[str | None] = mapped_column(Text)
    checkpoint_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitorPost(Base):
    __tablename__ = "monitor_posts"
    __table_args__ = (
        UniqueConstraint("platform", "post_id", name="uq_monitor_posts_platform_post_id"),
        Index("ix_monitor_posts_created_at", "created_at"),
        Index("ix_monitor_posts_dup_group", "dup_group"),
        Index("ix_monitor_posts_media_key", "media_key"),
        Index("ix_monitor_posts_queue", "review_status", "priority"),
    )

    id: Mapped[int] = mapped_column(BIGINT_ID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[str] = mapped_column(String(255))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_sources.id", ondelete="SET NULL")
    )
    url: Mapped[str | None] = mapped_column(String(1000))
    author_handle: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[str | None] = mapped_column(String(255))
    author_name: Mapped[str | None] = mapped_column(String(255))
    author_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply_to: Mapped[str | None] = mapped_column(String(255))
    reply_to_author: Mapped[str | None] = mapped_column(String(255))
    quote_of: Mapped[str | None] = mapped_column(String(255))
    mentions: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of handles
    media: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of media objects
    media_key: Mapped[str | None] = mapped_column(String(80))  # first media hash
    dup_group: Mapped[str] = mapped_column(String(32))
    gbv: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    category: Mapped[str | None] = mapped_column(String(64))
    detection: Mapped[str] = mapped_column(Text, default="{}")  # JSON: scan output
    severity: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    targeted: Mapped[bool] = mapped_column(Boolean, default=False)
    # none (not flagged), pending, confirmed, dismissed, relabelled, escalated
    review_status: Mapped[str] = mapped_column(String(16), default="none")
    second_review_due: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(String(500))


class MonitorPerson(Base):
    """A person at risk on the watchlist (candidate, journalist, activist)."""

    __tablename__ = "monitor_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText("monitor_people.name"))
    aliases: Mapped[str] = mapped_column(EncryptedText("monitor_people.aliases"))  # JSON list
    handles: Mapped[str] = mapped_column(EncryptedText("monitor_people.handles"))  # JSON list
    kind: Mapped[str] = mapped_column(String(32), default="other")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitorPostTarget(Base):
    __tablename__ = "monitor_post_targets"
    __table_args__ = (Index("ix_monitor_post_targets_person_id", "person_id"),)

    post_id: Mapped[int] = mapped_column(
        BIGINT_ID, ForeignKey("monitor_posts.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_people.id", ondelete="CASCADE"), primary_key=True
    )
    how: Mapped[str] = mapped_column(String(16))  # mention, reply, name


class MonitorReview(Base):
    __tablename__ = "monitor_reviews"
    __table_args__ = (
        Index("ix_monitor_reviews_post_id", "post_id"),
        Index("ix_monitor_reviews_reviewer", "reviewer_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        BIGINT_ID, ForeignKey("monitor_posts.id", ondelete="CASCADE")
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_label: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64))  # category, or "none" when dismissed
    second: Mapped[bool] = mapped_column(Boolean, default=False)
    case_reference: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitorAlert(Base):
    __tablename__ = "monitor_alerts"
    __table_args__ = (
        UniqueConstraint("kind", "key", "window_start", name="uq_monitor_alerts_kind_key_window"),
        Index("ix_monitor_alerts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # pile_on, coordination
    key: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_people.id", ondelete="SET NULL")
    )
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    details: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="open")
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitorError(Base):
    """A post a run could not process; the run went on."""

    __tablename__ = "monitor_errors"
    __table_args__ = (Index("ix_monitor_errors_at", "at"),)

    id: Mapped[int] = mapped_column(BIGINT_ID, primary_key=True, autoincrement=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_sources.id", ondelete="SET NULL")
    )
    item: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
