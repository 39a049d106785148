"""The monitoring pipeline: fetched posts → stored posts with detections, batch by batch.

For each batch: drop posts already stored, group near-duplicates, detect (language, abuse,
categories, PII, explanation), tie posts to watched people, hash and match media, then write
posts, targets, per-item errors and the source's checkpoint in one transaction. Memory stays
flat: one batch at a time, and a bounded near-duplicate index.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vigil.clock import utcnow
from vigil.monitoring import store
from vigil.monitoring.base import Fetched, Source
from vigil.monitoring.detect import Detection, TextDetector, to_detection
from vigil.monitoring.media import MediaStep
from vigil.monitoring.models import Post
from vigil.monitoring.neardup import NearDuplicates
from vigil.monitoring.settings import MonitorSettings
from vigil.monitoring.watchlist import WatchlistMatcher
from vigil.storage.database import Database

log = logging.getLogger(__name__)
MAX_ERROR_SAMPLES = 5
#: Stands for the result of a post the detector failed on: stored unflagged, with an error.
DETECTION_FAILED = Detection()


@dataclass
class RunStats:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    flagged: int = 0
    targeted: int = 0
    errors: int = 0
    batches: int = 0
    seconds: float = 0.0
    first_post_at: datetime | None = None
    last_post_at: datetime | None = None
    error_samples: list[str] = field(default_factory=list)

    @property
    def posts_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"read {self.read}, stored {self.stored}, duplicates {self.duplicates}, "
            f"flagged {self.flagged}, aimed at watched people {self.targeted}, "
            f"errors {self.errors} ({self.posts_per_second:,.0f} posts/s)"
        )


Progress = Callable[[RunStats], None]


def batched(items: Iterable[Fetched], size: int) -> Iterator[list[Fetched]]:
    batch: list[Fetched] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Pipeline:
    def __init__(
        self,
        db: Database,
        detector: TextDetector,
        settings: MonitorSettings,
        *,
        matcher: WatchlistMatcher | None = None,
        media: MediaStep | None = None,
        neardup: NearDuplicates | None = None,
    ) -> None:
        self.db = db
        self.detector = detector
        self.settings = settings
        self.matcher = matcher or WatchlistMatcher(())
        self.media = media or MediaStep()
        self.neardup = neardup or NearDuplicates(capacity=settings.neardup_capacity)

    # ---- one run ----------------------------------------------------------------------

    def run(
        self,
        items: Iterable[Fetched],
        *,
        source_id: int | None = None,
        source: Source | None = None,
        progress: Progress | None = None,
    ) -> RunStats:
        stats = RunStats()
        started = time.perf_counter()
        for batch in batched(items, self.settings.batch_size):
            # The source's position now is just after this batch's last item.
            checkpoint = source.checkpoint() if source is not None else None
            self._batch(batch, stats, source_id, checkpoint)
            stats.batches += 1
            stats.seconds = time.perf_counter() - started
            if progress is not None:
                progress(stats)
        if source is not None and source_id is not None and stats.batches == 0:
            with self.db.transaction() as session:  # nothing new; the position may still move
                store.save_checkpoint(session, source_id, source.checkpoint())
        stats.seconds = time.perf_counter() - started
        return stats

    def _batch(
        self,
        batch: list[Fetched],
        stats: RunStats,
        source_id: int | None,
        checkpoint: dict[str, Any] | None,
    ) -> None:
        errors: list[tuple[str, str]] = []
        unique: dict[tuple[str, str], Post] = {}
        for item in batch:
            stats.read += 1
            if item.post is None:
                errors.append((item.item, item.error or "unreadable item"))
                continue
            unique.setdefault(item.post.key, item.post)
        with self.db.transaction() as session:
            store.tune_for_bulk(session)
            known = store.existing_keys(session, list(unique))
        posts = [p for k, p in unique.items() if k not in known]
        stats.duplicates += len(batch) - len(errors) - len(posts)
        rows: list[dict[str, Any]] = []
        targets: list[dict[int, str]] = []
        if posts:
            detections = self._detect(posts, errors)
            groups = self.neardup.assign([p.text for p in posts])
            targets = self.matcher.match_all(posts)
            banks = self.media.process(posts)
            rows = [
                self._row(p, d, g, t, b, source_id)
                for p, d, g, t, b in zip(posts, detections, groups, targets, banks, strict=True)
            ]
            for row, detection in zip(rows, detections, strict=True):
                if detection is DETECTION_FAILED:
                    row["error"] = "detection failed; run the post through vigil scan again"
        with self.db.transaction() as session:
            store.tune_for_bulk(session)
            # Keys were checked just before; a post another writer stored meanwhile is
            # skipped by the insert (and counted as stored here: the count is advisory).
            store.insert_posts(session, rows)
            aimed = [p.key for p, found in zip(posts, targets, strict=True) if found]
            ids = store.post_ids(session, aimed) if aimed else {}
            store.insert_targets(
                session,
                (
                    {"post_id": ids[p.key], "person_id": pid, "how": how}
                    for p, found in zip(posts, targets, strict=True)
                    if p.key in ids
                    for pid, how in found.items()
                ),
            )
            store.insert_errors(session, source_id, errors)
            if source_id is not None and checkpoint is not None:
                store.save_checkpoint(session, source_id, checkpoint)
        stats.stored += len(rows)
        stats.errors += len(errors)
        room = MAX_ERROR_SAMPLES - len(stats.error_samples)
        stats.error_samples.extend(f"{i}: {m}" for i, m in errors[: max(0, room)])
        for row in rows:
            stats.flagged += row["review_status"] == "pending"
            stats.targeted += row["targeted"]
        if rows:
            first = min(row["created_at"] for row in rows)
            last = max(row["created_at"] for row in rows)
            if stats.first_post_at is None or first < stats.first_post_at:
                stats.first_post_at = first
            if stats.last_post_at is None or last > stats.last_post_at:
                stats.last_post_at = last

    def _detect(self, posts: list[Post], errors: list[tuple[str, str]]) -> list[Detection]:
        texts = [p.text for p in posts]
        try:
            return [to_detection(r) for r in self.detector.predict(texts)]
        except Exception:
            log.warning("detection failed on a batch; retrying post by post")
        out = []
        for post in posts:
            try:
                out.append(to_detection(self.detector.predict([post.text])[0]))
            except Exception as exc:
                errors.append(
                    (f"{post.platform}:{post.post_id}", f"detection failed: {type(exc).__name__}")
                )
                out.append(DETECTION_FAILED)
        return out

    def _row(
        self,
        post: Post,
        det: Detection,
        group: str,
        found: dict[int, str],
        banks: list[str],
        source_id: int | None,
    ) -> dict[str, Any]:
        targeted = bool(found)
        flagged = det.gbv or bool(banks) or (bool(det.pii) and targeted)
        severity = 1.0 if banks else det.severity
        confidence = 1.0 if banks else det.score
        priority = severity * confidence * (self.settings.watched_weight if targeted else 1.0)
        detection = det.as_json()
        if banks:
            detection["media_matches"] = banks
        media = [m.as_json() for m in post.media]
        return {
            "platform": post.platform,
            "post_id": post.post_id,
            "source_id": source_id,
            "url": post.url,
            "author_handle": post.author.handle,
            "author_id": post.author.id,
            "author_name": post.author.name,
            "author_created_at": post.author.created_at,
            "text": post.text,
            "lang": post.lang or det.lang,
            "created_at": post.created_at,
            "collected_at": post.collected_at or utcnow(),
            "reply_to": post.reply_to,
            "reply_to_author": post.reply_to_author,
            "quote_of": post.quote_of,
            "mentions": json.dumps(list(post.mentions), ensure_ascii=False),
            "media": json.dumps(media, ensure_ascii=False),
            "media_key": next((k for m in post.media if (k := m.key())), None),
            "dup_group": group,
            "gbv": det.gbv,
            "score": det.score,
            "category": det.labels[0][:64] if det.labels else None,
            "detection": json.dumps(detection, ensure_ascii=False, default=str),
            "severity": severity,
            "priority": priority,
            "targeted": targeted,
            "review_status": "pending" if flagged else "none",
            "second_review_due": False,
            "error": None,
        }
