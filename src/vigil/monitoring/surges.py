"""Pile-ons and coordinated attacks, computed from plain records (no database here).

Pile-on: abuse aimed at one person in a window of fixed length (aligned on the Unix epoch, so
every run sees the same windows) is compared with her own previous windows; it alerts when it
is at least ``min_posts``, ``factor`` times the baseline mean, and three standard deviations
above it.

Coordination: posts sharing a near-duplicate group or a media hash are swept with a sliding
window of a few minutes; the densest window's distinct accounts are weighted (new accounts and
look-alike handles count more, as sock puppets often are both) and alert above a score.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STD_MARGIN = 3.0
NEW_ACCOUNT_WEIGHT = 0.5
LOOKALIKE_WEIGHT = 0.5
#: Handles whose stems are at most this far apart (edit distance) look alike.
LOOKALIKE_DISTANCE = 1
LOOKALIKE_MIN_STEM = 4
_CONFUSABLE = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "|": "l"}
)


def bucket(when: datetime, window: timedelta) -> int:
    return int((when - EPOCH) // window)


def bucket_start(index: int, window: timedelta) -> datetime:
    return EPOCH + window * index


@dataclass(frozen=True)
class PileOn:
    person_id: int
    window_start: datetime
    window_end: datetime
    count: int
    baseline: float
    score: float


def detect_pile_ons(
    events: Iterable[tuple[int, datetime]],
    *,
    start: datetime,
    end: datetime,
    window: timedelta,
    baseline_windows: int,
    factor: float,
    min_posts: int,
) -> list[PileOn]:
    """``events``: (person id, time) of each abusive post aimed at a watched person."""
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for person, when in events:
        counts[person][bucket(when, window)] += 1
    first, last = bucket(start, window), bucket(end, window)
    alerts: list[PileOn] = []
    for person, per_bucket in counts.items():
        # Windows before her first abusive post seen are unknown, not quiet: leave them out.
        seen_from = min(per_bucket)
        for b in range(first, last + 1):
            count = per_bucket.get(b, 0)
            if count < min_posts:
                continue
            previous = [
                per_bucket.get(b - k, 0)
                for k in range(1, baseline_windows + 1)
                if b - k >= seen_from
            ]
            mean = statistics.fmean(previous) if previous else 0.0
            spread = statistics.pstdev(previous) if previous else 0.0
            if count >= max(min_posts, factor * mean, mean + STD_MARGIN * spread):
                alerts.append(
                    PileOn(
                        person,
                        bucket_start(b, window),
                        bucket_start(b + 1, window),
                        count,
                        mean,
                        count / max(mean, 1.0),
                    )
                )
    return alerts


@dataclass(frozen=True)
class CoordPost:
    id: int
    key: str  # "text:<near-duplicate group>" or "media:<hash>"
    author: str
    author_created_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Coordination:
    key: str
    window_start: datetime
    window_end: datetime
    accounts: tuple[str, ...]
    post_ids: tuple[int, ...]
    new_accounts: int
    lookalikes: int
    score: float


def stem(handle: str) -> str:
    """A handle reduced to what sock-puppet variants share: letters, confusables folded."""
    local = handle.casefold().lstrip("@").split("@")[0]
    local = re.sub(r"[\d_.\-]+$", "", unicodedata.normalize("NFKC", local))  # serial numbers
    local = local.translate(_CONFUSABLE)
    return re.sub(r"[\W\d_]+", "", local)


def _distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def lookalike_accounts(handles: Sequence[str]) -> set[str]:
    stems = {h: stem(h) for h in handles}
    found: set[str] = set()
    items = [(h, s) for h, s in stems.items() if len(s) >= LOOKALIKE_MIN_STEM]
    for i, (h1, s1) in enumerate(items):
        for h2, s2 in items[i + 1 :]:
            if s1 == s2 or _distance(s1, s2, LOOKALIKE_DISTANCE) <= LOOKALIKE_DISTANCE:
                found.update((h1, h2))
    return found


def _is_new(post: CoordPost, days: int) -> bool:
    created = post.author_created_at
    return created is not None and post.created_at - created <= timedelta(days=days)


def detect_coordination(
    posts: Iterable[CoordPost],
    *,
    window: timedelta,
    min_accounts: int,
    min_score: float,
    new_account_days: int,
) -> list[Coordination]:
    by_key: dict[str, list[CoordPost]] = defaultdict(list)
    for post in posts:
        by_key[post.key].append(post)
    found: list[Coordination] = []
    for key, group in by_key.items():
        if len({p.author for p in group}) < min_accounts:
            continue
        group.sort(key=lambda p: p.created_at)
        best: list[CoordPost] = []
        lo = 0
        for hi in range(len(group)):  # densest window by distinct accounts
            while group[hi].created_at - group[lo].created_at > window:
                lo += 1
            span = group[lo : hi + 1]
            if len({p.author for p in span}) > len({p.author for p in best}):
                best = span
        first_by_author: dict[str, CoordPost] = {}
        for p in best:
            first_by_author.setdefault(p.author, p)
        if len(first_by_author) < min_accounts:
            continue
        alike = lookalike_accounts(list(first_by_author))
        new = {a for a, p in first_by_author.items() if _is_new(p, new_account_days)}
        score = sum(
            1.0 + NEW_ACCOUNT_WEIGHT * (a in new) + LOOKALIKE_WEIGHT * (a in alike)
            for a in first_by_author
        )
        if score < min_score:
            continue
        start_bucket = bucket(best[0].created_at, window)
        found.append(
            Coordination(
                key=key,
                window_start=bucket_start(start_bucket, window),
                window_end=best[-1].created_at,
                accounts=tuple(sorted(first_by_author)),
                post_ids=tuple(p.id for p in best),
                new_accounts=len(new),
                lookalikes=len(alike),
                score=score,
            )
        )
    return found
