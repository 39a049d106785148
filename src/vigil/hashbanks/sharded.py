"""Bank matching sharded over an engine's workers (``vigil media match --engine ray``).

Each worker holds one shard of a bank's hashes in its own ``Matcher``; every batch of queries
goes to every shard and the answers merge, per query, exactly as one ``Matcher`` over the whole
bank would order them. Negative banks, exact hashes and the recorded matches stay with
``HashBankService.match``: only the Hamming search moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.hashbanks.indexes import BankIndexes
from vigil.media.hashers import PDQ, PDQ_FRAME
from vigil.media.matching import _PREFERENCE, DEFAULT_THRESHOLDS, ItemMatch, Matcher
from vigil.scale import Engine
from vigil.storage.tables.media import MediaHash

#: Queries sent to the shards at once.
QUERY_BATCH = 1000

QueryHashes = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class MatcherShard:
    """Worker recipe: a shard's (item, kind, hex) rows, matched at one threshold."""

    rows: tuple[tuple[int, str, str], ...]
    threshold: int | None

    def __call__(self) -> Callable[[list[QueryHashes]], list[list[tuple[int, int, str]]]]:
        matcher = Matcher(thresholds=dict(DEFAULT_THRESHOLDS))
        matcher.add(self.rows)
        threshold = self.threshold

        def match(batch: list[QueryHashes]) -> list[list[tuple[int, int, str]]]:
            return [
                [(m.item, m.distance, m.kind) for m in found]
                for found in matcher.match(batch, threshold=threshold)
            ]

        return match


class ShardedMatcher:
    """Looks like a ``Matcher`` to ``BankIndexes.match_bank``; searches on the engine."""

    def __init__(self, engine: Engine, parts: list[tuple[tuple[int, str, str], ...]]) -> None:
        self.engine = engine
        self.parts = parts

    def match(
        self, queries: Sequence[QueryHashes], *, threshold: int | None = None
    ) -> list[list[ItemMatch]]:
        factories = [MatcherShard(part, threshold) for part in self.parts]
        batches = [list(queries[i : i + QUERY_BATCH]) for i in range(0, len(queries), QUERY_BATCH)]
        merged: list[list[ItemMatch]] = []
        for answers in self.engine.broadcast(factories, batches):
            for per_query in zip(*answers, strict=True):
                best: dict[int, ItemMatch] = {}
                for shard_found in per_query:
                    for item, distance, kind in shard_found:
                        best[item] = ItemMatch(item, distance, kind)
                merged.append(
                    sorted(
                        best.values(),
                        key=lambda m: (_PREFERENCE.get(m.kind, 9), m.distance, m.item),
                    )
                )
        return merged


class ShardedBankIndexes(BankIndexes):
    """Bank matchers that split each bank over ``shards`` workers of ``engine``."""

    def __init__(self, engine: Engine, shards: int) -> None:
        super().__init__()
        self.engine = engine
        self.shards = max(1, shards)

    def matcher(self, session: Session, bank_id: int) -> ShardedMatcher:  # type: ignore[override]
        rows = session.execute(
            select(MediaHash.id, MediaHash.primary_id, MediaHash.signal_type, MediaHash.value)
            .where(
                MediaHash.bank_id == bank_id,
                MediaHash.status == "active",
                MediaHash.signal_type.in_((PDQ, PDQ_FRAME)),
            )
            .order_by(MediaHash.id)
        ).all()
        # An item's shard is fixed by its id, so its plain and frame hashes meet in one shard
        # and a shard's answer for an item is final.
        parts: list[list[tuple[int, str, str]]] = [[] for _ in range(self.shards)]
        for hash_id, primary_id, kind, value in rows:
            item = primary_id or hash_id
            parts[item % self.shards].append((item, kind, value))
        return ShardedMatcher(self.engine, [tuple(part) for part in parts])
