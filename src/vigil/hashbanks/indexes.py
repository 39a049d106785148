"""Each bank's in-memory matcher, kept in step with the database incrementally.

Built from the bank's rows on first use; afterwards new rows are added and withdrawn ones
removed (the index supports both without a rebuild). Exact hashes (MD5, SHA-256) are looked up
in the database by equality.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.media.base import HashResult
from vigil.media.hashers import PDQ, PDQ_FRAME
from vigil.media.matching import DEFAULT_THRESHOLDS, Matcher
from vigil.storage.tables.media import MediaBank, MediaHash

EXACT_TYPES = ("md5", "sha256")


@dataclass
class _Cached:
    matcher: Matcher
    max_id: int
    withdrawn: int


@dataclass(frozen=True)
class Query:
    """One thing to match: a label (file name or id) and its (kind, hex) hashes."""

    label: str
    hashes: tuple[tuple[str, str], ...]
    #: The file (bytes, or a path read only if it matches): kept, encrypted, for review.
    media: bytes | Path | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_result(
        cls, label: str, result: HashResult, media: bytes | Path | None = None
    ) -> Query:
        return cls(label, result.query_hashes(), media)


class BankIndexes:
    """The matchers of every bank this process has matched against."""

    def __init__(self) -> None:
        self._matchers: dict[int, _Cached] = {}
        self._lock = threading.Lock()

    def match_bank(
        self, session: Session, bank: MediaBank, queries: Sequence[Query]
    ) -> list[list[tuple[int, int, str]]]:
        matcher = self.matcher(session, bank.id)
        found = [
            [(m.item, m.distance, m.kind) for m in items]
            for items in matcher.match([q.hashes for q in queries], threshold=bank.threshold)
        ]
        exact = {(k, v) for q in queries for k, v in q.hashes if k in EXACT_TYPES}
        if exact:
            hits: dict[tuple[str, str], int] = {}
            for kind in EXACT_TYPES:
                values = [v for k, v in exact if k == kind]
                for hid, value in session.execute(
                    select(MediaHash.id, MediaHash.value).where(
                        MediaHash.bank_id == bank.id,
                        MediaHash.status == "active",
                        MediaHash.signal_type == kind,
                        MediaHash.value.in_(values),
                    )
                ):
                    hits[(kind, value)] = hid
            for items, query in zip(found, queries, strict=True):
                seen = {item for item, _, _ in items}
                for key in query.hashes:
                    if key in hits and hits[key] not in seen:
                        items.insert(0, (hits[key], 0, key[0]))
                        seen.add(hits[key])
        return found

    def matcher(self, session: Session, bank_id: int) -> Matcher:
        """The bank's matcher, brought up to date incrementally."""
        max_id, withdrawn = session.execute(
            select(
                func.coalesce(func.max(MediaHash.id), 0),
                func.count().filter(MediaHash.status == "withdrawn"),
            ).where(MediaHash.bank_id == bank_id)
        ).one()
        with self._lock:
            cached = self._matchers.get(bank_id)
            if cached is None:
                cached = _Cached(Matcher(thresholds=dict(DEFAULT_THRESHOLDS)), 0, 0)
                self._matchers[bank_id] = cached
            if max_id > cached.max_id:
                rows = session.execute(
                    select(
                        MediaHash.id, MediaHash.primary_id, MediaHash.signal_type, MediaHash.value
                    ).where(
                        MediaHash.bank_id == bank_id,
                        MediaHash.id > cached.max_id,
                        MediaHash.status == "active",
                        MediaHash.signal_type.in_((PDQ, PDQ_FRAME)),
                    )
                ).all()
                cached.matcher.add((p or i, t, v) for i, p, t, v in rows)
                cached.max_id = int(max_id)
            if withdrawn != cached.withdrawn:
                gone = session.scalars(
                    select(MediaHash.id).where(
                        MediaHash.bank_id == bank_id,
                        MediaHash.status == "withdrawn",
                        MediaHash.primary_id.is_(None),
                    )
                )
                cached.matcher.remove(list(gone))
                cached.withdrawn = int(withdrawn)
            return cached.matcher
