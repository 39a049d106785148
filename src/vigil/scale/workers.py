"""Worker factories for the engines: picklable recipes, built once per worker process.

Ray ships these to its workers; the local engine calls them in-process. They hold only plain
data (a tier name, a model path, NumPy arrays), never a loaded model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.scale.base import Engine


@dataclass(frozen=True)
class DetectorWorker:
    """Scores batches of texts: ``[(text, lang | None), …] -> [result dict, …]``."""

    tier: str
    model_dir: str | None = None

    def __call__(self) -> Callable[[Sequence[tuple[str, str | None]]], list[dict[str, Any]]]:
        from vigil.detection import load_detector

        detector = load_detector(self.tier, Path(self.model_dir) if self.model_dir else None)

        def score(batch: Sequence[tuple[str, str | None]]) -> list[dict[str, Any]]:
            results = detector.predict([t for t, _ in batch], [lang for _, lang in batch])
            # With each explanation span's source, as the monitoring pipeline keeps them.
            return [result.to_dict(sources=True) for result in results]

        return score


@dataclass(frozen=True)
class IndexShardWorker:
    """Holds one shard of a hash bank and answers radius searches against it.

    Returns ``(query, id, distance)`` triples with the shard's own global ids, so shards'
    answers merge by concatenation.
    """

    codes: npt.NDArray[np.uint64]
    ids: npt.NDArray[np.int64]
    radius: int

    def __call__(self) -> Callable[[npt.NDArray[np.uint64]], list[tuple[int, int, int]]]:
        from vigil.media.index import make_index

        index = make_index(len(self.codes))
        index.add(self.codes, self.ids)

        def search(queries: npt.NDArray[np.uint64]) -> list[tuple[int, int, int]]:
            return [(m.query, m.id, m.distance) for m in index.search(queries, self.radius)]

        return search


def shard_bank(
    codes: npt.NDArray[np.uint64], ids: npt.NDArray[np.int64], shards: int, radius: int
) -> list[IndexShardWorker]:
    """Cut a bank into ``shards`` contiguous pieces, one worker recipe each."""
    bounds = np.linspace(0, len(codes), shards + 1, dtype=np.int64)
    return [
        IndexShardWorker(codes[a:b], ids[a:b], radius)
        for a, b in itertools.pairwise(bounds.tolist())
    ]


def merge_shard_matches(parts: Sequence[list[tuple[int, int, int]]]) -> list[tuple[int, int, int]]:
    """One answer from every shard's: per query, nearest first, ties by id (deterministic)."""
    return sorted((m for part in parts for m in part), key=lambda m: (m[0], m[2], m[1]))


#: Texts per batch sent to one worker when a detector runs on an engine.
DETECTOR_BATCH = 2000


class EngineDetector:
    """A detector whose ``predict`` runs on an engine's workers (``--engine ray``).

    Same results as the local detector, as plain mappings of the ``vigil scan`` fields (each
    explanation span with its source), in input order; callers that accept ``Result``
    objects or mappings (the monitoring pipeline) use it unchanged.
    """

    def __init__(self, engine: Engine, tier: str, model_dir: str | None = None) -> None:
        self.engine = engine
        self.factory = DetectorWorker(tier, model_dir)

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[dict[str, Any]]:
        pairs = list(zip(texts, langs or [None] * len(texts), strict=True))
        batches = [pairs[i : i + DETECTOR_BATCH] for i in range(0, len(pairs), DETECTOR_BATCH)]
        return [
            result for batch in self.engine.map_batches(self.factory, batches) for result in batch
        ]
