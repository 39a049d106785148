"""The entity graph: nodes (cases, accounts, identifiers, posts, media hashes) and edges that
say where and when each link was seen; and the notices that tell case holders of a link.

Identifier values are personal data: each node stores its value encrypted and is found by a
keyed hash of its normalised value (a blind index), so a copy of the database alone reveals
no phone number or wallet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.clock import utcnow
from vigil.storage.base import Base
from vigil.storage.types import EncryptedText, UTCDateTime

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class LinkNode(Base):
    __tablename__ = "link_nodes"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    #: case, account, phone, email, url, iban, card, btc, eth, tron, post, thread, media_hash
    kind: Mapped[str] = mapped_column(String(32), index=True)
    #: HMAC-SHA256 of ``kind:normalized`` under the install's linking key.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(EncryptedText("link_nodes.label"))
    platform: Mapped[str | None] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), unique=True
    )
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkEdge(Base):
    """One observation: ``src`` —relation→ ``dst``, seen in ``source`` at ``observed_at``.

    ``case_id`` is set when the observation belongs to a case; deleting the case (or a
    consent withdrawal that deletes it) removes its edges with it.
    """

    __tablename__ = "link_edges"
    __table_args__ = (Index("ix_link_edges_case", "case_id"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    src_id: Mapped[int] = mapped_column(ForeignKey("link_nodes.id", ondelete="CASCADE"), index=True)
    dst_id: Mapped[int] = mapped_column(ForeignKey("link_nodes.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LinkNotice(Base):
    """Tells the holder of ``case_id`` that ``other_case_id`` shares ``node_id``."""

    __tablename__ = "link_notices"
    __table_args__ = (
        UniqueConstraint("case_id", "other_case_id", "node_id", name="uq_link_notices_link"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    node_id: Mapped[int] = mapped_column(ForeignKey("link_nodes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
