"""The fast tier's n-gram model bound to its compiled kernel (``_ngram_kernel.pyx``).

The kernel is built by ``setup.py`` where a C compiler is present; where it is not,
``CompiledScorer.bind`` returns None and ``features.Hasher`` scores with numpy, computing the
same numbers (``tests/detection/test_kernels.py`` holds the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.detection.features import (
    DISTINCT_ORDER,
    MIN_DISTINCT,
    ORDER_SALT,
    Hasher,
    Words,
    encode,
    word_table,
)

try:
    from vigil.detection import _ngram_kernel
except ImportError:  # pragma: no cover - exercised where no extension was built
    _ngram_kernel = None  # type: ignore[assignment]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def compiled_kernel() -> bool:
    """Whether the C scoring loop was built; the numpy path is used otherwise."""
    return _ngram_kernel is not None


@dataclass(frozen=True)
class PackedWeights:
    """A weight table without its empty buckets: most buckets of a pruned model are zero,
    and the full table (tens of MB) would be read from main memory at every n-gram, where
    this one stays in the CPU's cache."""

    present: npt.NDArray[np.uint64]  # one bit per bucket: does it have a weight
    rank: npt.NDArray[np.uint32]  # per 64 buckets: how many buckets before them have one
    rows: F32  # the weights of the buckets that have one, in order

    @classmethod
    def pack(cls, weights: F32, stored: I64 | None = None) -> PackedWeights:
        """``stored``: the only buckets that can have a weight (a loaded model's), so the
        whole table (20 MB) need not be read to find them: ~20 ms of every start."""
        if stored is None:
            kept = np.any(weights != 0, axis=1)
            kept = np.concatenate([kept, np.zeros(-kept.size % 64, dtype=np.bool_)])
        else:
            kept = np.zeros(weights.shape[0] + (-weights.shape[0] % 64), dtype=np.bool_)
            kept[stored[np.any(weights[stored] != 0, axis=1)]] = True
        present = np.packbits(kept, bitorder="little").view(np.uint64)
        counts = np.bitwise_count(present).astype(np.int64)
        rank = (np.cumsum(counts) - counts).astype(np.uint32)
        rows = np.ascontiguousarray(weights[kept[: weights.shape[0]]], dtype=np.float32)
        return cls(present, rank, rows)


@dataclass(frozen=True)
class TopWords:
    """Per text, its highest-weighted words (texts x limit; start -1 past the last one)."""

    start: I64
    end: I64
    weight: F64


class CompiledScorer:
    """One model's weights packed and bound to the kernel with its hasher's settings."""

    def __init__(self, hasher: Hasher, weights: F32, stored: I64 | None = None) -> None:
        assert _ngram_kernel is not None
        self.heads = int(weights.shape[1])
        packed = PackedWeights.pack(weights, stored)
        chars = np.array(hasher.char_orders, dtype=np.int64)
        self._kernel = _ngram_kernel.Kernel(
            word_table().view(np.uint8),
            packed.present,
            packed.rank,
            packed.rows,
            chars,
            np.array([(o * ORDER_SALT) % 2**64 for o in hasher.char_orders], dtype=np.uint64),
            np.array(hasher.word_orders, dtype=np.int64),
            np.array([(7919 * o * ORDER_SALT) % 2**64 for o in hasher.word_orders], np.uint64),
            DISTINCT_ORDER if DISTINCT_ORDER in hasher.char_orders else max(chars, default=0),
            MIN_DISTINCT,
            hasher.bits,
        )

    @classmethod
    def bind(cls, hasher: Hasher, weights: F32, stored: I64 | None = None) -> CompiledScorer | None:
        """The scorer, or None where the kernel was not built."""
        return cls(hasher, weights, stored) if compiled_kernel() else None

    def scores(
        self, texts: list[str], explain: int = -1, limit: int = 0
    ) -> tuple[F32, TopWords | None]:
        """Scores (texts x heads) and, for head ``explain`` (>= 0), each text's ``limit`` top
        words found in the same pass (what ``Hasher.word_sums`` + a sort would give)."""
        enc = encode(texts)
        out = np.empty((len(texts), self.heads), dtype=np.float32)
        if explain < 0:
            self._kernel.score(enc.codes, enc.starts, enc.lengths, out)
            return out, None
        top = TopWords(
            np.empty((len(texts), limit), dtype=np.int64),
            np.empty((len(texts), limit), dtype=np.int64),
            np.empty((len(texts), limit), dtype=np.float64),
        )
        self._kernel.score(
            enc.codes, enc.starts, enc.lengths, out, explain, top.start, top.end, top.weight
        )
        return out, top

    def word_sums(self, texts: list[str], head: int) -> tuple[Words, F64]:
        """``Hasher.word_sums`` of one head (a column of the bound weights)."""
        enc = encode(texts)
        room = int(enc.lengths.sum())
        doc = np.empty(room, dtype=np.int64)
        start = np.empty(room, dtype=np.int64)
        end = np.empty(room, dtype=np.int64)
        sums = np.empty(room, dtype=np.float64)
        n = self._kernel.word_sums(enc.codes, enc.starts, enc.lengths, head, doc, start, end, sums)
        doc, start, end = doc[:n], start[:n], end[:n]
        offset = enc.starts[doc]
        return Words(doc, start, end, start + offset, end + offset, offset), sums[:n]
