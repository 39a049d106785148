"""Matching hash sets against a bank: one index per hash kind, a threshold per kind.

A bank item (a survivor's image, a partner's signal) may have several hashes (plain PDQ,
trimmed PDQ, the frame hash); a query file has several too. The item matches when any query
hash is within its kind's threshold of any of the item's hashes of the same kind; the
reported distance is the smallest, preferring plain PDQ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from vigil.media.base import PDQ_DEFAULT_THRESHOLD, Index
from vigil.media.hashers import PDQ, PDQ_FRAME
from vigil.media.hashes import hex_to_words
from vigil.media.index import MultiIndexHashIndex

#: The frame hash has its own threshold, chosen with benchmarks/media.py: about 94% of 5% crops
#: within it, and at most one false match in a million unrelated pairs (images of PDQ quality
#: below 30 get no frame hash). PDQ distances are even (128 bits set each), so 28 = 29.
PDQ_FRAME_THRESHOLD = 28
DEFAULT_THRESHOLDS: Mapping[str, int] = {PDQ: PDQ_DEFAULT_THRESHOLD, PDQ_FRAME: PDQ_FRAME_THRESHOLD}
#: Kinds in order of preference when an item matches through several.
_PREFERENCE = {PDQ: 0, PDQ_FRAME: 1}


@dataclass(frozen=True)
class ItemMatch:
    item: int
    distance: int
    kind: str


@dataclass
class Matcher:
    """Indexes for one set of items (a bank), each hash kind in its own index."""

    thresholds: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    threads: int = 1
    indexes: dict[str, Index] = field(default_factory=dict)

    def add(self, rows: Iterable[tuple[int, str, str]]) -> int:
        """Add (item id, kind, hex) rows; kinds without a threshold are ignored."""
        by_kind: dict[str, tuple[list[int], list[str]]] = {}
        for item, kind, value in rows:
            if kind in self.thresholds:
                ids, values = by_kind.setdefault(kind, ([], []))
                ids.append(item)
                values.append(value)
        added = 0
        for kind, (ids, values) in by_kind.items():
            index = self.indexes.get(kind)
            if index is None:
                # Small segments are scanned inside it, so it suits banks of any size.
                index = self.indexes[kind] = MultiIndexHashIndex(threads=self.threads)
            index.add(hex_to_words(values), np.asarray(ids, dtype=np.int64))
            added += len(ids)
        return added

    def remove(self, items: Sequence[int]) -> int:
        return sum(index.remove(list(items)) for index in self.indexes.values())

    def __len__(self) -> int:
        return sum(len(index) for index in self.indexes.values())

    def match(
        self, queries: Sequence[Sequence[tuple[str, str]]], *, threshold: int | None = None
    ) -> list[list[ItemMatch]]:
        """For each query (a list of (kind, hex) hashes), its matching items, nearest first.

        ``threshold`` overrides the plain PDQ threshold (the frame threshold scales with it).
        """
        best: list[dict[int, ItemMatch]] = [{} for _ in queries]
        for kind, index in self.indexes.items():
            radius = self.thresholds[kind]
            if threshold is not None:
                radius = max(0, radius + threshold - self.thresholds.get(PDQ, radius))
            owners, values = [], []
            for q, hashes in enumerate(queries):
                for hash_kind, value in hashes:
                    if hash_kind == kind:
                        owners.append(q)
                        values.append(value)
            if not values:
                continue
            for found in index.search(hex_to_words(values), radius):
                q = owners[found.query]
                candidate = ItemMatch(found.id, found.distance, kind)
                current = best[q].get(found.id)
                if current is None or (_PREFERENCE.get(kind, 9), found.distance) < (
                    _PREFERENCE.get(current.kind, 9),
                    current.distance,
                ):
                    best[q][found.id] = candidate
        return [
            sorted(found.values(), key=lambda m: (_PREFERENCE.get(m.kind, 9), m.distance, m.item))
            for found in best
        ]
