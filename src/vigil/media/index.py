"""Hamming indexes: brute force, and multi-index hashing (MIH) over NumPy for large banks.

Multi-index hashing (Norouzi, Punjani and Fleet, 2012): cut the 256 bits into ``m`` substrings.
If two hashes are within distance ``r``, at least one substring differs in at most ``r // m``
bits (pigeonhole), so probing every substring table with all values within ``r // m`` bits of
the query's substring finds every match: the search is exact, not approximate. Each table is
a compressed sparse row array (bucket offsets + positions sorted by substring), so memory is
``4 bytes × m`` per hash plus ``2**bits`` offsets, with ``bits ≈ log2(N)``.

Adds go to a new segment; segments of similar size are merged (a binary counter), so adding is
amortised ``O(log N)`` rebuild work per hash and never a full rebuild per call. Removals mark
tombstones, dropped at the next merge.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from vigil.errors import InvalidInput
from vigil.media.base import Index, Match
from vigil.media.hashes import HASH_BITS, HASH_WORDS, Words
from vigil.registry import Registry

FORMAT = "vigil-hamming-index"
FORMAT_VERSION = 1
#: Segments smaller than this are scanned: building tables would cost more than it saves.
BRUTE_FORCE_BELOW = 4096
#: Substring width bounds; 22 bits keeps a 10M-hash index under 1 GB.
MIN_SUBSTRING_BITS = 10
MAX_SUBSTRING_BITS = 22
#: The radius substring widths are laid out for (any radius still searches exactly).
DESIGN_RADIUS = 31
#: Candidates verified per NumPy batch: bounds the temporary memory of a search.
CANDIDATES_PER_BATCH = 400_000
#: Queries per thread below which a search stays on one thread.
MIN_QUERIES_PER_THREAD = 64

I64 = npt.NDArray[np.int64]


def _as_codes(codes: Words) -> Words:
    array = np.ascontiguousarray(codes, dtype=np.uint64)
    if array.ndim != 2 or array.shape[1] != HASH_WORDS:
        raise InvalidInput(f"hashes must be an (N, {HASH_WORDS}) uint64 array")
    return array


def _as_ids(ids: Sequence[int] | I64, count: int | None = None) -> I64:
    array = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
    if count is not None and len(array) != count:
        raise InvalidInput(f"{count} hashes but {len(array)} ids")
    return array


def substring_values(codes: Words, start: int, width: int) -> npt.NDArray[np.int64]:
    """The ``width``-bit substring starting at bit ``start`` (0 = most significant) of each hash."""
    word, offset = divmod(start, 64)
    mask = np.uint64((1 << width) - 1)
    if offset + width <= 64:
        values = (codes[:, word] >> np.uint64(64 - offset - width)) & mask
    else:
        head = 64 - offset
        tail = width - head
        values = ((codes[:, word] & np.uint64((1 << head) - 1)) << np.uint64(tail)) | (
            codes[:, word + 1] >> np.uint64(64 - tail)
        )
    return values.astype(np.int64)


@lru_cache(maxsize=64)
def probe_masks(width: int, radius: int) -> npt.NDArray[np.int64]:
    """Every ``width``-bit mask with at most ``radius`` bits set, lightest first."""
    masks = [0]
    for k in range(1, min(radius, width) + 1):
        for bits in itertools.combinations(range(width), k):
            masks.append(sum(1 << b for b in bits))
    out = np.array(masks, dtype=np.int64)
    out.setflags(write=False)
    return out


def substring_layout(count: int, radius: int = DESIGN_RADIUS) -> list[tuple[int, int]]:
    """(start, width) of each substring for a segment of ``count`` hashes.

    About ``log2(count)`` bits per substring, so buckets hold about one hash. By the refined
    pigeonhole of the MIH paper, for ``radius = m·ρ + a`` only ``a + 1`` substrings need
    probing at ``ρ`` and the rest at ``ρ - 1``: those ``a + 1`` get the full width and the
    others share the remaining bits, which cuts the candidates by about half at radius 31.
    """
    bits = min(MAX_SUBSTRING_BITS, max(MIN_SUBSTRING_BITS, round(math.log2(max(count, 2)))))
    m = math.ceil(HASH_BITS / bits)
    wide = min(m, radius % m + 1)
    rest = HASH_BITS - wide * bits
    narrow = m - wide
    widths = [bits] * wide
    if narrow == 0 or rest < narrow:
        widths = [HASH_BITS // m + (1 if i < HASH_BITS % m else 0) for i in range(m)]
    else:
        widths += [rest // narrow + (1 if i < rest % narrow else 0) for i in range(narrow)]
    starts = [sum(widths[:i]) for i in range(m)]
    return list(zip(starts, widths, strict=True))


def probe_radii(widths: Sequence[int], radius: int) -> list[int]:
    """Probe radius per substring (-1: skip it) that still finds every match within ``radius``."""
    m = len(widths)
    rho, a = divmod(radius, m)
    radii = [rho - 1] * m
    for i in sorted(range(m), key=lambda i: -widths[i])[: a + 1]:
        radii[i] = rho
    return radii


def _expand(starts: I64, counts: I64) -> I64:
    """Concatenate ``range(s, s + c)`` for every (s, c) without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    shift = np.repeat(starts - (ends - counts), counts)
    return shift + np.arange(total, dtype=np.int64)


def _verify(
    words: Words,
    alive: npt.NDArray[np.bool_] | None,
    queries: Words,
    qidx: I64,
    pos: I64,
    radius: int,
) -> tuple[I64, I64, I64]:
    """Keep candidates within ``radius``; ``words`` is the (4, N) word-major copy of the codes.

    Word by word, dropping candidates as soon as they are too far: after two words almost no
    unrelated hash is left, so most of the gathering is skipped.
    """
    dist = np.bitwise_count(words[0].take(pos) ^ queries[:, 0].take(qidx)).astype(np.int16)
    for w in range(HASH_WORDS):
        if w:
            dist += np.bitwise_count(words[w].take(pos) ^ queries[:, w].take(qidx))
        near = np.flatnonzero(dist <= radius)
        qidx, pos, dist = qidx.take(near), pos.take(near), dist.take(near)
    if alive is not None:
        keep = alive.take(pos)
        qidx, pos, dist = qidx[keep], pos[keep], dist[keep]
    return qidx, pos, dist.astype(np.int64)


class _Segment:
    """An immutable block of hashes with its substring tables (or none, when small)."""

    def __init__(
        self,
        codes: Words,
        ids: I64,
        alive: npt.NDArray[np.bool_] | None = None,
        tables: list[tuple[int, int, npt.NDArray[np.uint32], npt.NDArray[np.uint32]]] | None = None,
    ) -> None:
        # Word-major storage: verification gathers one word at a time (four 1-D gathers beat
        # one 2-D gather, and most candidates are dropped after two words).
        self.words = np.ascontiguousarray(codes.T)
        # Most banks number hashes below 2**32: half the memory for ids.
        small = len(ids) == 0 or (int(ids.min()) >= 0 and int(ids.max()) < 2**32)
        self.ids: npt.NDArray[np.int64] | npt.NDArray[np.uint32] = (
            ids.astype(np.uint32) if small else ids
        )
        # None until the first removal: 10 MB saved on a 10M-hash segment that never shrinks.
        self.alive = None if alive is None or bool(alive.all()) else alive
        self.tables = self._build() if tables is None else tables

    def mask(self) -> npt.NDArray[np.bool_]:
        """Which rows are live (all of them until something is removed)."""
        return np.ones(len(self.ids), dtype=np.bool_) if self.alive is None else self.alive

    @property
    def codes(self) -> Words:
        """(N, 4) view of the hashes."""
        return self.words.T

    def _build(self) -> list[tuple[int, int, npt.NDArray[np.uint32], npt.NDArray[np.uint32]]]:
        if len(self.ids) < BRUTE_FORCE_BELOW:
            return []
        tables = []
        for start, width in substring_layout(len(self.ids)):
            values = substring_values(self.codes, start, width)
            order = np.argsort(values, kind="stable").astype(np.uint32)
            counts = np.bincount(values, minlength=1 << width)
            offsets = np.zeros((1 << width) + 1, dtype=np.uint32)
            np.cumsum(counts, out=offsets[1:])
            tables.append((start, width, offsets, order))
        return tables

    @property
    def live(self) -> int:
        return len(self.ids) if self.alive is None else int(self.alive.sum())

    def nbytes(self) -> int:
        size = self.words.nbytes + self.ids.nbytes
        size += 0 if self.alive is None else self.alive.nbytes
        return size + sum(off.nbytes + order.nbytes for _, _, off, order in self.tables)

    def search(self, queries: Words, radius: int) -> tuple[I64, I64, I64]:
        """(query index, id, distance) arrays of every live match within ``radius``."""
        if not self.tables:
            return self._scan(queries, radius)
        radii = probe_radii([w for _, w, _, _ in self.tables], radius)
        per_query = sum(
            len(probe_masks(w, rho)) * max(1.0, len(self.ids) / (1 << w))
            for (_, w, _, _), rho in zip(self.tables, radii, strict=True)
            if rho >= 0
        )
        step = max(1, int(CANDIDATES_PER_BATCH // per_query))
        results = [
            self._search_batch(queries[i : i + step], radius, radii, offset=i)
            for i in range(0, len(queries), step)
        ]
        return tuple(np.concatenate(part) for part in zip(*results, strict=True))  # type: ignore[return-value]

    def _search_batch(
        self, queries: Words, radius: int, radii: list[int], offset: int
    ) -> tuple[I64, I64, I64]:
        all_q, all_pos = [], []
        arange = np.arange(len(queries), dtype=np.int64)
        for (start, width, offsets, order), rho in zip(self.tables, radii, strict=True):
            if rho < 0:
                continue
            masks = probe_masks(width, rho)
            probes = (substring_values(queries, start, width)[:, None] ^ masks[None, :]).ravel()
            begin = offsets.take(probes).astype(np.int64)
            counts = offsets.take(probes + 1).astype(np.int64) - begin
            # Probes are grouped by query, so each query's candidates are contiguous.
            per_query = counts.reshape(len(queries), len(masks)).sum(axis=1)
            all_pos.append(order.take(_expand(begin, counts)).astype(np.int64))
            all_q.append(np.repeat(arange, per_query))
        qidx, pos, dist = _verify(
            self.words, self.alive, queries, np.concatenate(all_q), np.concatenate(all_pos), radius
        )
        # A hash found through two substrings is reported once.
        key = qidx * len(self.ids) + pos
        _, first = np.unique(key, return_index=True)
        return qidx[first] + offset, self.ids[pos[first]].astype(np.int64), dist[first]

    def _scan(self, queries: Words, radius: int) -> tuple[I64, I64, I64]:
        if len(self.ids) == 0 or len(queries) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        step = max(1, CANDIDATES_PER_BATCH // len(self.ids))
        out: list[tuple[I64, I64, I64]] = []
        for i in range(0, len(queries), step):
            block = queries[i : i + step]
            dist = np.zeros((len(block), len(self.ids)), dtype=np.int64)
            for w in range(HASH_WORDS):
                dist += np.bitwise_count(block[:, w, None] ^ self.words[w][None, :])
            if self.alive is not None:
                dist[:, ~self.alive] = HASH_BITS + 1
            q, p = np.nonzero(dist <= radius)
            out.append((q.astype(np.int64) + i, self.ids[p].astype(np.int64), dist[q, p]))
        return tuple(np.concatenate(part) for part in zip(*out, strict=True))  # type: ignore[return-value]


def _matches(qidx: I64, ids: I64, dist: I64) -> list[Match]:
    order = np.lexsort((ids, dist, qidx))
    return [
        Match(int(q), int(i), int(d))
        for q, i, d in zip(qidx[order], ids[order], dist[order], strict=True)
    ]


class _SegmentedIndex(Index):
    """Shared by both indexes: segments, tombstones, persistence."""

    name: ClassVar[str]
    #: Whether segments get substring tables.
    _tables: ClassVar[bool]

    def __init__(self, *, threads: int = 1) -> None:
        """``threads``: NumPy's gathers release the GIL, so big batches scale across cores."""
        self._segments: list[_Segment] = []
        self.threads = max(1, threads)

    def _new_segment(self, codes: Words, ids: I64) -> _Segment:
        if self._tables:
            return _Segment(codes, ids)
        return _Segment(codes, ids, tables=[])

    def add(self, codes: Words, ids: Sequence[int] | I64) -> None:
        codes = _as_codes(codes)
        id_array = _as_ids(ids, len(codes))
        if not len(codes):
            return
        # Build the new list aside and swap it in: a search running meanwhile keeps its snapshot.
        segments = [*self._segments, self._new_segment(codes.copy(), id_array.copy())]
        # Binary-counter merging: a segment never sits beside a smaller-or-equal older one.
        while len(segments) > 1 and segments[-1].live * 2 >= segments[-2].live:
            newer, older = segments.pop(), segments.pop()
            keep_o, keep_n = older.mask(), newer.mask()
            segments.append(
                self._new_segment(
                    np.concatenate([older.codes[keep_o], newer.codes[keep_n]]),
                    np.concatenate([older.ids[keep_o], newer.ids[keep_n]]).astype(np.int64),
                )
            )
        self._segments = segments

    def remove(self, ids: Sequence[int] | I64) -> int:
        targets = _as_ids(ids)
        removed = 0
        for segment in self._segments:
            hit = np.isin(segment.ids, targets) & segment.mask()
            removed += int(hit.sum())
            if hit.any():
                alive = segment.mask().copy()
                alive[hit] = False
                segment.alive = alive
        return removed

    def search(self, queries: Words, radius: int) -> list[Match]:
        return _matches(*self.search_arrays(queries, radius))

    def search_arrays(self, queries: Words, radius: int) -> tuple[I64, I64, I64]:
        """Like ``search`` but as (query index, id, distance) arrays, unsorted; for speed."""
        queries = _as_codes(queries)
        if not 0 <= radius <= HASH_BITS:
            raise InvalidInput(f"radius must be between 0 and {HASH_BITS}")
        snapshot = list(self._segments)
        parts = [self._search_segment(segment, queries, radius) for segment in snapshot]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]

    def _search_segment(
        self, segment: _Segment, queries: Words, radius: int
    ) -> tuple[I64, I64, I64]:
        workers = min(self.threads, len(queries) // MIN_QUERIES_PER_THREAD)
        if workers <= 1:
            return segment.search(queries, radius)
        bounds = np.linspace(0, len(queries), workers + 1).astype(int)
        with ThreadPoolExecutor(workers) as pool:
            parts = list(
                pool.map(
                    lambda lo, hi: segment.search(queries[lo:hi], radius), bounds[:-1], bounds[1:]
                )
            )
        for (qidx, _, _), lo in zip(parts, bounds[:-1], strict=True):
            qidx += lo
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]

    def __len__(self) -> int:
        return sum(segment.live for segment in self._segments)

    def nbytes(self) -> int:
        return sum(segment.nbytes() for segment in self._segments)

    def save(self, path: Path) -> None:
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "format": np.array(FORMAT),
            "version": np.array(FORMAT_VERSION),
            "kind": np.array(self.name),
            "segments": np.array(len(self._segments)),
        }
        for s, segment in enumerate(self._segments):
            arrays[f"s{s}_words"] = segment.words
            arrays[f"s{s}_ids"] = segment.ids
            arrays[f"s{s}_alive"] = segment.mask()
            arrays[f"s{s}_layout"] = np.array(
                [(start, width) for start, width, _, _ in segment.tables], dtype=np.int64
            ).reshape(-1, 2)
            for t, (_, _, offsets, order) in enumerate(segment.tables):
                arrays[f"s{s}_t{t}_offsets"] = offsets
                arrays[f"s{s}_t{t}_order"] = order
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)  # never leave a half-written index behind

    @classmethod
    def load(cls, path: Path) -> _SegmentedIndex:
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise InvalidInput(f"not a readable index file: {path.name}") from exc
        with data:
            if str(data.get("format", "")) != FORMAT or int(data["version"]) != FORMAT_VERSION:
                raise InvalidInput(f"{path.name} is not a {FORMAT} v{FORMAT_VERSION} file")
            kind = str(data["kind"])
            target = INDEXES.get(kind) if kind in INDEXES else None
            if target is None or not issubclass(target, cls):
                raise InvalidInput(f"{path.name} holds a {kind!r} index, not {cls.name!r}")
            index = target()
            for s in range(int(data["segments"])):
                layout = data[f"s{s}_layout"]
                tables = [
                    (int(start), int(width), data[f"s{s}_t{t}_offsets"], data[f"s{s}_t{t}_order"])
                    for t, (start, width) in enumerate(layout)
                ]
                words = data[f"s{s}_words"]
                if words.dtype != np.uint64 or words.ndim != 2 or words.shape[0] != HASH_WORDS:
                    raise InvalidInput(f"{path.name}: damaged hash array")
                codes = words.T
                ids, alive = data[f"s{s}_ids"], data[f"s{s}_alive"].copy()
                if len(ids) != len(codes) or len(alive) != len(codes):
                    raise InvalidInput(f"{path.name}: damaged id array")
                for _, width, offsets, order in tables:
                    if len(offsets) != (1 << width) + 1 or len(order) != len(codes):
                        raise InvalidInput(f"{path.name}: damaged substring table")
                index._segments.append(_Segment(codes, ids.astype(np.int64), alive, tables))
        return index


class BruteForceIndex(_SegmentedIndex):
    """Scans every hash: exact, simple, fine up to tens of thousands of hashes."""

    name = "brute"
    _tables = False


class MultiIndexHashIndex(_SegmentedIndex):
    """Exact multi-index hashing: the same matches as brute force, far fewer comparisons."""

    name = "mih"
    _tables = True


INDEXES: Registry[type[Index]] = Registry(Index, (BruteForceIndex, MultiIndexHashIndex))


def make_index(count_hint: int = 0) -> Index:
    """The index that suits a bank of about ``count_hint`` hashes."""
    return MultiIndexHashIndex() if count_hint >= BRUTE_FORCE_BELOW else BruteForceIndex()


def brute_force(codes: Words, queries: Words, radius: int) -> tuple[I64, I64]:
    """Reference NumPy scan: (query index, position) of every pair within ``radius``."""
    qs, ps = [], []
    for i, query in enumerate(queries):
        dist = np.bitwise_count(codes ^ query).sum(axis=1, dtype=np.int64)
        hit = np.flatnonzero(dist <= radius)
        qs.append(np.full(len(hit), i, dtype=np.int64))
        ps.append(hit)
    if not qs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(qs), np.concatenate(ps)
