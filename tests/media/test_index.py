"""Indexes agree with brute force, add and remove incrementally, and round-trip to disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigil.errors import InvalidInput
from vigil.media import index as index_module
from vigil.media.base import PDQ_DEFAULT_THRESHOLD, Index
from vigil.media.hashes import flip_bits, random_words
from vigil.media.index import (
    BruteForceIndex,
    MultiIndexHashIndex,
    brute_force,
    probe_radii,
    substring_layout,
)

INDEXES = [BruteForceIndex, MultiIndexHashIndex]


def _bank(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return random_words(n, rng), np.arange(1000, 1000 + n, dtype=np.int64)


def _queries(codes: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, len(codes), n)
    near = flip_bits(codes[src], rng.integers(0, 40, n), rng)
    return np.concatenate([near, random_words(n, rng)])


def _pairs(index: Index, queries: np.ndarray, radius: int) -> set[tuple[int, int, int]]:
    return {(m.query, m.id, m.distance) for m in index.search(queries, radius)}


def _truth(
    codes: np.ndarray, ids: np.ndarray, queries: np.ndarray, radius: int
) -> set[tuple[int, int, int]]:
    q, p = brute_force(codes, queries, radius)
    dist = np.bitwise_count(codes[p] ^ queries[q]).sum(axis=1)
    return {(int(a), int(ids[b]), int(d)) for a, b, d in zip(q, p, dist, strict=True)}


@pytest.mark.parametrize("cls", INDEXES)
@pytest.mark.parametrize("radius", [0, 8, PDQ_DEFAULT_THRESHOLD, 45])
def test_same_matches_as_brute_force(cls: type[Index], radius: int) -> None:
    codes, ids = _bank(20_000)
    index = cls()
    index.add(codes, ids)
    queries = _queries(codes, 150)
    assert _pairs(index, queries, radius) == _truth(codes, ids, queries, radius)


def test_layouts_are_exact_by_the_refined_pigeonhole() -> None:
    for count in (10, 5_000, 1_000_000, 10_000_000, 10**9):
        layout = substring_layout(count)
        widths = [w for _, w in layout]
        assert sum(widths) == 256
        assert max(widths) <= index_module.MAX_SUBSTRING_BITS
        for radius in (0, 1, 15, 31, 32, 64):
            radii = probe_radii(widths, radius)
            # If every substring differed by more than its probe radius, the total would
            # exceed the search radius: so one probe always finds a true match.
            assert sum(r + 1 for r in radii) > radius


@pytest.mark.parametrize("cls", INDEXES)
def test_incremental_add_and_remove(cls: type[Index]) -> None:
    codes, ids = _bank(12_000)
    index = cls()
    for lo in range(0, 12_000, 3_000):  # four adds, merged as a binary counter
        index.add(codes[lo : lo + 3_000], ids[lo : lo + 3_000])
    assert len(index) == 12_000
    removed = index.remove([*ids[:500].tolist(), 999999999])
    assert removed == 500
    assert len(index) == 11_500
    queries = codes[:600]
    got = _pairs(index, queries, 0)
    assert {(q, i) for q, i, _ in got} == {(q, int(ids[q])) for q in range(500, 600)}
    index.add(codes[:10], ids[:10])  # re-adding a removed hash brings it back
    assert len(index) == 11_510
    assert index.remove(ids[:10]) == 10


@pytest.mark.parametrize("cls", INDEXES)
def test_save_and_load_round_trip(cls: type[Index], tmp_path: Path) -> None:
    codes, ids = _bank(6_000)
    index = cls()
    index.add(codes, ids)
    index.remove(ids[:3])
    path = tmp_path / "bank.npz"
    index.save(path)
    loaded = cls.load(path)
    assert len(loaded) == len(index)
    queries = _queries(codes, 50)
    assert _pairs(loaded, queries, 31) == _pairs(index, queries, 31)
    assert loaded.nbytes() == index.nbytes()


def test_load_refuses_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an index")
    with pytest.raises(InvalidInput):
        MultiIndexHashIndex.load(bad)
    other = tmp_path / "other.npz"
    np.savez(other, format=np.array("something-else"), version=np.array(1))
    with pytest.raises(InvalidInput):
        MultiIndexHashIndex.load(other)
    brute = BruteForceIndex()
    brute.add(*_bank(10))
    brute.save(tmp_path / "brute.npz")
    with pytest.raises(InvalidInput):
        MultiIndexHashIndex.load(tmp_path / "brute.npz")


def test_threads_give_the_same_answer() -> None:
    codes, ids = _bank(20_000)
    one, two = MultiIndexHashIndex(), MultiIndexHashIndex(threads=2)
    one.add(codes, ids)
    two.add(codes, ids)
    queries = _queries(codes, 200)
    assert _pairs(one, queries, 31) == _pairs(two, queries, 31)


def test_bad_input_is_refused() -> None:
    index = MultiIndexHashIndex()
    with pytest.raises(InvalidInput):
        index.add(np.zeros((3, 2), dtype=np.uint64), np.arange(3))
    with pytest.raises(InvalidInput):
        index.add(np.zeros((3, 4), dtype=np.uint64), np.arange(2))
    with pytest.raises(InvalidInput):
        index.search(np.zeros((1, 4), dtype=np.uint64), 300)
    assert index.search(np.zeros((1, 4), dtype=np.uint64), 31) == []
