"""Review items for bank matches: the matched media, kept encrypted and shown blurred.

``HashBankService.match`` records a ``media_reviews`` row beside every match of a positive
bank (``add_reviews``); negative banks suppress the query and withdrawn hashes have left the
indexes, so neither ever produces one. People then see the item blurred (a small, heavily
blurred copy made on the server, so the clear image never reaches a browser unasked), reveal
it on purpose (audited), and confirm or dismiss it.

Caseworkers see the items of their own cases (created by or assigned to them); supervisors
and investigators see all.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from PIL import Image, ImageFilter
from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from vigil.clock import utcnow
from vigil.errors import Conflict, NotFound
from vigil.media.images import open_image
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.permissions import Action, Role
from vigil.storage.database import Database
from vigil.storage.tables.cases import Case
from vigil.storage.tables.media import MediaBank, MediaMatch, MediaReview

#: Longest side of the blurred preview, and the blur radius applied to it.
PREVIEW_SIDE = 160
PREVIEW_BLUR_RADIUS = 12
LIST_LIMIT = 100
#: Matched files larger than this are reviewed by hash only (their bytes are not kept).
MAX_REVIEW_MEDIA_BYTES = 50 * 1024 * 1024
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


class Stored(Protocol):
    @property
    def sha256(self) -> str: ...


class BlobStore(Protocol):
    """Encrypted, content-addressed bytes (the composition root gives a vault)."""

    def put(self, data: bytes) -> Stored: ...

    def get(self, sha256: str) -> bytes: ...


def sniff_image_type(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)


@dataclass(frozen=True)
class ReviewCreated:
    """What a listener (the caseworker alert flow) learns of a new review item."""

    review_id: int
    case_id: int | None
    bank: str
    source: str


class ReviewPublic(BaseModel):
    id: int
    status: str
    source: str
    label: str
    bank: str
    hash_id: int
    distance: int
    signal_type: str
    case_reference: str | None
    has_media: bool
    media_type: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


def _read(media: bytes | Path | None) -> bytes | None:
    if not isinstance(media, Path):
        return media
    try:
        if media.stat().st_size > MAX_REVIEW_MEDIA_BYTES:
            return None
        return media.read_bytes()
    except OSError:
        return None


def add_reviews(
    session: Session,
    store: BlobStore | None,
    matches: Sequence[tuple[MediaMatch, str]],
    media: bytes | Path | None,
    source: str,
) -> list[MediaReview]:
    """One review item per (flushed) match of one query; the file is stored once."""
    digest = None
    media = _read(media) if store is not None else None
    media_type = sniff_image_type(media) if media else None
    if store is not None and media and media_type and len(media) <= MAX_REVIEW_MEDIA_BYTES:
        digest = store.put(media).sha256
    reviews = []
    for match, _bank in matches:
        review = MediaReview(
            match_id=match.id,
            case_id=match.case_id,
            source=source[:32],
            media_sha256=digest,
            media_type=media_type if digest else None,
            status="pending",
            created_at=utcnow(),
        )
        session.add(review)
        reviews.append(review)
    return reviews


def blurred_preview(data: bytes) -> bytes:
    """A small JPEG of the image, blurred past recognition, for the default view."""
    image = open_image(data)
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    blurred = image.filter(ImageFilter.GaussianBlur(PREVIEW_BLUR_RADIUS))
    out = io.BytesIO()
    blurred.convert("RGB").save(out, format="JPEG", quality=60)
    return out.getvalue()


def placeholder_preview() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (PREVIEW_SIDE, PREVIEW_SIDE), (128, 128, 128)).save(out, format="JPEG")
    return out.getvalue()


class MatchReviewService:
    def __init__(
        self, db: Database, audit: AuditLog, authorizer: Authorizer, store: BlobStore | None
    ) -> None:
        self.db = db
        self.audit = audit
        self.authorizer = authorizer
        self.store = store

    @staticmethod
    def _visible(actor: Actor) -> object | None:
        """Caseworkers see their own cases' items; other reviewing roles see all."""
        if actor.is_operator or actor.role is not Role.CASEWORKER:
            return None
        mine = select(Case.id).where(
            or_(Case.assigned_to == actor.user_id, Case.created_by == actor.user_id)
        )
        return MediaReview.case_id.in_(mine)

    def _rows(self, session: Session, actor: Actor, *conditions: object) -> list[ReviewPublic]:
        stmt = (
            select(MediaReview, MediaMatch, MediaBank.name, Case.reference)
            .join(MediaMatch, MediaMatch.id == MediaReview.match_id)
            .join(MediaBank, MediaBank.id == MediaMatch.bank_id)
            .outerjoin(Case, Case.id == MediaReview.case_id)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(MediaReview.id.desc())
            .limit(LIST_LIMIT)
        )
        visible = self._visible(actor)
        if visible is not None:
            stmt = stmt.where(visible)  # type: ignore[arg-type]
        return [
            ReviewPublic(
                id=review.id,
                status=review.status,
                source=review.source,
                label=match.query_label,
                bank=bank,
                hash_id=match.hash_id,
                distance=match.distance,
                signal_type=match.signal_type,
                case_reference=reference,
                has_media=review.media_sha256 is not None,
                media_type=review.media_type,
                created_at=review.created_at,
                decided_at=review.decided_at,
                decided_by=review.decided_by_label,
            )
            for review, match, bank, reference in session.execute(stmt)
        ]

    def list(
        self, actor: Actor, *, status: str | None = "pending", case_reference: str | None = None
    ) -> list[ReviewPublic]:
        self.authorizer.require(actor, Action.MEDIA_REVIEW, record_type="media_review")
        with self.db.transaction() as session:
            conditions: list[object] = [MediaReview.status == status] if status else []
            if case_reference:
                conditions.append(Case.reference == case_reference.strip().upper())
            rows = self._rows(session, actor, *conditions)
            self.audit.record(
                session,
                actor,
                "media.review.list",
                record_type="media_review",
                purpose=f"{len(rows)} items shown",
            )
            return rows

    def _one(self, session: Session, actor: Actor, review_id: int) -> ReviewPublic:
        rows = self._rows(session, actor, MediaReview.id == review_id)
        if not rows:
            raise NotFound("no review item with that id")
        return rows[0]

    def get(self, actor: Actor, review_id: int) -> ReviewPublic:
        self.authorizer.require(
            actor, Action.MEDIA_REVIEW, record_type="media_review", record_id=review_id
        )
        with self.db.transaction() as session:
            item = self._one(session, actor, review_id)
            self.audit.record(
                session, actor, "media.review.read", record_type="media_review", record_id=item.id
            )
            return item

    def _media(self, session: Session, actor: Actor, review_id: int) -> tuple[bytes, str] | None:
        self._one(session, actor, review_id)  # visibility
        row = session.get(MediaReview, review_id)
        if row is None or row.media_sha256 is None or self.store is None:
            return None
        return self.store.get(row.media_sha256), row.media_type or "application/octet-stream"

    def preview(self, actor: Actor, review_id: int) -> bytes:
        """The blurred preview (a placeholder when only a hash matched)."""
        self.authorizer.require(
            actor, Action.MEDIA_REVIEW, record_type="media_review", record_id=review_id
        )
        with self.db.transaction() as session:
            media = self._media(session, actor, review_id)
        return blurred_preview(media[0]) if media else placeholder_preview()

    def reveal(self, actor: Actor, review_id: int) -> tuple[bytes, str]:
        """The matched file itself, shown because the reviewer chose to: audited."""
        self.authorizer.require(
            actor, Action.MEDIA_REVIEW, record_type="media_review", record_id=review_id
        )
        with self.db.transaction() as session:
            media = self._media(session, actor, review_id)
            if media is None:
                raise NotFound("only a hash matched: there is no file to show")
            self.audit.record(
                session,
                actor,
                "media.review.reveal",
                record_type="media_review",
                record_id=review_id,
            )
            return media

    def decide(
        self, actor: Actor, review_id: int, decision: Literal["confirm", "dismiss"]
    ) -> ReviewPublic:
        self.authorizer.require(
            actor, Action.MEDIA_REVIEW, record_type="media_review", record_id=review_id
        )
        with self.db.transaction() as session:
            self._one(session, actor, review_id)
            row = session.get(MediaReview, review_id)
            assert row is not None
            if row.status != "pending":
                raise Conflict("this item is already decided")
            row.status = "confirmed" if decision == "confirm" else "dismissed"
            row.decided_at = utcnow()
            row.decided_by = actor.user_id
            row.decided_by_label = actor.label[:64]
            session.execute(
                update(MediaMatch).where(MediaMatch.id == row.match_id).values(reviewed=True)
            )
            self.audit.record(
                session,
                actor,
                f"media.review.{decision}",
                record_type="media_review",
                record_id=review_id,
            )
            session.flush()
            return self._one(session, actor, review_id)
